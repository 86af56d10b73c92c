package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestValidRequestID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"abc-123", true},
		{"0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"trace:1.2_3", true},
		{"", false},
		{strings.Repeat("a", MaxRequestIDLen), true},
		{strings.Repeat("a", MaxRequestIDLen+1), false},
		{"a b", false},
		{"a\nlevel=ERROR", false},
		{`a"b`, false},
		{"àb", false},
	} {
		t.Run(tc.id, func(t *testing.T) {
			if got := ValidRequestID(tc.id); got != tc.want {
				t.Errorf("ValidRequestID(%q) = %v", tc.id, got)
			}
		})
	}
	if id := NewRequestID(); !ValidRequestID(id) || len(id) != 32 || id == NewRequestID() {
		t.Errorf("NewRequestID() = %q", id)
	}
}

func TestLoggerAddsRequestID(t *testing.T) {
	t.Run("json", func(t *testing.T) {
		var buf bytes.Buffer
		log, err := New(&buf, FormatJSON)
		if err != nil {
			t.Fatal(err)
		}
		ctx := WithRequestID(context.Background(), "req-1")
		log.With("component", "test").InfoContext(ctx, "hello", "n", 1)
		log.Info("no request")
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 2 {
			t.Fatalf("%d lines: %q", len(lines), buf.String())
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["request_id"] != "req-1" || rec["msg"] != "hello" || rec["component"] != "test" {
			t.Errorf("record %v", rec)
		}
		if strings.Contains(lines[1], "request_id") {
			t.Errorf("request id without a request: %s", lines[1])
		}
	})
	t.Run("text", func(t *testing.T) {
		var buf bytes.Buffer
		log, err := New(&buf, FormatText)
		if err != nil {
			t.Fatal(err)
		}
		log.InfoContext(WithRequestID(context.Background(), "req-2"), "hello")
		if !strings.Contains(buf.String(), "request_id=req-2") {
			t.Errorf("text line %q", buf.String())
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		if _, err := New(&bytes.Buffer{}, "xml"); err == nil || !strings.Contains(err.Error(), "xml") {
			t.Errorf("New(xml) = %v", err)
		}
	})
}

// FuzzValidRequestID: an accepted id is short and cannot break a log line.
func FuzzValidRequestID(f *testing.F) {
	f.Add("abc-123")
	f.Add("a\nb")
	f.Fuzz(func(t *testing.T, id string) {
		if ValidRequestID(id) && (len(id) > MaxRequestIDLen || strings.ContainsAny(id, " \"\\\n\r\t=")) {
			t.Fatalf("accepted %q", id)
		}
	})
}
