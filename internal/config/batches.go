package config

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

// Batches are the settings of batch jobs (docs/batches.md), for certa
// serve and certa batch.
type Batches struct {
	// Workers issue in parallel per process; Lease is how long a process
	// holds a batch between renewals (an interrupted batch resumes when it
	// lapses); MaxUpload bounds a batch file sent to the API, in bytes.
	Workers   int
	Lease     time.Duration
	MaxUpload int64
	envErr    error
}

// Defaults of the batch settings.
const (
	DefaultBatchLease     = time.Minute
	DefaultBatchMaxUpload = 1 << 30
)

// DefaultBatchWorkers is four per core, as for --issue-concurrency: while
// one item waits for the ledger's group commit, others render and sign.
func DefaultBatchWorkers() int { return 4 * runtimeCPUs() }

// RegisterBatches adds --batch-workers, --batch-lease and
// --batch-max-upload to fs.
func RegisterBatches(fs *flag.FlagSet, b *Batches) {
	b.Workers, b.Lease, b.MaxUpload = DefaultBatchWorkers(), DefaultBatchLease, DefaultBatchMaxUpload
	env := func(name string, parse func(string) error) {
		if v := os.Getenv(name); v != "" {
			if err := parse(v); err != nil && b.envErr == nil {
				b.envErr = fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	workers := func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return fmt.Errorf("%q: want 1 to 256 workers", v)
		}
		b.Workers = n
		return nil
	}
	lease := func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 10*time.Second || d > 24*time.Hour {
			return fmt.Errorf("%q: want a duration from 10s to 24h", v)
		}
		b.Lease = d
		return nil
	}
	upload := func(v string) error {
		n, err := parseSize(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("%q: want a positive size in bytes", v)
		}
		b.MaxUpload = n
		return nil
	}
	env("CERTA_BATCH_WORKERS", workers)
	env("CERTA_BATCH_LEASE", lease)
	env("CERTA_BATCH_MAX_UPLOAD", upload)
	// A flag overrides its variable, and with it a bad value there.
	fs.Func("batch-workers", fmt.Sprintf("batch items issued in parallel per process (env CERTA_BATCH_WORKERS, default %d)", DefaultBatchWorkers()),
		func(v string) error { b.envErr = nil; return workers(v) })
	fs.Func("batch-lease", fmt.Sprintf("how long a process holds a batch between renewals; an interrupted batch resumes after it (env CERTA_BATCH_LEASE, default %s)", DefaultBatchLease),
		func(v string) error { b.envErr = nil; return lease(v) })
	fs.Func("batch-max-upload", fmt.Sprintf("largest batch file the API accepts, bytes (env CERTA_BATCH_MAX_UPLOAD, default %d)", DefaultBatchMaxUpload),
		func(v string) error { b.envErr = nil; return upload(v) })
}

// Resolve reports a bad CERTA_BATCH_* variable that no flag overrode.
func (b *Batches) Resolve() error { return b.envErr }

func runtimeCPUs() int { return runtime.GOMAXPROCS(0) }
