package auth

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestCheckName(t *testing.T) {
	decomposed := "Jose\u0301" // e + combining acute
	for _, tc := range []struct {
		in, want string
		err      string // part of the error; "" for none
	}{
		{"alice", "alice", ""},
		{"maria.k-2", "maria.k-2", ""},
		{decomposed, "José", ""},                      // NFC
		{"ａｌｉｃｅ", "alice", ""},                        // full width folded
		{"مریم", "مریم", ""},                          // Persian
		{"مریم۱۲", "مریم۱۲", ""},                      // Persian digits with Persian letters
		{"می\u200cخواهم", "می\u200cخواهم", ""},        // ZWNJ between Persian letters
		{"\u200cمریم", "", "zero-width"},              // ZWNJ at the start
		{"ab\u200ccd", "", "zero-width"},              // ZWNJ between Latin letters
		{"аdmin", "", "mixes"},                        // Cyrillic а + Latin
		{"adminمریم", "", "mixes"},                    // Latin + Persian
		{"асе", "", "want Latin or Persian"},          // whole-script Cyrillic
		{"αlpha", "", "mixes"},                        // Greek α + Latin
		{"a1۲", "", "mixes ASCII and Persian digits"}, // two kinds of digits
		{"bob۱", "", "Persian digits in a Latin name"},
		{"a b", "", "not allowed"},
		{"a\u200db", "", "not allowed"}, // zero-width joiner
		{"", "", "want 1 to"},
		{strings.Repeat("a", 65), "", "want 1 to 64"},
		{"bad\xff", "", "UTF-8"},
		{"x<script>", "", "not allowed"},
		{"مـریم", "", "letter"}, // tatweel
	} {
		got, err := CheckName(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("CheckName(%q): got error %v, want %q", tc.in, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("CheckName(%q): got %q, %v; want an error containing %q", tc.in, got, err, tc.err)
		case tc.err == "" && got != tc.want:
			t.Errorf("CheckName(%q): got %q, want %q", tc.in, got, tc.want)
		case tc.err == "" && !norm.NFC.IsNormalString(got):
			t.Errorf("CheckName(%q): got %q, not NFC", tc.in, got)
		}
	}
}

func TestLookAlike(t *testing.T) {
	existing := []string{"admin", "علی", "مریم", "kevin", "Bob"}
	for _, tc := range []struct {
		in   string
		want string // the existing name it is mistaken for; "" when none
	}{
		{"ADMIN", "admin"},
		{"adm1n", ""}, // 1 reads as l, not i
		{"admln", ""},
		{"admın", "admin"},     // dotless ı
		{"ａdmin", "admin"},     // full width
		{"علي", "علی"},         // Arabic yeh for Persian yeh
		{"عل\u0649", "علی"},    // alef maksura
		{"مر\u200cیم", "مریم"}, // a ZWNJ does not make a new name
		{"kevin", "kevin"},
		{"kevln", ""},
		{"bob", "Bob"},
		{"b0b", "Bob"},
		{"modern", ""},
		{"kevim", ""},
		{"alice", ""},
	} {
		got, ok := LookAlike(tc.in, existing)
		if (tc.want != "") != ok || got != tc.want {
			t.Errorf("LookAlike(%q): got %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	// rn reads as m.
	if got, ok := LookAlike("rnaria", []string{"maria"}); !ok || got != "maria" {
		t.Errorf("LookAlike(rnaria): got %q, %v; want maria", got, ok)
	}
	if !errors.Is(ErrLookAlike, ErrLookAlike) {
		t.Fatal("ErrLookAlike")
	}
}

func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"alice", "مریم", "می\u200cخواهم", "аdmin", "Jose\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := CheckName(s)
		if err != nil {
			return
		}
		// A name accepted is stable and its own look-alike.
		if again, err := CheckName(n); err != nil || again != n {
			t.Fatalf("CheckName(%q) = %q, then %q, %v", s, n, again, err)
		}
		if _, ok := LookAlike(n, []string{s}); !ok {
			t.Fatalf("%q (from %q) is not a look-alike of its input", n, s)
		}
	})
}
