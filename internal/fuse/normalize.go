package fuse

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/vigil-project/vigil/internal/actors"
)

//go:embed aliases.tsv
var aliasesTSV string

// maxDepth bounds how deep branches nest in the alias table.
const maxDepth = 8

// group is one entry of the alias table.
type group struct {
	key     string
	parent  string
	display string
}

// aliasTable maps normalised names to groups. It is read once from the
// embedded file; it holds no state that changes.
type aliasTable struct {
	perp    map[string]*group // normalised alias → group
	perpKey map[string]*group // key → group
	place   map[string]string // place skeleton → canonical key
}

// aliases is the parsed table: the groups of internal/actors (the list
// extraction reads too) and the places of aliases.tsv. Parsing cannot
// fail on the embedded files (a test checks it).
var aliases = mustAliases(actors.AliasLines() + aliasesTSV)

func mustAliases(s string) *aliasTable {
	t, err := parseAliases(s)
	if err != nil {
		// The table is compiled in and tested; an empty table keeps
		// fusion working (without aliases) rather than panicking.
		return &aliasTable{perp: map[string]*group{}, perpKey: map[string]*group{}, place: map[string]string{}}
	}
	return t
}

// parseAliases reads the alias table format described in aliases.tsv.
func parseAliases(s string) (*aliasTable, error) {
	t := &aliasTable{perp: map[string]*group{}, perpKey: map[string]*group{}, place: map[string]string{}}
	sc := bufio.NewScanner(strings.NewReader(s))
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("aliases.tsv:%d: %d fields, want 4", line, len(f))
		}
		names := strings.Split(f[3], "|")
		switch f[0] {
		case "perpetrator":
			g := &group{key: f[1], display: strings.TrimSpace(names[0])}
			if f[2] != "-" {
				g.parent = f[2]
			}
			if _, dup := t.perpKey[g.key]; dup {
				return nil, fmt.Errorf("aliases.tsv:%d: key %q twice", line, g.key)
			}
			t.perpKey[g.key] = g
			for _, n := range names {
				k := normName(n)
				if k == "" {
					continue
				}
				if o, dup := t.perp[k]; dup && o != g {
					return nil, fmt.Errorf("aliases.tsv:%d: alias %q already names %s", line, n, o.key)
				}
				t.perp[k] = g
			}
		case "place":
			for _, n := range names {
				if k := placeSkeleton(n); k != "" {
					t.place[k] = f[1]
				}
			}
		default:
			return nil, fmt.Errorf("aliases.tsv:%d: kind %q, want perpetrator or place", line, f[0])
		}
	}
	for _, g := range t.perpKey {
		if g.parent != "" && t.perpKey[g.parent] == nil {
			return nil, fmt.Errorf("aliases.tsv: %s: parent %q is not a key", g.key, g.parent)
		}
		// Branches nest at most maxDepth deep, and never in a cycle.
		p, n := g, 0
		for ; p != nil && p.parent != "" && n <= maxDepth; n++ {
			p = t.perpKey[p.parent]
		}
		if n > maxDepth {
			return nil, fmt.Errorf("aliases.tsv: %s: branches nest deeper than %d or form a cycle", g.key, maxDepth)
		}
	}
	return t, sc.Err()
}

// arabicFold unifies the Arabic-script letters that Arabic and Persian
// write differently, and drops the zero-width and tatweel characters that
// only affect rendering.
var arabicFold = map[rune]rune{
	'ي': 'ی', 'ى': 'ی', 'ئ': 'ی', 'ك': 'ک', 'ة': 'ه', 'ۀ': 'ه', 'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا',
	'ؤ': 'و', 'ء': -1, '\u200c': -1, '\u200d': -1, '\u200e': -1, '\u200f': -1, 'ـ': -1,
}

// fold lower-cases s, strips diacritics (Latin accents and Arabic short
// vowel marks alike are non-spacing marks after decomposition) and
// unifies Arabic/Persian letter variants.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if m, ok := arabicFold[r]; ok {
			if m < 0 {
				continue
			}
			r = m
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// normName is the key a perpetrator name is looked up by: folded, with
// parenthesised parts dropped when something remains outside them, and
// punctuation turned into single spaces. "Islamic State of Iraq and the
// Levant (ISIL)" and "islamic state of iraq and the levant" share a key.
func normName(s string) string {
	s = fold(s)
	if i := strings.IndexByte(s, '('); i > 0 && strings.TrimSpace(s[:i]) != "" {
		s = s[:i]
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '\'' || r == '’' || r == '`':
			// "Da'esh" = "Daesh"
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

// Perpetrator is a perpetrator name resolved through the alias table.
type Perpetrator struct {
	// Key is the alias table's key, or "name:"+the normalised name for a
	// group the table does not know; "" for none or unknown.
	Key string
	// Root is the key of the outermost group the Key is a branch of (the
	// Key itself when it is no branch).
	Root string
	// Display is the table's display name, or the name as given.
	Display string
}

// unknownPerps are the names sources write for "no one known".
var unknownPerps = map[string]bool{"unknown": true, "none": true, "none yet": true, "not yet claimed": true,
	"unclaimed": true, "": true, "n a": true, "na": true, "نامعلوم": true}

// ResolvePerpetrator resolves a perpetrator name through the alias table.
func ResolvePerpetrator(name string) Perpetrator {
	k := normName(name)
	if unknownPerps[k] {
		return Perpetrator{}
	}
	g := aliases.perp[k]
	if g == nil {
		// Unknown names still compare equal across case and punctuation.
		return Perpetrator{Key: "name:" + k, Root: "name:" + k, Display: strings.TrimSpace(name)}
	}
	root := g
	for i := 0; root.parent != "" && i < 8; i++ { // bounded: the table is a tree
		root = aliases.perpKey[root.parent]
	}
	return Perpetrator{Key: g.key, Root: root.key, Display: g.display}
}

// PerpetratorAgreement says how two resolved perpetrators relate.
type PerpetratorAgreement int

// Perpetrator agreements.
const (
	PerpMissing   PerpetratorAgreement = iota // one or both unknown
	PerpSame                                  // the same group
	PerpBranch                                // one is a branch of the other (ISKP and IS)
	PerpDifferent                             // different groups
)

// isAncestor reports whether key a is b or one of b's parents.
func isAncestor(a, b string) bool {
	for i := 0; b != "" && i < 8; i++ {
		if a == b {
			return true
		}
		g := aliases.perpKey[b]
		if g == nil {
			return false
		}
		b = g.parent
	}
	return false
}

// ComparePerpetrators compares two resolved perpetrators.
func ComparePerpetrators(a, b Perpetrator) PerpetratorAgreement {
	switch {
	case a.Key == "" || b.Key == "":
		return PerpMissing
	case a.Key == b.Key:
		return PerpSame
	case isAncestor(a.Key, b.Key) || isAncestor(b.Key, a.Key):
		return PerpBranch
	}
	return PerpDifferent
}

// persianLatin romanises Persian and Arabic letters onto the symbols of
// the place skeleton: consonants as in the common transliterations, with
// the digraphs already collapsed (ش = sh → S, چ = ch → C, خ = kh → x,
// ژ = zh → Z, غ and ق = gh/q → q); letters that stand for vowels (ا و ی)
// and ع are dropped, like Latin vowels.
var persianLatin = map[rune]string{
	'ا': "", 'ب': "b", 'پ': "p", 'ت': "t", 'ث': "s", 'ج': "j", 'چ': "C", 'ح': "h", 'خ': "x",
	'د': "d", 'ذ': "z", 'ر': "r", 'ز': "z", 'ژ': "Z", 'س': "s", 'ش': "S", 'ص': "s", 'ض': "z",
	'ط': "t", 'ظ': "z", 'ع': "", 'غ': "q", 'ف': "f", 'ق': "q", 'ک': "k", 'گ': "g", 'ل': "l",
	'م': "m", 'ن': "n", 'و': "", 'ه': "h", 'ی': "",
}

// latinDigraphs are collapsed before vowels are dropped, so that "kh" and
// خ meet as x.
var latinDigraphs = []struct{ from, to string }{
	{"kh", "x"}, {"gh", "q"}, {"sh", "S"}, {"ch", "C"}, {"zh", "Z"}, {"ph", "f"}, {"dj", "j"},
}

var dropApostrophes = strings.NewReplacer("'", "", "’", "")

// placeSkeleton is the matching key of a place name across scripts and
// transliterations: the folded name with the ezafe ("-e", "-ye") and the
// Arabic article ("al-", "el-") dropped, romanised, with digraphs collapsed,
// vowels, spaces, hyphens and apostrophes dropped and doubled letters
// collapsed. "Shah-e Cheragh", "Shahcheragh" and شاهچراغ all give "ShCrq".
// It is a key for matching, not a name to show.
func placeSkeleton(s string) string {
	s = fold(s)
	// Words: drop the ezafe and articles, which transliterations keep or drop at will.
	words := strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’')
	})
	var b strings.Builder
	for _, w := range words {
		w = dropApostrophes.Replace(w)
		switch w {
		case "e", "ye", "al", "el", "ul", "the":
			continue
		}
		for _, p := range [...]string{"al-", "el-"} {
			w = strings.TrimPrefix(w, p)
		}
		b.WriteString(w)
	}
	s = b.String()
	for _, d := range latinDigraphs {
		s = strings.ReplaceAll(s, d.from, d.to)
	}
	b.Reset()
	var last rune = -1
	for _, r := range s {
		var out string
		if m, ok := persianLatin[r]; ok {
			out = m
		} else {
			switch r {
			case 'a', 'e', 'i', 'o', 'u', 'y', 'w', 'v':
				// Vowels, and v/w, which Persian و writes for both the
				// consonant and the vowels u/o.
				out = ""
			case 'c':
				out = "k"
			case 'q':
				out = "q"
			default:
				out = string(r)
			}
		}
		for _, o := range out {
			if o != last {
				b.WriteRune(o)
			}
			last = o
		}
	}
	return b.String()
}

// PlaceKey is the key two place names are compared by: the alias table's
// canonical key when the name is a known place, otherwise its skeleton;
// "" for an empty or unknown name.
func PlaceKey(name string) string {
	sk := placeSkeleton(name)
	if sk == "" {
		return ""
	}
	switch strings.TrimSpace(strings.ToLower(name)) {
	case "unknown", "n/a", "na":
		return ""
	}
	if k, ok := aliases.place[sk]; ok {
		return "=" + k
	}
	return sk
}
