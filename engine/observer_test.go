package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/setup"
)

type recorder struct {
	mu  sync.Mutex
	obs []engine.Observation
}

func (r *recorder) ObserveIssue(o engine.Observation) {
	r.mu.Lock()
	r.obs = append(r.obs, o)
	r.mu.Unlock()
}

func TestObserver(t *testing.T) {
	ctx := context.Background()
	emb, err := setup.OpenEmbedded(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	// Each reading of the clock moves it by a millisecond.
	var mu sync.Mutex
	now := time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond)
		return now
	}
	rec := &recorder{}
	eng, err := emb.EngineObserved("https://certificati.example.it", clock, rec)
	if err != nil {
		t.Fatal(err)
	}
	people, _ := setup.CertifiableResidents(ctx, emb.Store, 1)
	for _, tc := range []struct {
		name, typ, subject string
		kind               errs.Kind // -1: issued
		wantType           string
		stages             []engine.Stage
	}{
		{"issued", "8", people[0].FiscalCode, -1, "residenza", []engine.Stage{engine.StageRender, engine.StageSign, engine.StageRecord}},
		{"unknown type", "no-such-type", people[0].FiscalCode, errs.UnknownType, "", nil},
		{"no such subject", "residenza", "RSSMRA80A01F205X", errs.SubjectNotFound, "residenza", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec.obs = nil
			_, err := eng.Issue(ctx, engine.Request{Type: tc.typ, Subject: tc.subject, Requester: "t", Channel: engine.ChannelCounter, Operator: "t", IDDocument: testIDDocument})
			if len(rec.obs) != 1 {
				t.Fatalf("%d observations", len(rec.obs))
			}
			o := rec.obs[0]
			if o.Err != err || o.Type != tc.wantType || (tc.kind >= 0 && errs.KindOf(o.Err) != tc.kind) || (tc.kind < 0 && err != nil) {
				t.Fatalf("observation %+v for error %v", o, err)
			}
			var sum time.Duration
			for s := range engine.NumStages {
				want := false
				for _, w := range tc.stages {
					want = want || w == s
				}
				if o.Completed(s) != want || (want && o.Durations[s] <= 0) {
					t.Errorf("stage %s: completed %v, %v", s, o.Completed(s), o.Durations[s])
				}
				sum += o.Durations[s]
			}
			if o.Total <= 0 || sum > o.Total {
				t.Errorf("total %v, stages %v", o.Total, sum)
			}
		})
	}
}
