package plan

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// memReader is a Reader over rows and incidents held in memory: the plan
// is pure logic, so its cases need no database (the backends run the
// contract suite for that).
type memReader struct {
	rows  []Row
	incs  map[string]model.Incident
	calls int
	fail  error
}

func (m *memReader) Lookup(_ context.Context, source string, refs []string) ([]Row, error) {
	m.calls++
	if m.fail != nil {
		return nil, m.fail
	}
	if len(refs) > LookupChunk {
		return nil, errors.New("chunk too large")
	}
	var out []Row
	for _, r := range m.rows {
		if r.Source == source && slices.Contains(refs, r.Ref) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memReader) Incidents(_ context.Context, ids []string) (map[string]model.Incident, error) {
	out := map[string]model.Incident{}
	for _, id := range ids {
		if inc, ok := m.incs[id]; ok {
			out[id] = inc
		}
	}
	return out, nil
}

var at = time.Date(2024, 1, 4, 9, 0, 0, 0, time.UTC)

func rec(ref string, rev int64, raw string) model.Record {
	return model.Record{
		Report: model.Report{Source: "gtd", SourceRef: ref, Revision: rev, Raw: []byte(raw)},
		Claim:  model.Claim{Start: model.Date{Year: 2024, Month: 1, Day: 3}, Killed: model.Point(5, model.Exact)},
	}
}

func TestPrepareFillsAndChecks(t *testing.T) {
	b, err := Prepare([]model.Record{rec("1", 0, "a"), rec("2", 7, "b")}, at.Add(123*time.Nanosecond))
	if err != nil {
		t.Fatal(err)
	}
	got := b.recs[1]
	if got.Report.ID != "gtd:2@7" || got.Claim.ID != "gtd:2@7#1" || got.Claim.ReportID != "gtd:2@7" ||
		got.Claim.Source != "gtd" || len(got.Report.Hash) != 64 {
		t.Errorf("prepared record got report %s hash %q claim %s/%s/%s", got.Report.ID, got.Report.Hash,
			got.Claim.ID, got.Claim.ReportID, got.Claim.Source)
	}
	if !b.at.Equal(at) {
		t.Errorf("batch time got %v, want %v (to the microsecond)", b.at, at)
	}

	bad := []struct {
		name string
		mod  func(*model.Record)
		want string
	}{
		{"no source", func(r *model.Record) { r.Report.Source = "" }, "no source"},
		{"no reference", func(r *model.Record) { r.Report.SourceRef = "" }, "no source reference"},
		{"other claim source", func(r *model.Record) { r.Claim.Source = "acled" }, "differs"},
		{"negative revision", func(r *model.Record) { r.Report.Revision = -1 }, "negative revision"},
		{"NUL", func(r *model.Record) { r.Claim.Text = "a\x00b" }, "text: NUL character"},
		{"bad UTF-8", func(r *model.Record) { r.Claim.Codes = map[string]string{"k": "\xff"} }, "not valid UTF-8"},
	}
	for _, tc := range bad {
		r := rec("3", 0, "c")
		tc.mod(&r)
		_, err := Prepare([]model.Record{rec("1", 0, "a"), r}, at)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "record 1") {
			t.Errorf("%s: Prepare got %v, want an error about record 1 with %q", tc.name, err, tc.want)
		}
		// PrepareChecked leaves the text to its caller, and only that.
		_, err = PrepareChecked([]model.Record{rec("1", 0, "a"), r}, at)
		if text := strings.HasPrefix(tc.want, "text") || tc.want == "not valid UTF-8"; text && err != nil {
			t.Errorf("%s: PrepareChecked got %v, want no text check", tc.name, err)
		} else if !text && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: PrepareChecked got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

func TestMakeCounts(t *testing.T) {
	stored := model.IncidentFromClaim("iold", model.Claim{ID: "gtd:1#1"}, at.Add(-time.Hour))
	r := &memReader{
		rows: []Row{
			{Source: "gtd", Ref: "1", ReportID: "gtd:1", Hash: hashOf("a"), Current: true, ClaimID: "gtd:1#1", IncidentID: "iold", IncidentVersion: 1},
			{Source: "gtd", Ref: "2", ReportID: "gtd:2@5", Hash: hashOf("b"), Revision: 5, Current: true, ClaimID: "gtd:2@5#1", IncidentID: "i2", IncidentVersion: 1},
		},
		incs: map[string]model.Incident{"iold": stored},
	}
	b, err := Prepare([]model.Record{
		rec("1", 0, "a"),        // as stored: unchanged
		rec("1", 0, "a, new"),   // changed: update, needs a new id
		rec("2", 4, "b, older"), // older revision: unchanged
		rec("3", 0, "c"),        // new
		rec("3", 0, "c, again"), // changed within the batch: update
	}, at)
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.Make(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.BatchCounts{New: 1, Updated: 2, Unchanged: 2}); p.Counts != want {
		t.Errorf("counts got %+v, want %+v", p.Counts, want)
	}
	var ids []string
	for _, rep := range p.Reports {
		ids = append(ids, rep.ID+">"+rep.SupersededBy)
	}
	if want := []string{"gtd:1~2>", "gtd:3>gtd:3~2", "gtd:3~2>"}; !slices.Equal(ids, want) {
		t.Errorf("reports got %v, want %v", ids, want)
	}
	if len(p.SupersededReports) != 1 || p.SupersededReports[0] != (Supersede{ID: "gtd:1", By: "gtd:1~2"}) {
		t.Errorf("superseded stored reports got %v", p.SupersededReports)
	}
	if len(p.SupersededClaims) != 1 || p.SupersededClaims[0] != (Supersede{ID: "gtd:1#1", By: "gtd:1~2#1"}) {
		t.Errorf("superseded stored claims got %v", p.SupersededClaims)
	}
	if len(p.Changed) != 1 || p.Changed[0].ID != "iold" || p.Changed[0].Version != 2 ||
		!p.Changed[0].FirstSeen.Equal(stored.FirstSeen) || !slices.Equal(p.Changed[0].Claims, []string{"gtd:1~2#1"}) {
		t.Errorf("changed incidents got %+v", p.Changed)
	}
	if len(p.NewIncidents) != 1 || p.NewIncidents[0].Version != 2 {
		t.Errorf("new incidents got %+v, want one at version 2 after its in-batch update", p.NewIncidents)
	}
	var versions []int
	for _, v := range p.Versions {
		versions = append(versions, v.Version.Version)
	}
	if !slices.Equal(versions, []int{2, 1, 2}) {
		t.Errorf("versions got %v, want [2 1 2]", versions)
	}
	if err := p.Encode(); err != nil {
		t.Fatal(err)
	}
	// Encode puts the versions in key order: (incident id, version).
	if !slices.IsSortedFunc(p.Versions, func(a, b Version) int {
		return cmp.Or(strings.Compare(a.IncidentID, b.IncidentID), cmp.Compare(a.Version.Version, b.Version.Version))
	}) {
		t.Errorf("versions after Encode are not in key order: %v", versionKeys(p.Versions))
	}
	newID := p.NewIncidents[0].ID
	for _, v := range p.Versions {
		wantCurrent := v.IncidentID == "iold" || v.Version.Version == 2
		if v.Current != wantCurrent {
			t.Errorf("version %s/%d current got %v, want %v", v.IncidentID, v.Version.Version, v.Current, wantCurrent)
		}
		if v.IncidentID == newID && v.Version.Version == 2 && string(p.NewIncidents[0].Doc) != string(v.Doc) {
			t.Errorf("the incident row's doc is not its last version's")
		}
	}
	codec, data, err := p.Chunk()
	if err != nil {
		t.Fatalf("Chunk: %v", err)
	}
	chunk, err := DecodeChunk(codec, data)
	if err != nil {
		t.Fatalf("DecodeChunk: %v", err)
	}
	for _, r := range p.Reports {
		if got, err := SliceRaw(chunk, r.RawOffset, r.RawLength); err != nil || string(got) != string(r.Raw) {
			t.Errorf("report %s in the chunk got %q, %v; want %q", r.ID, got, err, r.Raw)
		}
	}
	for _, c := range p.Claims {
		if got, err := SliceRaw(chunk, c.DocOffset, c.DocLength); err != nil || len(got) == 0 || string(got) != string(c.Doc) {
			t.Errorf("claim %s in the chunk got %q, %v; want its document %q", c.ID, got, err, c.Doc)
		}
	}
	if same, err := p.Check(t.Context(), r); err != nil || !same {
		t.Errorf("Check of an unchanged store got %v, %v; want true", same, err)
	}
	r.rows[0].IncidentVersion = 2 // an analyst edited the incident meanwhile
	if same, err := p.Check(t.Context(), r); err != nil || same {
		t.Errorf("Check after a change got %v, %v; want false", same, err)
	}
	if p.Empty() {
		t.Errorf("Empty got true for a plan with writes")
	}
}

func TestMakeChunksLookups(t *testing.T) {
	var recs []model.Record
	for i := range 2*LookupChunk + 1 {
		recs = append(recs, rec(strings.Repeat("x", 1+i%3)+string(rune('a'+i%26))+strings.Repeat("0", i/26), 0, "r"))
	}
	b, err := Prepare(recs, at)
	if err != nil {
		t.Fatal(err)
	}
	r := &memReader{}
	p, err := b.Make(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if r.calls != 3 || p.Counts.New != len(recs) {
		t.Errorf("lookups got %d calls and %d new, want 3 and %d", r.calls, p.Counts.New, len(recs))
	}
	r.fail = errors.New("disk on fire")
	if _, err := b.Make(t.Context(), r); !errors.Is(err, r.fail) {
		t.Errorf("Make with a failing reader got %v, want it wrapped", err)
	}
}

func TestUniqueID(t *testing.T) {
	taken := map[string]bool{"gtd:1": true, "gtd:1~2": true}
	for _, tc := range []struct{ id, want string }{{"gtd:9", "gtd:9"}, {"gtd:1", "gtd:1~3"}, {"gtd:1~2", "gtd:1~2~3"}} {
		if got := uniqueID(taken, tc.id); got != tc.want {
			t.Errorf("uniqueID(%s) got %s, want %s", tc.id, got, tc.want)
		}
	}
}

func TestUpdateKeepsFusedIncident(t *testing.T) {
	fused := model.Incident{ID: "i1", Version: 4, Status: model.StatusConfirmed, Sources: 3,
		Killed: model.Point(95, model.Exact), Claims: []string{"a#1", "b#1", "c#1"}}
	next := Update(fused, []string{"b#1"}, model.Claim{ID: "b~2#1", Killed: model.Point(1, model.Exact)}, at)
	if next.Version != 5 || next.Killed.Best != 95 || next.Status != model.StatusConfirmed ||
		!slices.Equal(next.Claims, []string{"a#1", "c#1", "b~2#1"}) || !next.Updated.Equal(at) {
		t.Errorf("Update of a fused incident got %+v", next)
	}
	if fused.Version != 4 || len(fused.Claims) != 3 {
		t.Errorf("Update changed its argument: %+v", fused)
	}
}

func TestText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Kerman", "Kerman"}, {"کرمان", "کرمان"}, {"a\x00b", "a\uFFFDb"}, {"a\xffb", "a\uFFFDb"}, {"", ""},
	}
	for _, tc := range cases {
		if got := CleanText(tc.in); got != tc.want {
			t.Errorf("CleanText(%q) got %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Actors(model.Incident{Perpetrator: "Islamic State", ClaimedBy: []string{"ISKP", "Amaq"}}); got != "islamic state\niskp\namaq" {
		t.Errorf("Actors got %q", got)
	}
	if raw, err := DecodeChunk(CodecNone, nil); err != nil || raw == nil || len(raw) != 0 {
		t.Errorf("DecodeChunk of nothing got %v, %v; want empty, not nil", raw, err)
	}
	if _, err := DecodeChunk("lz9", []byte("x")); err == nil {
		t.Errorf("DecodeChunk of an unknown codec got no error")
	}
	if _, err := DecodeChunk(CodecZstd, []byte("not zstd")); err == nil {
		t.Errorf("DecodeChunk of a corrupt frame got no error")
	}
}

func TestChunk(t *testing.T) {
	for _, raw := range []string{"", "a", strings.Repeat("200001010027,2000,1,1,,0,,217,United States\n", 500)} {
		codec, data, err := EncodeChunk([]byte(raw))
		if err != nil {
			t.Fatalf("EncodeChunk: %v", err)
		}
		got, err := DecodeChunk(codec, data)
		if err != nil || string(got) != raw {
			t.Errorf("chunk of %d bytes: got %d bytes, %v; want them back", len(raw), len(got), err)
		}
	}
	chunk := []byte("abcdef")
	cases := []struct {
		off, n int64
		want   string
		ok     bool
	}{
		{0, 6, "abcdef", true}, {2, 3, "cde", true}, {6, 0, "", true},
		{5, 2, "", false}, {7, 0, "", false}, {-1, 1, "", false}, {0, -1, "", false}, {1, 1 << 62, "", false},
	}
	for _, tc := range cases {
		got, err := SliceRaw(chunk, tc.off, tc.n)
		if (err == nil) != tc.ok || string(got) != tc.want {
			t.Errorf("SliceRaw(%d, %d) got %q, %v; want %q, ok %v", tc.off, tc.n, got, err, tc.want, tc.ok)
		}
	}
}

func TestChunkCache(t *testing.T) {
	c := NewChunkCache(2)
	loads := 0
	get := func(id int64) string {
		b, err := c.Get(id, func() ([]byte, error) { loads++; return []byte{byte('a' + id)}, nil })
		if err != nil {
			t.Fatalf("Get %d: %v", id, err)
		}
		return string(b)
	}
	steps := []struct {
		id        int64
		want      string
		wantLoads int
	}{
		{0, "a", 1}, {1, "b", 2}, {0, "a", 2}, {2, "c", 3}, // 1 evicted, 0 used last
		{0, "a", 3}, {1, "b", 4},
	}
	for i, s := range steps {
		if got := get(s.id); got != s.want || loads != s.wantLoads {
			t.Errorf("step %d: Get(%d) got %q after %d loads, want %q after %d", i, s.id, got, loads, s.want, s.wantLoads)
		}
	}
	if _, err := c.Get(9, func() ([]byte, error) { return nil, errors.New("no") }); err == nil {
		t.Errorf("Get with a failing load got no error")
	}
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestMarshalClaim(t *testing.T) {
	lat := 30.28
	claims := []model.Claim{
		{ID: "a#1"},
		{ID: "b#1", Lat: &lat, Text: "کرمان", Codes: map[string]string{
			"z": "last", "a": `quote " and \ backslash`, "ctl": "tab\tnew\nline\rcr\x01\x1f", "fa": "۱۴۰۲/۱۰/۱۳",
			"html": "<b>&amp;</b>", "": "empty key", "u2028": "\u2028\u2029",
		}},
	}
	// Same number of codes as claims[1], other names: the encoder's
	// remembered names must not be reused.
	claims = append(claims, model.Claim{ID: "c#1", Codes: map[string]string{
		"1": "a", "2": "b", "3": "c", "4": "d", "5": "e", "6": "f", "7": "g"}})
	if len(claims[2].Codes) != len(claims[1].Codes) {
		t.Fatal("fixture: claims b and c need as many codes")
	}
	var e claimEncoder
	for _, c := range append(claims, claims[1], claims[0], claims[1], claims[2]) {
		got, err := e.marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(got) {
			t.Fatalf("marshal(%s) is not valid JSON: %s", c.ID, got)
		}
		var back model.Claim
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(c)
		again, _ := json.Marshal(back)
		if string(again) != string(want) {
			t.Errorf("marshal(%s) round trip:\n got %s\nwant %s", c.ID, again, want)
		}
	}
}

// TestMarshalClaimCodeSets encodes claims whose code names change from
// claim to claim, as a file's rows do when empty columns are left out:
// every document must hold exactly its claim's codes, and the encoder's
// names stay sorted, each once.
func TestMarshalClaimCodeSets(t *testing.T) {
	sets := [][]string{{"b", "d"}, {"a", "c", "e"}, {"b", "d"}, {"z", "a", "y", "b"}, {}, {"e"},
		{"f", "g", "h", "i", "j", "k", "a", "b", "c", "d"}, {"c", "c2", "c1"}, {"x", "y"}, {"a", "b", "c", "y"}}
	// Random subsets of forty names, as GTD's columns: a name the encoder
	// knows must be found however the new names of the same claim fall.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		var names []string
		for j := range 40 {
			if rng.IntN(3) == 0 {
				names = append(names, fmt.Sprintf("col%02d", j))
			}
		}
		sets = append(sets, names)
	}
	// From a fresh encoder, the known name y comes, in one map order of
	// four, after a, b and c were appended unsorted: it must still be
	// found. Repeated, since map order is random.
	for range 200 {
		var e claimEncoder
		for _, codes := range []map[string]string{{"x": "1", "y": "2"}, {"a": "1", "b": "2", "c": "3", "y": "4"}} {
			doc, err := e.marshal(model.Claim{ID: "c#1", Codes: codes})
			if err != nil || strings.Count(string(doc), `"y"`) != 1 {
				t.Fatalf("marshal got %s, %v; want y once", doc, err)
			}
		}
	}
	var e claimEncoder
	for round := range 3 {
		for i, names := range sets {
			c := model.Claim{ID: fmt.Sprintf("c%d#%d", round, i), Codes: map[string]string{}}
			for _, n := range names {
				c.Codes[n] = "v" + n
			}
			doc, err := e.marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			var back model.Claim
			if err := json.Unmarshal(doc, &back); err != nil {
				t.Fatalf("%s: %v", doc, err)
			}
			if len(back.Codes) != len(c.Codes) || strings.Count(string(doc), `"v`) != len(c.Codes) {
				t.Errorf("marshal of codes %v got %s", names, doc)
			}
			for k, v := range c.Codes {
				if back.Codes[k] != v {
					t.Errorf("marshal of codes %v: code %q got %q, want %q", names, k, back.Codes[k], v)
				}
			}
			if !slices.IsSorted(e.keys) || len(slices.Compact(slices.Clone(e.keys))) != len(e.keys) {
				t.Fatalf("encoder names got %v, want sorted, each once", e.keys)
			}
		}
	}
}

func BenchmarkMarshalClaim(b *testing.B) {
	c := model.Claim{ID: "gtd:1#1", Text: strings.Repeat("a summary ", 50), Codes: map[string]string{}}
	for i := range 35 {
		c.Codes["code"+string(rune('a'+i%26))+strings.Repeat("x", i/26)] = "12"
	}
	b.Run("claimEncoder", func(b *testing.B) {
		var e claimEncoder
		for b.Loop() {
			e.marshal(c)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(c)
		}
	})
}

// FuzzAppendJSONString checks that any valid text comes back from JSON as
// it went in.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `"\`, "\x00\x01\n\t", "کرمان", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // refused before encoding (checkRecord)
		}
		b := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("appendJSONString(%q) = %s: back %q, %v", s, b, back, err)
		}
	})
}

// FuzzChunk checks that any bytes round-trip through a chunk, and that
// decoding and slicing stored chunks never panic, whatever the stored
// bytes and ranges (a damaged file).
func FuzzChunk(f *testing.F) {
	f.Add([]byte("200001010027,2000,1,1,,0,,217,United States\n"), int64(0), int64(5))
	f.Add([]byte{}, int64(0), int64(0))
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0xff}, int64(-1), int64(1<<40))
	f.Fuzz(func(t *testing.T, raw []byte, off, n int64) {
		codec, data, err := EncodeChunk(raw)
		if err != nil {
			t.Fatalf("EncodeChunk: %v", err)
		}
		got, err := DecodeChunk(codec, data)
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("round trip of %d bytes got %d bytes, %v", len(raw), len(got), err)
		}
		if part, err := SliceRaw(got, off, n); err == nil && !bytes.Equal(part, raw[off:off+n]) {
			t.Errorf("SliceRaw(%d, %d) got %q, want %q", off, n, part, raw[off:off+n])
		}
		if dec, err := DecodeChunk(CodecZstd, raw); err == nil {
			_, _ = SliceRaw(dec, off, n)
		}
	})
}

// BenchmarkChunk compresses and decodes a batch-sized chunk of GTD-like
// rows (2,000 rows of about 1.6 kB), as an import and Report do.
func BenchmarkChunk(b *testing.B) {
	var raw []byte
	for i := range 2000 {
		raw = fmt.Appendf(raw, "2000%08d,2000,1,%d,,0,,217,United States,1,North America,Michigan,Mesick,44.405705,-85.714454,1,0,%q\n",
			i, i%28+1, strings.Repeat(fmt.Sprintf("Row %d: an incendiary device was found at a business. ", i), 25))
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		codec, data, err := EncodeChunk(raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := DecodeChunk(codec, data); err != nil {
			b.Fatal(err)
		}
	}
}

func versionKeys(vs []Version) []string {
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%s/%d", v.IncidentID, v.Version.Version))
	}
	return out
}

// TestEncodeSortsByKey checks that Encode leaves a batch of new records'
// incidents and versions in primary-key order (hashed ids, so not in file
// order), each incident still paired with its own document.
func TestEncodeSortsByKey(t *testing.T) {
	var recs []model.Record
	for i := range 50 {
		recs = append(recs, rec(fmt.Sprint(1000+i), 0, fmt.Sprint("row ", i)))
	}
	b, err := Prepare(recs, at)
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.Make(t.Context(), &memReader{})
	if err != nil {
		t.Fatal(err)
	}
	var fileOrder []string
	for _, inc := range p.NewIncidents {
		fileOrder = append(fileOrder, inc.ID)
	}
	if slices.IsSorted(fileOrder) {
		t.Fatalf("the test needs incidents out of key order before Encode, got %v", fileOrder)
	}
	if err := p.Encode(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, inc := range p.NewIncidents {
		got = append(got, inc.ID)
	}
	if !slices.IsSorted(got) {
		t.Errorf("incident ids after Encode got %v, want them sorted", got)
	}
	if len(p.Versions) != len(p.NewIncidents) {
		t.Fatalf("versions got %d, want %d", len(p.Versions), len(p.NewIncidents))
	}
	for i, v := range p.Versions {
		inc := p.NewIncidents[i]
		if v.IncidentID != inc.ID || !v.Current || string(v.Doc) != string(inc.Doc) {
			t.Errorf("version %d got incident %s current %v, want %s's current version with its document", i, v.IncidentID, v.Current, inc.ID)
		}
		var doc model.Incident
		if err := json.Unmarshal(inc.Doc, &doc); err != nil || doc.ID != inc.ID {
			t.Errorf("incident %s document got id %q (%v), want its own", inc.ID, doc.ID, err)
		}
	}
}

// BenchmarkSortByKey sorts a first load's batch of 5,000 new incidents
// and their versions into key order, as Encode does.
func BenchmarkSortByKey(b *testing.B) {
	var recs []model.Record
	for i := range 5000 {
		recs = append(recs, rec(fmt.Sprint(100000+i), 0, fmt.Sprint("row ", i)))
	}
	bt, err := Prepare(recs, at)
	if err != nil {
		b.Fatal(err)
	}
	p, err := bt.Make(b.Context(), &memReader{})
	if err != nil {
		b.Fatal(err)
	}
	incs, vers := slices.Clone(p.NewIncidents), slices.Clone(p.Versions)
	for b.Loop() {
		p.NewIncidents, p.Versions = slices.Clone(incs), slices.Clone(vers)
		p.sortByKey()
	}
}
