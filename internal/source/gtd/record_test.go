package gtd

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestRelatedIDs(t *testing.T) {
	var long []string
	for i := range 40 {
		long = append(long, fmt.Sprintf("2001010100%02d", i))
	}
	for _, tt := range []struct {
		in, self string
		want     []string
	}{
		{"", "1", nil},
		{"200109110004, 200109110005, 200109110006", "200109110004", []string{"200109110005", "200109110006"}},
		{" a ,, b,a , self", "self", []string{"a", "b"}},
		{strings.Join(append(long, long...), ", "), long[0], long[1:]},
	} {
		if got := relatedIDs(tt.in, tt.self); !slices.Equal(got, tt.want) {
			t.Errorf("relatedIDs(%.40q, %q): got %q, want %q", tt.in, tt.self, got, tt.want)
		}
	}
}

// TestCountryNames checks GTD's own spellings, and its historical states,
// reach vigil's country table; "International" (incidents at sea or in the
// air) has no country.
func TestCountryNames(t *testing.T) {
	r := &Reader{}
	for _, tt := range []struct{ name, want string }{
		{"United States", "US"},
		{"Iran", "IR"},
		{"Myanmar", "MM"},
		{"West Bank and Gaza Strip", "PS"},
		{"Democratic Republic of the Congo", "CD"},
		{"Ivory Coast", "CI"},
		{"Bosnia-Herzegovina", "BA"},
		{"International", ""},
		{"", ""},
	} {
		for range 2 { // the second lookup comes from the reader's cache
			if got := r.country(tt.name); got != tt.want {
				t.Errorf("country(%q): got %q, want %q", tt.name, got, tt.want)
			}
		}
	}
}
