package config

import (
	"flag"
	"io"
	"testing"
	"time"
)

func TestBatches(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		workers int
		lease   time.Duration
		upload  int64
		wantErr bool
	}{
		{"defaults", nil, nil, DefaultBatchWorkers(), DefaultBatchLease, DefaultBatchMaxUpload, false},
		{"env", map[string]string{"CERTA_BATCH_WORKERS": "3", "CERTA_BATCH_LEASE": "2m", "CERTA_BATCH_MAX_UPLOAD": "1048576"}, nil, 3, 2 * time.Minute, 1 << 20, false},
		{"flag wins over env", map[string]string{"CERTA_BATCH_WORKERS": "3"}, []string{"--batch-workers", "5"}, 5, DefaultBatchLease, DefaultBatchMaxUpload, false},
		{"flag overrides a bad env value", map[string]string{"CERTA_BATCH_LEASE": "forever"}, []string{"--batch-lease", "30s"}, DefaultBatchWorkers(), 30 * time.Second, DefaultBatchMaxUpload, false},
		{"bad env value", map[string]string{"CERTA_BATCH_LEASE": "1s"}, nil, 0, 0, 0, true},
		{"zero workers", nil, []string{"--batch-workers", "0"}, 0, 0, 0, true},
		{"too many workers", nil, []string{"--batch-workers", "1000"}, 0, 0, 0, true},
		{"negative upload", nil, []string{"--batch-max-upload", "-1"}, 0, 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var b Batches
			RegisterBatches(fs, &b)
			err := fs.Parse(tc.args)
			if err == nil {
				err = b.Resolve()
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && (b.Workers != tc.workers || b.Lease != tc.lease || b.MaxUpload != tc.upload) {
				t.Errorf("got %d %s %d", b.Workers, b.Lease, b.MaxUpload)
			}
		})
	}
}
