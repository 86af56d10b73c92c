package engine_test

import (
	"context"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/ledger"
)

func TestLookupCache(t *testing.T) {
	f := newFixture(t, "https://certificati.example.it")
	f.now = time.Now().UTC()
	ctx := context.Background()
	iss, err := f.eng.Issue(ctx, engine.Request{Type: "residenza", Subject: f.people[0].FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.eng.Issue(ctx, engine.Request{Type: "residenza", Subject: f.people[1].FiscalCode, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
	if err != nil {
		t.Fatal(err)
	}
	look := func(code string) ledger.Status {
		t.Helper()
		st, err := f.eng.Lookup(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		return st.Status
	}
	if look(iss.Code) != ledger.StatusValid || look(other.Code) != ledger.StatusValid {
		t.Fatal("fresh certificates not valid")
	}
	// Revoked by another process (straight in the store): a cached record
	// serves until the TTL (one second in setup) has passed.
	if _, err := engine.RevokeIn(ctx, f.emb.Store, f.now, other.Code, ledger.ReasonOther, "", "elsewhere"); err != nil {
		t.Fatal(err)
	}
	if look(other.Code) != ledger.StatusValid {
		t.Fatal("the cached record was not used")
	}
	f.now = f.now.Add(time.Second)
	if look(other.Code) != ledger.StatusRevoked {
		t.Fatal("a revocation elsewhere is not seen after the TTL")
	}
	// Revoked through this engine: seen at once.
	if _, err := f.eng.Revoke(ctx, iss.Code, ledger.ReasonOther, "", "here"); err != nil {
		t.Fatal(err)
	}
	if look(iss.Code) != ledger.StatusRevoked {
		t.Fatal("a revocation through the engine is not seen at once")
	}
}
