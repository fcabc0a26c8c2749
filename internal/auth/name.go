package auth

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// Account names appear in the audit log ("user:NAME"), on the admin page
// and in the moderation history: two accounts whose names look the same
// would let one pass for the other there. A name is therefore stored in
// one normal form, and refused when it mixes scripts or when it could be
// read as a name that exists already.

// MaxNameLen is the longest account name, in characters.
const MaxNameLen = 64

// zwnj is the zero-width non-joiner Persian spelling needs inside words
// (می‌خواهم): allowed between Arabic-script letters, ignored when names are
// compared.
const zwnj = '\u200c'

// ErrLookAlike is a name that could be mistaken for an existing one.
var ErrLookAlike = errors.New("looks like an existing account")

// CheckName returns the form of an account name to store: NFC, with
// full-width forms folded (the PRECIS UsernameCasePreserved profile of
// RFC 8265), made of letters of one script, digits of one kind and . _ - @.
// Latin and Arabic-script (Persian) letters only: a Cyrillic or Greek
// name can be a whole-script look-alike of a Latin one (асе, ace), which
// no table in golang.org/x/text detects, and vigil's teams write English
// and Persian.
func CheckName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("name: not valid UTF-8")
	}
	// Width folded and NFC first, so that the characters checked are
	// the ones stored; PRECIS then checks them as a class and for bidi.
	n := norm.NFC.String(width.Fold.String(name))
	if l := utf8.RuneCountInString(n); l == 0 || l > MaxNameLen {
		return "", fmt.Errorf("name %q: want 1 to %d characters", clipName(name), MaxNameLen)
	}
	var script, digits string
	var other rune // the first letter of a script names may not use
	rs := []rune(n)
	for i, r := range rs {
		switch {
		case r == zwnj:
			if i == 0 || i == len(rs)-1 || !unicode.Is(unicode.Arabic, rs[i-1]) || !unicode.Is(unicode.Arabic, rs[i+1]) {
				return "", fmt.Errorf("name %q: a zero-width non-joiner only between Persian letters", clipName(name))
			}
		case unicode.IsDigit(r):
			k := digitKind(r)
			if k == "" {
				return "", fmt.Errorf("name %q: digit %q: want 0-9 or Persian digits", clipName(name), r)
			}
			if digits != "" && k != digits {
				return "", fmt.Errorf("name %q: mixes %s and %s digits", clipName(name), digits, k)
			}
			digits = k
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			s := scriptOf(r)
			if script != "" && s != script {
				return "", fmt.Errorf("name %q: mixes %s and %s letters", clipName(name), script, s)
			}
			if s != "Latin" && s != "Persian" && other == 0 {
				other = r
			}
			script = s
		case strings.ContainsRune("._-@", r):
		default:
			return "", fmt.Errorf("name %q: character %q not allowed (letters, digits and . _ - @ only)", clipName(name), r)
		}
	}
	if other != 0 {
		return "", fmt.Errorf("name %q: letter %q: want Latin or Persian letters", clipName(name), other)
	}
	if digits == "Persian" && script == "Latin" {
		return "", fmt.Errorf("name %q: Persian digits in a Latin name", clipName(name))
	}
	// PRECIS refuses the joiners, which Persian needs: it checks the name
	// without them.
	if _, err := precis.UsernameCasePreserved.String(stripZWNJ(n)); err != nil {
		return "", fmt.Errorf("name %q: a character that cannot be in a name (letters, digits and . _ - @ only)", clipName(name))
	}
	return n, nil
}

// NameKey is the form in which names are compared for look-alikes: case
// folded and NFKC (PRECIS UsernameCaseMapped, then compatibility forms),
// every digit as its ASCII value, ZWNJ dropped, and the few pairs of
// letters that Unicode keeps apart but a reader cannot tell: Arabic and
// Persian yeh and kaf, dotless ı and i, 0 and o, 1 and l, rn and m.
func NameKey(name string) string {
	k, err := precis.UsernameCaseMapped.String(stripZWNJ(name))
	if err != nil {
		k = strings.ToLower(stripZWNJ(name))
	}
	k = norm.NFKC.String(k)
	var b strings.Builder
	for _, r := range k {
		if v := digitValue(r); v >= 0 {
			r = '0' + rune(v)
		}
		if f, ok := lookAlikeRunes[r]; ok {
			r = f
		}
		b.WriteRune(r)
	}
	return strings.ReplaceAll(b.String(), "rn", "m")
}

// lookAlikeRunes folds letters onto the one they are read as. Unicode's
// confusables list (UTS #39) is not in golang.org/x/text, and among the
// Latin and Arabic scripts CheckName allows these are the pairs that
// matter.
var lookAlikeRunes = map[rune]rune{
	'\u064a': '\u06cc', // Arabic yeh → Persian yeh
	'\u0649': '\u06cc', // alef maksura → Persian yeh
	'\u0643': '\u06a9', // Arabic kaf → Persian keheh
	'\u0131': 'i',      // dotless i
	'0':      'o',
	'1':      'l',
}

// LookAlike returns the existing name that name could be mistaken for
// (the same name in another case or form counts too).
func LookAlike(name string, existing []string) (string, bool) {
	k := NameKey(name)
	for _, e := range existing {
		if NameKey(e) == k {
			return e, true
		}
	}
	return "", false
}

func stripZWNJ(s string) string { return strings.ReplaceAll(s, string(zwnj), "") }

func scriptOf(r rune) string {
	switch {
	case unicode.Is(unicode.Latin, r):
		return "Latin"
	case unicode.Is(unicode.Arabic, r) && r != '\u0640': // tatweel only stretches a word
		return "Persian"
	case unicode.Is(unicode.Cyrillic, r):
		return "Cyrillic"
	case unicode.Is(unicode.Greek, r):
		return "Greek"
	}
	return "other" // a combining mark left after NFC, tatweel, another script
}

func digitKind(r rune) string {
	switch {
	case r >= '0' && r <= '9':
		return "ASCII"
	case r >= '\u06f0' && r <= '\u06f9', r >= '\u0660' && r <= '\u0669':
		// Persian and Arabic-Indic digits differ in 4, 5, 6 only, and
		// those look different: both are Persian to a reader.
		return "Persian"
	}
	return ""
}

func digitValue(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= '\u06f0' && r <= '\u06f9':
		return int(r - '\u06f0')
	case r >= '\u0660' && r <= '\u0669':
		return int(r - '\u0660')
	}
	return -1
}

func clipName(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}
