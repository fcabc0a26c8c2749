package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize folds the ways the same Persian, Arabic or English text is
// written into one form, so that the lexicons need list each word once:
// Persian (۰–۹) and Arabic-Indic (٠–٩) digits become ASCII digits; Arabic
// Yeh and Kaf become the Persian letters; ZWNJ, tatweel and Arabic
// diacritics are dropped (so "ده‌ها" and "دهها" match); Persian and Arabic
// punctuation becomes ASCII; "≥", "≤", dashes and no-break spaces become
// their ASCII forms; Latin letters are lower-cased. Invalid UTF-8 becomes
// U+FFFD, as ranging over a string gives it.
func Normalize(s string) string {
	n, _ := normalizeMap(s)
	return n
}

// normalizeMap is Normalize that also returns, for each byte of the result
// and one past its end, the offset in s it came from, so that spans found
// in the normalised text can be given in the caller's text.
func normalizeMap(s string) (string, []int) {
	var b strings.Builder
	b.Grow(len(s))
	idx := make([]int, 0, len(s)+1)
	for i, r := range s {
		before := b.Len()
		switch {
		case r >= '۰' && r <= '۹':
			b.WriteByte(byte('0' + r - '۰'))
		case r >= '٠' && r <= '٩':
			b.WriteByte(byte('0' + r - '٠'))
		case r == 'ي' || r == 'ى' || r == 'ئ':
			b.WriteRune('ی')
		case r == 'ك':
			b.WriteRune('ک')
		case r == 'ة':
			b.WriteRune('ه')
		case r == 'أ' || r == 'إ' || r == 'ٱ':
			b.WriteRune('ا')
		case r == '\u200c' || r == '\u200d' || r == '\u200f' || r == '\u200e' || r == 'ـ' || r == '\ufeff':
			// ZWNJ, ZWJ, direction marks, tatweel, BOM: invisible joins
		case r >= '\u064b' && r <= '\u065f', r == '\u0670':
			// harakat and superscript alef
		case r == '،' || r == '٬':
			b.WriteByte(',')
		case r == '؛':
			b.WriteByte(';')
		case r == '٫':
			b.WriteByte('.')
		case r == '؟':
			b.WriteByte('?')
		case r == '≥':
			b.WriteString(">=")
		case r == '≤':
			b.WriteString("<=")
		case r == '–' || r == '—' || r == '−' || r == '‐' || r == '‑':
			b.WriteByte('-')
		case r == '\u00a0' || r == '\u202f' || r == '\u2009' || unicode.IsSpace(r):
			b.WriteByte(' ')
		case r == '’' || r == '‘':
			b.WriteByte('\'')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
		for range b.Len() - before {
			idx = append(idx, i)
		}
	}
	idx = append(idx, len(s))
	return b.String(), idx
}

// tokKind is the kind of a token.
type tokKind int

const (
	tokWord tokKind = iota // letters (Latin or Persian), with inner apostrophes and dots ("incl.")
	tokNum                 // ASCII digits, with "1,000"-style thousands groups joined
	tokSym                 // one punctuation mark or operator: ">=", "<=", "(", ";", "-", …
)

// token is one piece of normalised text with its byte span in that text.
type token struct {
	kind     tokKind
	text     string
	val      int // tokNum: the value; -1 when too large
	from, to int
}

// maxCount bounds the numbers read: larger ones are not casualty figures
// and would overflow arithmetic on ranges.
const maxCount = 100_000_000

// tokenize splits normalised text into words, numbers and symbols.
func tokenize(s string) []token {
	var toks []token
	i := 0
	for i < len(s) {
		r, size := decodeRune(s[i:])
		switch {
		case r == ' ':
			i += size
		case r >= '0' && r <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			// "1,000" and "12,500": a comma followed by exactly three digits
			// continues the number; "2,3" is a list.
			for j+4 <= len(s) && s[j] == ',' && isDigits(s[j+1:j+4]) && (j+4 == len(s) || s[j+4] < '0' || s[j+4] > '9') {
				j += 4
			}
			text := s[i:j]
			toks = append(toks, token{kind: tokNum, text: text, val: atoiCapped(text), from: i, to: j})
			i = j
		case unicode.IsLetter(r):
			j := i + size
			for j < len(s) {
				r2, sz := decodeRune(s[j:])
				if unicode.IsLetter(r2) || unicode.IsMark(r2) {
					j += sz
					continue
				}
				// "o'clock", "incl.": an apostrophe inside a word, a dot after
				// an abbreviation are part of it.
				if r2 == '\'' && j+1 < len(s) {
					if r3, _ := decodeRune(s[j+1:]); unicode.IsLetter(r3) {
						j += sz
						continue
					}
				}
				if r2 == '.' && (j+1 == len(s) || s[j+1] == ' ' || s[j+1] == ')' || s[j+1] == ';') && j-i <= 5 {
					j += sz
				}
				break
			}
			toks = append(toks, token{kind: tokWord, text: s[i:j], from: i, to: j})
			i = j
		default:
			j := i + size
			if (r == '>' || r == '<' || r == '=') && j < len(s) && s[j] == '=' {
				j++
			}
			toks = append(toks, token{kind: tokSym, text: s[i:j], from: i, to: j})
			i = j
		}
	}
	return toks
}

func decodeRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// atoiCapped reads digits with optional thousands commas; -1 past maxCount.
func atoiCapped(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			continue
		}
		n = n*10 + int(s[i]-'0')
		if n > maxCount {
			return -1
		}
	}
	return n
}
