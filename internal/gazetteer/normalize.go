package gazetteer

import (
	"unicode"
	"unicode/utf8"
)

// Key folds a place name into the form the index is keyed by, so that the
// ways one name is written meet: Latin letters lose case and diacritics
// ("Orūmīyeh" = "orumiyeh"), Arabic letter forms become Persian ones
// (ي → ی, ك → ک, ة → ه, آ/أ/إ → ا), Persian and Arabic digits become
// ASCII, and spaces, ZWNJ, hyphens, apostrophes and ʿayn marks vanish
// ("Shahr-e Kord" = "Shahrekord", "اسلام‌آباد" = "اسلام آباد"). Common
// transliteration variants are folded too: w → v ("Ahwaz" = "Ahvaz"),
// ou/oo → u, ee → i, and doubled letters count once ("Abbas" = "Abas").
// Key never fails: text without letters gives "".
func Key(s string) string {
	var stack [64]byte
	return string(AppendKey(stack[:0], s))
}

// AppendKey appends Key(s) to dst: a scanner that folds every word of a
// text reuses one buffer instead of allocating a string per word.
func AppendKey(dst []byte, s string) []byte {
	b := dst
	base := len(dst)
	var prev rune
	emit := func(r rune) {
		if r == 'u' && prev == 'o' {
			b = b[:len(b)-1] // "ou" → "u"
			prev, _ = utf8.DecodeLastRune(b[base:])
		}
		if r == prev {
			return // doubled letter; also folds "oo" and "ee"
		}
		b = utf8.AppendRune(b, r)
		prev = r
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r >= utf8.RuneSelf {
			r = unicode.ToLower(r) // before folding: "Ȋ" folds as "ȋ" does
		}
		if r < utf8.RuneSelf {
			switch {
			case r >= 'A' && r <= 'Z':
				r += 'a' - 'A'
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			default:
				continue // space, hyphen, apostrophe, punctuation
			}
			if r == 'w' {
				r = 'v'
			}
			emit(r)
			continue
		}
		if f, ok := latinFold[r]; ok {
			if f == 'w' {
				f = 'v'
			}
			if f != 0 {
				emit(f)
			}
			continue
		}
		switch {
		case r >= '۰' && r <= '۹':
			emit('0' + r - '۰')
		case r >= '٠' && r <= '٩':
			emit('0' + r - '٠')
		case r == 'ي' || r == 'ى' || r == 'ئ':
			emit('ی')
		case r == 'ك':
			emit('ک')
		case r == 'ة' || r == 'ۀ':
			emit('ه')
		case r == 'أ' || r == 'إ' || r == 'آ' || r == 'ٱ':
			emit('ا')
		case r == 'ؤ':
			emit('و')
		case r >= '\u064b' && r <= '\u065f', r == '\u0670', r == 'ـ':
			// harakat, superscript alef, tatweel
		case unicode.Is(unicode.Mn, r):
			// combining marks after a Latin letter ("z̧")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			emit(unicode.ToLower(r))
		}
	}
	return b
}

// latinFold maps the precomposed Latin letters and the ʿayn/hamza marks
// that GeoNames and Natural Earth transliterations use to plain letters
// (0: dropped).
var latinFold = func() map[rune]rune {
	m := map[rune]rune{
		'‘': 0, '’': 0, 'ʿ': 0, 'ʾ': 0, 'ʼ': 0, '`': 0, '´': 0, 'ʻ': 0,
		'ß': 's', 'ø': 'o', 'Ø': 'o', 'æ': 'a', 'Æ': 'a', 'đ': 'd', 'Đ': 'd', 'ł': 'l', 'Ł': 'l', 'ı': 'i',
	}
	groups := map[rune]string{
		'a': "àáâãäåāăąǎȁȃạảấầẩẫậắằẳẵặÀÁÂÃÄÅĀĂĄǍ",
		'c': "çćĉċčÇĆĈĊČ",
		'd': "ďḍḏḑĎḌ",
		'e': "èéêëēĕėęěȅȇẹẻẽếềểễệÈÉÊËĒĔĖĘĚ",
		'g': "ĝğġģǧĜĞĠĢǦ",
		'h': "ĥħḥḧḩḫĤĦḤḨ",
		'i': "ìíîïĩīĭįǐȉȋịỉÌÍÎÏĨĪĬĮİǏ",
		'j': "ĵǰĴ",
		'k': "ķǩḳĶǨḲ",
		'l': "ĺļľŀḷĹĻĽĿḶ",
		'n': "ñńņňṅṇÑŃŅŇ",
		'o': "òóôõöōŏőơǒȍȏọỏốồổỗộớờởỡợÒÓÔÕÖŌŎŐƠǑ",
		'r': "ŕŗřṛŔŖŘṚ",
		's': "śŝşšșṣŚŜŞŠȘṢ",
		't': "ţťțṭṯŢŤȚṬ",
		'u': "ùúûüũūŭůűųưǔȕȗụủứừửữựÙÚÛÜŨŪŬŮŰŲƯǓ",
		'w': "ŵẁẃẅŴ",
		'y': "ýÿŷỳỹÝŸŶ",
		'z': "źżžẓẕŹŻŽẒ",
	}
	for base, letters := range groups {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()
