package setup

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestOpenEmbeddedCreatesThenReuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir() + "/data"
	first, err := OpenEmbedded(ctx, dir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Seeded {
		t.Fatal("first open did not seed the registry")
	}
	n1, err := first.Store.CountResidents(ctx)
	if err != nil || n1 < DemoHouseholds {
		t.Fatalf("residents %d, %v", n1, err)
	}
	key1, _ := os.ReadFile(first.APIKeyPath)
	if fi, _ := os.Stat(first.APIKeyPath); fi.Mode().Perm() != 0o600 {
		t.Fatalf("api key mode %v", fi.Mode().Perm())
	}
	first.Close()

	second, err := OpenEmbedded(ctx, dir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if second.Seeded {
		t.Fatal("second open seeded again")
	}
	n2, _ := second.Store.CountResidents(ctx)
	key2, _ := os.ReadFile(second.APIKeyPath)
	if n2 != n1 || string(key1) != string(key2) {
		t.Fatalf("data changed across restart: %d→%d residents, key equal %v", n1, n2, string(key1) == string(key2))
	}
	if len(second.APIKeys) != 1 {
		t.Fatalf("api keys %v", second.APIKeys)
	}
}

func TestOpenEmbeddedRejectsBadKeyFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/demo-api-key", []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenEmbedded(context.Background(), dir, time.Now); err == nil {
		t.Fatal("short API key accepted")
	}
}
