package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestWorkerUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	pg := "postgres://nobody@127.0.0.1:1/none"
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"worker", "--db", pg}, "--nats"},
		{[]string{"worker", "--nats", "nats://127.0.0.1:1"}, "postgres://"},
		{[]string{"worker", "--db", pg, "--nats", "nats://127.0.0.1:1", "--kinds", "fetch,import"}, "unknown kind"},
		{[]string{"worker", "--db", pg, "--nats", "nats://127.0.0.1:1", "--concurrency", "0"}, "--concurrency"},
		{[]string{"worker", "--db", pg, "--nats", "nats://127.0.0.1:1", "--backoff", "2s,soon"}, "--backoff"},
		{[]string{"worker", "--db", pg, "--nats", "nats://127.0.0.1:1", "stray"}, "usage"},
		{[]string{"worker", "submit", "--nats", "nats://127.0.0.1:1"}, "usage"},
		{[]string{"worker", "status"}, "--nats"},
	}
	for _, tt := range tests {
		_, _, err := vigil(t, db, tt.args...)
		if ExitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("vigil %v: exit code %d (%v), want 2 and an error naming %q", tt.args, ExitCode(err), err, tt.want)
		}
	}
}

func TestRedactNATS(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://user:secret@a:4222,nats://b:4222", "nats://***@a:4222,nats://b:4222"},
	}
	for _, tt := range tests {
		if got := redactNATS(tt.in); got != tt.want {
			t.Errorf("redactNATS(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
