package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/store"
)

// TestTableOrJSON: every command that lists records as a table or JSON
// refuses another --format the same way, as a usage error naming the
// command and the two formats it has.
func TestTableOrJSON(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	for _, args := range [][]string{
		{"alerts", "rules", "list"},
		{"alerts", "check"},
		{"alerts", "list"},
		{"alerts", "outbox"},
		{"analyze", "tempo"},
		{"audit"},
		{"forecast"},
		{"ingest", "nosuch.json"},
		{"prune", "--raw-older-than", "90d"},
		{"tokens", "list"},
		{"users", "list"},
	} {
		cmd := strings.Join(args, " ")
		if args[0] == "analyze" || args[0] == "ingest" || args[0] == "prune" {
			cmd = args[0]
		}
		_, _, err := vigil(t, db, append(args, "--format", "csv")...)
		if ExitCode(err) != 2 || err == nil || !strings.Contains(err.Error(), cmd+": --format csv not supported: use table or json") {
			t.Errorf("vigil %s --format csv: got %v (exit %d), want a usage error naming %q and table or json", strings.Join(args, " "), err, ExitCode(err), cmd)
		}
	}
}

// TestWriteJSONList: no records is an empty array, never null; records
// are written as they are.
func TestWriteJSONList(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []store.User
		want string
	}{
		{"nil", nil, "[]\n"},
		{"empty", []store.User{}, "[]\n"},
		{"one", []store.User{{Name: "ana", Role: "admin"}}, `"name": "ana"`},
	} {
		var b bytes.Buffer
		if err := writeJSONList(&b, tc.in); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := b.String(); !strings.Contains(got, tc.want) || (len(tc.in) == 0 && got != tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
