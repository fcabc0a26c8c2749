package actors

import (
	"strings"
	"testing"
)

func TestEmbeddedTableParses(t *testing.T) {
	list, err := Parse(actorsTSV)
	if err != nil {
		t.Fatalf("embedded table: %v", err)
	}
	if got, want := len(All()), len(list); got != want || want == 0 {
		t.Errorf("All() has %d actors, Parse %d; want the same, more than none", got, want)
	}
	lines := 0
	for l := range strings.SplitSeq(actorsTSV, "\n") {
		if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "#") {
			lines++
		}
	}
	if len(list) != lines {
		t.Errorf("%d actors read from %d lines", len(list), lines)
	}
}

func TestLookups(t *testing.T) {
	for _, tc := range []struct {
		key, name, root string
		state           bool
	}{
		{"islamic_state", "Islamic State", "islamic_state", false},
		{"islamic_state_khorasan", "Islamic State Khorasan Province", "islamic_state", false},
		{"aqap", "Al-Qaida in the Arabian Peninsula (AQAP)", "al_qaida", false},
		{"irgc", "IRGC", "irgc", true},
		{"jaish_al_adl", "Jaish al-Adl", "jaish_al_adl", false},
	} {
		a, ok := ByKey(tc.key)
		if !ok {
			t.Errorf("ByKey(%q): not found", tc.key)
			continue
		}
		if a.Name != tc.name || a.State != tc.state || Root(tc.key) != tc.root {
			t.Errorf("%s: name %q state %v root %q, want %q %v %q", tc.key, a.Name, a.State, Root(tc.key), tc.name, tc.state, tc.root)
		}
	}
	if _, ok := ByKey("nobody"); ok {
		t.Error("ByKey(nobody): found, want not")
	}
	if got := Root("nobody"); got != "nobody" {
		t.Errorf("Root(nobody) = %q, want the key itself", got)
	}
	is, _ := ByKey("islamic_state")
	var fieldOnly []string
	for _, n := range is.Names {
		if n.FieldOnly {
			fieldOnly = append(fieldOnly, n.Text)
		}
		if strings.HasPrefix(n.Text, "=") {
			t.Errorf("name %q keeps its marker", n.Text)
		}
	}
	if !strings.Contains(strings.Join(fieldOnly, "|"), "IS") {
		t.Errorf("field-only names of the Islamic State = %v, want IS among them", fieldOnly)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"x\t-\t0", ":1: 3 fields"},
		{"# c\nX\t-\t0\tA", ":2: key \"X\""},
		{"x\t-\t2\tA", "state \"2\""},
		{"x\t-\t0\tA\ny\t-\t0\ta", ":2: name \"a\" already names x"},
		{"x\t-\t0\tA\nx\t-\t0\tB", "key \"x\" already on line 1"},
		{"x\tnope\t0\tA", "parent \"nope\""},
		{"x\ty\t0\tA\ny\tx\t0\tB", "cycle"},
		{"x\t-\t0\tA||B", "empty name"},
	} {
		_, err := Parse(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
}

func TestAliasLines(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(AliasLines(), "\n"), "\n")
	if len(lines) != len(All()) {
		t.Fatalf("%d alias lines for %d actors", len(lines), len(All()))
	}
	for i, l := range lines {
		f := strings.Split(l, "\t")
		a := All()[i]
		if len(f) != 4 || f[0] != "perpetrator" || f[1] != a.Key || !strings.HasPrefix(f[3], a.Name+"|") && f[3] != a.Name {
			t.Errorf("line %d = %q, want perpetrator, %s, its parent, names from %q", i, l, a.Key, a.Name)
		}
		if strings.Contains(f[3], "=") {
			t.Errorf("line %d keeps a field-only marker: %q", i, l)
		}
	}
	if !strings.Contains(AliasLines(), "perpetrator\tislamic_state_khorasan\tislamic_state\t") {
		t.Error("AliasLines: the Khorasan branch does not name its parent")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(actorsTSV)
	f.Add("x\ty\t0\tA\ny\tx\t0\tB")
	f.Add("x\t-\t1\t=A|B\n")
	f.Fuzz(func(t *testing.T, s string) {
		list, err := Parse(s)
		if err != nil {
			return
		}
		for _, a := range list {
			if a.Key == "" || len(a.Names) == 0 || a.Name != a.Names[0].Text {
				t.Errorf("actor %+v: want a key, names and the first as its display name", a)
			}
		}
	})
}
