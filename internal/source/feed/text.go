package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
)

// oneLine returns s with all its spacing, line breaks included, as
// single spaces: titles are one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// ContentHash returns the hex SHA-256 of an article's title and text,
// spacing collapsed: the same words are the same article whatever the
// markup around them.
func ContentHash(title, text string) string {
	h := sha256.New()
	h.Write([]byte(strings.Join(strings.Fields(title), " ")))
	h.Write([]byte{0})
	h.Write([]byte(strings.Join(strings.Fields(text), " ")))
	return hex.EncodeToString(h.Sum(nil))
}

// GuessLanguage returns a language tag for text from its letters when
// nothing declares one: "fa" for Arabic script with letters only Persian
// uses (پ چ ژ گ ی ک), "ar" for other Arabic script, "ru" for Cyrillic,
// "zh" for Han; for Latin script the language whose commonest words
// (the, de, que…) the text uses most, among English, Portuguese, Spanish,
// French and German; "" when it cannot tell. A declared language always
// wins over this guess.
func GuessLanguage(text string) string {
	var arabic, persian, latin, cyrillic, han, letters int
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		switch {
		case unicode.Is(unicode.Arabic, r):
			arabic++
			switch r {
			case 'پ', 'چ', 'ژ', 'گ', 'ی', 'ک':
				persian++
			}
		case unicode.Is(unicode.Latin, r):
			latin++
		case unicode.Is(unicode.Cyrillic, r):
			cyrillic++
		case unicode.Is(unicode.Han, r):
			han++
		}
		if letters >= 2000 {
			break
		}
	}
	if letters < 3 {
		return ""
	}
	switch {
	case arabic*2 > letters && persian > 0:
		return "fa"
	case arabic*2 > letters:
		return "ar"
	case han*2 > letters:
		return "zh"
	case cyrillic*2 > letters:
		return "ru"
	case latin*2 > letters:
		return latinLanguage(text)
	}
	return ""
}

// stopWords are the commonest short words of some Latin-script
// languages; words two languages share (de, la, en) count for both.
var stopWords = map[string][]string{
	"the": {"en"}, "and": {"en"}, "of": {"en"}, "to": {"en"}, "is": {"en"}, "was": {"en"}, "in": {"en", "de"},
	"que": {"pt", "es", "fr"}, "não": {"pt"}, "do": {"pt"}, "da": {"pt"}, "os": {"pt"}, "em": {"pt"}, "com": {"pt"}, "uma": {"pt"},
	"el": {"es"}, "los": {"es"}, "y": {"es"}, "del": {"es"}, "las": {"es"}, "una": {"es"}, "por": {"es", "pt"},
	"le": {"fr"}, "les": {"fr"}, "et": {"fr"}, "des": {"fr"}, "est": {"fr"}, "une": {"fr"}, "du": {"fr"},
	"der": {"de"}, "die": {"de"}, "und": {"de"}, "das": {"de"}, "ist": {"de"}, "nicht": {"de"}, "mit": {"de"},
	"de": {"pt", "es", "fr"}, "la": {"es", "fr"}, "en": {"es", "fr"},
}

// latinLanguage picks the language whose stop words are most frequent in
// the first words of text, or "" when none are found.
func latinLanguage(text string) string {
	score := map[string]int{}
	for i, w := range strings.Fields(strings.ToLower(text)) {
		if i >= 400 {
			break
		}
		for _, l := range stopWords[strings.Trim(w, ".,;:!?\"'()“”«»")] {
			score[l]++
		}
	}
	best, n := "", 0
	for _, l := range []string{"en", "pt", "es", "fr", "de"} {
		if score[l] > n {
			best, n = l, score[l]
		}
	}
	return best
}
