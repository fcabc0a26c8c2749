package audit

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/sqlite"
)

func TestRecord(t *testing.T) {
	ctx := t.Context()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2024, 1, 3, 12, 0, 0, 0, time.UTC)
	if err := Record(ctx, s, at, CLIActor(), Import, "gtd.csv", map[string]int{"new": 3}); err != nil {
		t.Fatalf("Record: %v", err)
	}
	if err := Record(ctx, s, at.Add(time.Second), UserActor("ana"), Login, "", nil); err != nil {
		t.Fatalf("Record without details: %v", err)
	}
	if err := Record(ctx, s, at, "", Login, "", nil); err == nil {
		t.Errorf("Record without an actor got no error")
	}
	if err := Record(ctx, s, at, System, Fuse, "", func() {}); err == nil {
		t.Errorf("Record with details that are not JSON got no error")
	}
	var got []store.AuditEntry
	s.Audit(ctx, store.AuditFilter{}, func(e store.AuditEntry) error { got = append(got, e); return nil })
	if len(got) != 2 {
		t.Fatalf("got %d entries, want 2", len(got))
	}
	if got[0].Actor != CLIActor() || got[0].Action != Import || got[0].Target != "gtd.csv" || string(got[0].Details) != `{"new":3}` || !got[0].At.Equal(at) {
		t.Errorf("entry 0 got %+v", got[0])
	}
	if got[1].Actor != "user:ana" || got[1].Details != nil || got[1].Prev != got[0].Hash {
		t.Errorf("entry 1 got %+v", got[1])
	}
	if err := store.VerifyAudit(got); err != nil {
		t.Errorf("VerifyAudit: %v", err)
	}
}

// A store that cannot append makes Record fail, naming what it was
// recording.
func TestRecordError(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	err = Record(t.Context(), s, time.Now(), System, FeedPoll, "news-a", nil)
	if err == nil || !strings.Contains(err.Error(), "feed.poll news-a") {
		t.Errorf("Record on a closed store got %v, want an error naming the action and target", err)
	}
}

func TestActors(t *testing.T) {
	if a := CLIActor(); !strings.HasPrefix(a, "cli:") || len(a) == len("cli:") {
		t.Errorf("CLIActor got %q, want cli: and a user name", a)
	}
	if a := TokenActor(7); a != "token:7" {
		t.Errorf("TokenActor(7) got %q", a)
	}
}
