package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// chain returns n entries chained as a backend appends them.
func chain(n int) []AuditEntry {
	var out []AuditEntry
	prev := ""
	for i := range n {
		e := AuditEntry{ID: int64(i + 1), At: time.Date(2024, 1, 3, 8, 0, i, 0, time.UTC), Actor: "user:ana", Action: "incident.set",
			Target: "inc-" + string(rune('a'+i)), Details: json.RawMessage(`{"field":"killed"}`), Prev: prev}
		e.Hash = AuditHash(e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

// The encoding as documented, written out by hand: if AuditHash drifts
// from it, logs written before can no longer be verified.
func TestAuditHashEncoding(t *testing.T) {
	e := AuditEntry{At: time.Date(2024, 1, 3, 8, 0, 0, 123456789, time.FixedZone("IRST", 12600)), Actor: "cli:root", Action: "import",
		Target: "gtd.csv", Details: json.RawMessage(`{"new":3}`), Prev: "ab"}
	h := sha256.New()
	h.Write([]byte("vigil-audit-v1"))
	for _, f := range []string{"ab", "2024-01-03T04:30:00.123456Z", "cli:root", "import", "gtd.csv", `{"new":3}`} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	if got, want := AuditHash(e), hex.EncodeToString(h.Sum(nil)); got != want {
		t.Errorf("AuditHash got %s, want %s", got, want)
	}
	// Moving a boundary between fields changes the hash.
	f := e
	f.Actor, f.Action = "cli:rootimport", ""
	if AuditHash(f) == AuditHash(e) {
		t.Errorf("two entries whose fields concatenate alike hash alike")
	}
}

func TestVerifyAudit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func([]AuditEntry) []AuditEntry
		at     int64 // the entry the break is found at; 0 for none
	}{
		{"untouched", func(es []AuditEntry) []AuditEntry { return es }, 0},
		{"empty", func([]AuditEntry) []AuditEntry { return nil }, 0},
		{"a tail run", func(es []AuditEntry) []AuditEntry { return es[2:] }, 0},
		{"actor changed", func(es []AuditEntry) []AuditEntry { es[1].Actor = "user:bob"; return es }, 2},
		{"time changed", func(es []AuditEntry) []AuditEntry { es[3].At = es[3].At.Add(time.Second); return es }, 4},
		{"details changed", func(es []AuditEntry) []AuditEntry { es[0].Details = json.RawMessage(`{"field":"wounded"}`); return es }, 1},
		{"changed with its hash", func(es []AuditEntry) []AuditEntry {
			es[1].Target = "inc-z"
			es[1].Hash = AuditHash(es[1])
			return es
		}, 3},
		{"removed", func(es []AuditEntry) []AuditEntry { return append(es[:2:2], es[3:]...) }, 4},
		{"swapped", func(es []AuditEntry) []AuditEntry { es[1], es[2] = es[2], es[1]; return es }, 3},
		{"id reused", func(es []AuditEntry) []AuditEntry { es[2].ID = 2; return es }, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyAudit(tc.change(chain(5)))
			var b *AuditBreak
			switch {
			case tc.at == 0 && err != nil:
				t.Errorf("VerifyAudit got %v, want nil", err)
			case tc.at != 0 && (!errors.As(err, &b) || b.ID != tc.at):
				t.Errorf("VerifyAudit got %v, want a break at entry %d", err, tc.at)
			}
		})
	}
}

func TestPrepareAudit(t *testing.T) {
	at := time.Date(2024, 1, 3, 8, 0, 0, 999, time.FixedZone("IRST", 12600))
	e, err := PrepareAudit(AuditEntry{ID: 9, At: at, Actor: "a", Action: "b", Details: json.RawMessage("{ \"x\" : [1, 2] }"), Prev: "p", Hash: "h"})
	if err != nil || string(e.Details) != `{"x":[1,2]}` || e.At.Location() != time.UTC || e.At.Nanosecond() != 0 || e.ID != 0 || e.Prev != "" || e.Hash != "" {
		t.Errorf("PrepareAudit got %+v, %v; want compact details, UTC to the microsecond, no id, prev or hash", e, err)
	}
	if e, err := PrepareAudit(AuditEntry{At: at, Actor: "a", Action: "b", Details: json.RawMessage("null")}); err != nil || e.Details != nil {
		t.Errorf("PrepareAudit with null details got %s, %v; want none", e.Details, err)
	}
	for _, bad := range []AuditEntry{
		{Actor: "a", Action: "b"},
		{At: at, Action: "b"},
		{At: at, Actor: "a"},
		{At: at, Actor: "a", Action: "b\nc"},
		{At: at, Actor: "a\x00", Action: "b"},
		{At: at, Actor: "a", Action: "b", Target: strings.Repeat("t", 513)},
		{At: at, Actor: "a", Action: "b", Details: json.RawMessage(`{"x":`)},
		{At: at, Actor: "a", Action: "b", Details: json.RawMessage(`"` + strings.Repeat("x", 64<<10) + `"`)},
	} {
		if _, err := PrepareAudit(bad); err == nil {
			t.Errorf("PrepareAudit(%.80v) got no error", bad)
		}
	}
}

func TestTeamChecks(t *testing.T) {
	at := time.Date(2024, 1, 3, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"user", CheckNewUser(NewUser{Name: "ana.k-1@x", Role: RoleAdmin, Created: at}), true},
		{"persian user", CheckNewUser(NewUser{Name: "زهرا_۱", Role: RoleViewer, Created: at}), true},
		{"user with space", CheckNewUser(NewUser{Name: "a b", Role: RoleViewer, Created: at}), false},
		{"user with colon", CheckNewUser(NewUser{Name: "user:x", Role: RoleViewer, Created: at}), false},
		{"user too long", CheckNewUser(NewUser{Name: strings.Repeat("a", MaxUserName+1), Role: RoleViewer, Created: at}), false},
		{"user bad role", CheckNewUser(NewUser{Name: "a", Role: "Admin", Created: at}), false},
		{"token", CheckNewToken(NewToken{Name: "ci bot", Role: RoleViewer, Hash: strings.Repeat("0f", 32), Created: at}), true},
		{"token upper-case hash", CheckNewToken(NewToken{Name: "ci", Role: RoleViewer, Hash: strings.Repeat("0F", 32), Created: at}), false},
		{"token name on two lines", CheckNewToken(NewToken{Name: "a\nb", Role: RoleViewer, Hash: strings.Repeat("0f", 32), Created: at}), false},
		{"session", CheckSession(Session{IDHash: "h", UserID: 1, CSRF: "c", Created: at, Expires: at.Add(time.Hour)}), true},
		{"session without csrf", CheckSession(Session{IDHash: "h", UserID: 1, Created: at, Expires: at.Add(time.Hour)}), false},
		{"report", CheckPublicReport(PublicReport{Received: at, What: "x", Link: "https://a.example/x", When: "2024-01-03"}, "me"), true},
		{"report link without host", CheckPublicReport(PublicReport{Received: at, What: "x", Link: "https:///x"}, ""), false},
		{"report contact too long", CheckPublicReport(PublicReport{Received: at, What: "x"}, strings.Repeat("c", MaxReportContact+1)), false},
		{"report NaN latitude", CheckPublicReport(PublicReport{Received: at, What: "x", Lat: ptrF(nan()), Lon: ptrF(0)}, ""), false},
		{"moderation", CheckModeration(Moderation{State: ReportRejected, By: "user:a", At: at}), true},
		{"moderation back to pending", CheckModeration(Moderation{State: ReportPending, By: "user:a", At: at}), false},
	} {
		if (tc.err == nil) != tc.ok {
			t.Errorf("%s: got %v, want ok %v", tc.name, tc.err, tc.ok)
		}
	}
}

func ptrF(f float64) *float64 { return &f }

func nan() float64 {
	var z float64
	return z / z
}

func TestRoles(t *testing.T) {
	for _, tc := range []struct {
		have, need Role
		ok         bool
	}{
		{RoleAdmin, RoleAnalyst, true}, {RoleAnalyst, RoleAnalyst, true}, {RoleViewer, RoleAnalyst, false},
		{RoleViewer, RoleViewer, true}, {"", RoleViewer, false}, {"root", RoleViewer, false},
	} {
		if got := tc.have.Allows(tc.need); got != tc.ok {
			t.Errorf("%q.Allows(%q) got %v, want %v", tc.have, tc.need, got, tc.ok)
		}
	}
}
