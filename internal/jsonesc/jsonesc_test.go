package jsonesc

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAppend(t *testing.T) {
	for _, tc := range []struct {
		name, in  string
		m         Mode
		want      string
		wantValid bool
	}{
		{"plain", "Kerman کرمان ۱۴۰۲", 0, `"Kerman کرمان ۱۴۰۲"`, true},
		{"quotes and backslash", `a "q" \ b`, 0, `"a \"q\" \\ b"`, true},
		{"short forms", "a\nb\rc\td", 0, `"a\nb\rc\td"`, true},
		{"other controls", "\x00\x01\b\f\x1f", 0, `"\u0000\u0001\u0008\u000c\u001f"`, true},
		{"HTML left", "<a>&", 0, `"<a>&"`, true},
		{"HTML escaped", "<a>&", HTML, `"\u003ca\u003e\u0026"`, true},
		{"b and f short in HTML mode", "\b\f", HTML, `"\b\f"`, true},
		{"line separators", "a\u2028b\u2029", 0, `"a\u2028b\u2029"`, true},
		{"invalid UTF-8", "a\xffb\xc3", 0, `"a\ufffdb\ufffd"`, false},
		{"empty", "", HTML, `""`, true},
	} {
		got, valid := Append([]byte("x"), tc.in, tc.m)
		if string(got) != "x"+tc.want || valid != tc.wantValid {
			t.Errorf("%s: got %s, %v; want x%s, %v", tc.name, got, valid, tc.want, tc.wantValid)
		}
	}
}

// FuzzAppend holds Append to encoding/json: in HTML mode the very bytes
// json.Marshal writes, in plain mode a string that reads back as the
// same text.
func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "Kerman", "a\"b\\c\n\r\t\b\f\x00\x1f", "<script>&", "\u2028\u2029", "\xff\xfe", "کرمان ۹۵", "\xe2\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got, valid := Append(nil, s, HTML)
		if string(got) != string(want) {
			t.Fatalf("HTML mode: got %s, want json.Marshal's %s", got, want)
		}
		if valid != (strings.ToValidUTF8(s, "") == s) {
			t.Fatalf("valid got %v for %q", valid, s)
		}
		got, _ = Append(nil, s, 0)
		var back, wantBack string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("plain mode wrote %s, not JSON: %v", got, err)
		}
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("plain mode: %s reads back as %q, want %q", got, back, wantBack)
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	s := strings.Repeat("Two explosions near the cemetery in Kerman killed at least 84 people. کرمان ", 4)
	buf := make([]byte, 0, 1024)
	for _, m := range []struct {
		name string
		m    Mode
	}{{"plain", 0}, {"HTML", HTML}} {
		b.Run(m.name, func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				buf, _ = Append(buf[:0], s, m.m)
			}
		})
	}
}
