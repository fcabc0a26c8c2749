package storetest

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/vigil-project/vigil/internal/store"
)

// CheckUpgraded checks a store that was written by the first schema (the
// demo dataset, as `vigil incidents --format json` listed it then, in
// golden) and has just been opened, and so migrated, by this vigil:
// every incident is there as it was, every report's raw row reads back,
// and the store takes new imports.
func CheckUpgraded(t *testing.T, b Backend, golden []byte) {
	t.Helper()
	ctx := t.Context()
	var want []json.RawMessage
	if err := json.Unmarshal(golden, &want); err != nil {
		t.Fatalf("golden incidents: %v", err)
	}
	var got []json.RawMessage
	if err := b.IncidentDocs(ctx, store.Filter{}, func(doc []byte) error {
		got = append(got, bytes.Clone(doc))
		return nil
	}); err != nil {
		t.Fatalf("IncidentDocs after the upgrade: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("after the upgrade %d incidents, want the %d the first schema held", len(got), len(want))
	}
	for i := range want {
		var a, c bytes.Buffer
		json.Compact(&a, want[i])
		json.Compact(&c, got[i])
		if a.String() != c.String() {
			t.Errorf("incident %d changed in the upgrade:\ngot  %s\nwant %s", i, c.String(), a.String())
		}
	}
	st, err := b.Stats(ctx)
	if err != nil || st.Reports != len(want) || st.Imports != 1 {
		t.Errorf("stats after the upgrade %+v, %v; want %d reports and the one import run", st, err, len(want))
	}
	var first struct {
		ID string `json:"id"`
	}
	json.Unmarshal(want[0], &first)
	claims, err := b.Claims(ctx, first.ID)
	if err != nil || len(claims) == 0 {
		t.Fatalf("claims of %s after the upgrade: %d, %v", first.ID, len(claims), err)
	}
	rep, err := b.Report(ctx, claims[0].ReportID)
	if err != nil || len(rep.Raw) == 0 || rep.Hash == "" {
		t.Errorf("report %s after the upgrade: %v (raw %d bytes)", claims[0].ReportID, err, len(rep.Raw))
	}
	ensure(t, b, GTD)
	if c, err := b.ImportBatch(ctx, Synthetic("gtd", 0, 3, fetched), at1); err != nil || c.New != 3 {
		t.Errorf("import after the upgrade: %+v, %v; want 3 new", c, err)
	}
	// The team tables came with the upgrade: accounts and an audit log
	// that starts its chain.
	tb, ok := b.(TeamBackend)
	if !ok {
		t.Fatalf("backend %T lacks the team methods", b)
	}
	mustUser(t, tb, "ana", "admin")
	if e, err := tb.AppendAudit(ctx, store.AuditEntry{At: at1, Actor: "cli:root", Action: "user.add", Target: "ana"}); err != nil || e.Prev != "" || e.ID == 0 {
		t.Errorf("first audit entry after the upgrade: %+v, %v", e, err)
	}
}
