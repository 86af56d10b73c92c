package config

import (
	"flag"
	"io"
	"testing"
	"time"
)

func TestParseRetention(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"0d", 0, true},
		{"90d", 90 * day, true},
		{"3650d", 3650 * day, true},
		{"36h", 36 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{"3651d", 0, false},
		{"-1d", 0, false},
		{"-1h", 0, false},
		{"+5d", 0, false},
		{"090d", 0, false},
		{"d", 0, false},
		{"", 0, false},
		{"90", 0, false},
		{"ninety days", 0, false},
		{"100000h", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRetention(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("ParseRetention(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestPDFRetentionFlagAndEnv(t *testing.T) {
	tests := []struct {
		name, env string
		args      []string
		want      time.Duration
		wantErr   bool
	}{
		{"default", "", nil, DefaultPDFRetention, false},
		{"env", "7d", nil, 7 * 24 * time.Hour, false},
		{"flag wins", "7d", []string{"--pdf-retention", "0"}, 0, false},
		{"bad env", "soon", nil, 0, true},
		{"flag overrides a bad env", "soon", []string{"--pdf-retention", "1d"}, 24 * time.Hour, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CERTA_PDF_RETENTION", tc.env)
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var c Common
			RegisterCommon(fs, &c)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := c.Check()
			if (err != nil) != tc.wantErr || (!tc.wantErr && c.PDFRetention != tc.want) {
				t.Fatalf("retention %v, err %v", c.PDFRetention, err)
			}
		})
	}
	t.Run("bad flag", func(t *testing.T) {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var c Common
		RegisterCommon(fs, &c)
		if err := fs.Parse([]string{"--pdf-retention", "-1d"}); err == nil {
			t.Fatal("accepted -1d")
		}
	})
}

func FuzzParseRetention(f *testing.F) {
	for _, s := range []string{"0", "90d", "36h", "-1d", "1e9h", "3650d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseRetention(s)
		if err != nil {
			if d != 0 {
				t.Fatalf("error with %v", d)
			}
			return
		}
		if d < 0 || d > MaxPDFRetention {
			t.Fatalf("%q accepted as %v", s, d)
		}
	})
}

func TestIssueAdmission(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		want     int
		wantWait time.Duration
		wantErr  bool
	}{
		{"defaults", nil, nil, DefaultIssueConcurrency(), DefaultIssueQueueWait, false},
		{"env", map[string]string{"CERTA_ISSUE_CONCURRENCY": "3", "CERTA_ISSUE_QUEUE_WAIT": "1s"}, nil, 3, time.Second, false},
		{"flag wins", map[string]string{"CERTA_ISSUE_CONCURRENCY": "3"}, []string{"--issue-concurrency", "5", "--issue-queue-wait", "0"}, 5, 0, false},
		{"bad env", map[string]string{"CERTA_ISSUE_CONCURRENCY": "many"}, nil, 0, 0, true},
		{"bad env wait", map[string]string{"CERTA_ISSUE_QUEUE_WAIT": "soon"}, nil, 0, 0, true},
		{"zero", nil, []string{"--issue-concurrency", "0"}, 0, 0, true},
		{"negative wait", nil, []string{"--issue-queue-wait", "-1s"}, 0, 0, true},
		{"long wait", nil, []string{"--issue-queue-wait", "2m"}, 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"CERTA_ISSUE_CONCURRENCY", "CERTA_ISSUE_QUEUE_WAIT"} {
				t.Setenv(k, tc.env[k])
			}
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var s Serve
			RegisterServe(fs, &s)
			if err := fs.Parse(append([]string{"--rate-limit", "off"}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			err := s.Resolve()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if !tc.wantErr && (s.IssueConcurrency != tc.want || s.IssueQueueWait != tc.wantWait || s.IssueQueue() != 4*tc.want) {
				t.Fatalf("concurrency %d, wait %v, queue %d", s.IssueConcurrency, s.IssueQueueWait, s.IssueQueue())
			}
		})
	}
}
