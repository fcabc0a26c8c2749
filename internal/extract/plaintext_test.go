package extract

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain  text\n\n\nnext", "plain text\nnext"},
		{"<p>One &amp; <b>two</b></p><p>Three</p>", "One & two\nThree"},
		{"a<br>b<br/>c", "a\nb\nc"},
		{"<script>alert(1)</script>x<style>p{}</style>", "x"},
		{"&lt;p&gt;escaped&lt;/p&gt;", "<p>escaped</p>"}, // entity-escaped markup is text: shown, never run
		{"<p>unclosed <i>tags", "unclosed tags"},
		{"می\u200cدهد", "می\u200cدهد"}, // ZWNJ kept
	}
	for _, tc := range tests {
		if got := PlainText(tc.in); got != tc.want {
			t.Errorf("PlainText(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"<p>a &amp; b</p>", "<script>x</script>y", "&lt;b&gt;", "<a href='x'>l</a><br>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := PlainText(s)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("PlainText(%q) = %q: invalid UTF-8 from valid input", s, got)
		}
		if strings.Contains(got, "  ") || strings.Contains(got, "\n\n") {
			t.Fatalf("PlainText(%q) = %q: spacing not collapsed", s, got)
		}
	})
}
