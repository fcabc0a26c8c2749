package server

import (
	"fmt"
	"strings"
)

// formTexts are the report form's words in English and Persian: the
// public who report are often Persian speakers. The team's pages have
// theirs in teamTexts.
var formTexts = map[string]map[string]string{
	"en": {
		"title":     "Report an incident",
		"intro":     "Tell us what you saw. An analyst reads every report before anything is published. We keep what you tell us about the incident, never who you are: no address, no tracking. The contact field is optional and only administrators can see it.",
		"what":      "What happened",
		"where":     "Where: a place name, or a point (latitude and longitude), or both",
		"place":     "Place",
		"place_ph":  "city, district, landmark",
		"lat":       "Latitude",
		"map":       "Or click the map to set the point (drag to move it, + and − to zoom).",
		"lon":       "Longitude",
		"when":      "When",
		"link":      "Link (optional)",
		"contact":   "How to reach you (optional)",
		"send":      "Send the report",
		"js":        "Sending needs JavaScript: the page does a small computation first, to keep robots out.",
		"thanks":    "Thank you",
		"received":  "Your report has been received. An analyst will read it before anything is published.",
		"number":    "Its number",
		"another":   "Send another report",
		"dashboard": "vigil",
		"switch":    "فارسی",
		"other":     "fa",
	},
	"fa": {
		"title":     "گزارش یک رویداد",
		"intro":     "آنچه دیدید را بنویسید. پیش از انتشار هر چیزی، یک تحلیلگر هر گزارش را می‌خواند. ما آنچه دربارهٔ رویداد می‌گویید را نگه می‌داریم، نه اینکه شما کیستید: نه نشانی، نه ردیابی. خانهٔ راه تماس اختیاری است و فقط مدیران آن را می‌بینند.",
		"what":      "چه اتفاقی افتاد",
		"where":     "کجا: نام مکان، یا یک نقطه (عرض و طول جغرافیایی)، یا هر دو",
		"place":     "مکان",
		"place_ph":  "شهر، محله، نشانی",
		"lat":       "عرض جغرافیایی",
		"map":       "یا برای تعیین نقطه روی نقشه کلیک کنید (برای جابه‌جایی بکشید، با + و − بزرگ و کوچک کنید).",
		"lon":       "طول جغرافیایی",
		"when":      "چه زمانی",
		"link":      "پیوند (اختیاری)",
		"contact":   "راه تماس با شما (اختیاری)",
		"send":      "فرستادن گزارش",
		"js":        "فرستادن به جاوااسکریپت نیاز دارد: صفحه پیش از فرستادن محاسبهٔ کوچکی انجام می‌دهد تا ربات‌ها را دور نگه دارد.",
		"thanks":    "سپاس",
		"received":  "گزارش شما رسید. پیش از انتشار هر چیزی، یک تحلیلگر آن را می‌خواند.",
		"number":    "شمارهٔ آن",
		"another":   "فرستادن گزارشی دیگر",
		"dashboard": "vigil",
		"switch":    "English",
		"other":     "en",
	},
}

// reportFields name the report form's fields in each language, as its
// labels do, so that an error says which field is wrong.
var reportFields = map[string][2]string{
	"what":    {"what happened", "چه اتفاقی افتاد"},
	"place":   {"place", "مکان"},
	"link":    {"link", "پیوند"},
	"contact": {"how to reach you", "راه تماس"},
}

// reportErrors are the report form's errors, {English, Persian}; %[1]s
// is a field's name where there is one.
var reportErrors = map[string][2]string{
	"not_text":       {"%s: not valid text", "«%s»: متن معتبر نیست"},
	"too_long":       {"%s: %s characters, at most %s", "«%s»: %s نویسه، حداکثر %s"},
	"what_required":  {"what happened: required", "«چه اتفاقی افتاد»: لازم است"},
	"point_half":     {"point: give both latitude and longitude, or neither", "«نقطه»: هم عرض و هم طول جغرافیایی را بدهید، یا هیچ‌کدام را"},
	"bad_lat":        {"latitude %q: want a number from -90 to 90", "«عرض جغرافیایی» «%s»: عددی از −۹۰ تا ۹۰ لازم است"},
	"bad_lon":        {"longitude %q: want a number from -180 to 180", "«طول جغرافیایی» «%s»: عددی از −۱۸۰ تا ۱۸۰ لازم است"},
	"where_required": {"where: give a place name or a point", "«کجا»: نام یک مکان یا یک نقطه را بدهید"},
	"bad_when":       {"when %q: want a date as YYYY-MM-DD", "«چه زمانی» «%s»: تاریخی به شکل YYYY-MM-DD لازم است"},
	"when_range":     {"when %s: not a date from 1970 to today", "«چه زمانی» %s: تاریخی از ۱۹۷۰ تا امروز نیست"},
	"bad_link":       {"link: want an http or https address", "«پیوند»: نشانی http یا https لازم است"},
	"no_reports":     {"This server takes no reports.", "این سرور گزارش نمی‌پذیرد."},
	"expired":        {"This form has expired or was not sent from this site: reload the page and send it again.", "این فرم منقضی شده یا از این وبگاه فرستاده نشده است: صفحه را دوباره بار کنید و آن را دوباره بفرستید."},
	"too_many":       {"Too many reports from here: wait %s minutes and send it again.", "گزارش‌های بسیار از این نشانی: %s دقیقه صبر کنید و دوباره بفرستید."},
	"no_pow":         {"The page's check did not finish (%s): the form needs JavaScript; send it again.", "بررسی صفحه به پایان نرسید (%s): فرم به جاوااسکریپت نیاز دارد؛ دوباره بفرستید."},
}

// reportError is one of reportErrors in language l: a field named by
// the first argument is written as its label, numbers in Persian digits
// in Persian.
func reportError(l, key string, a ...any) string {
	m, ok := reportErrors[key]
	if !ok {
		return key
	}
	i := 0
	if l == "fa" {
		i = 1
	}
	args := make([]any, len(a))
	for k, v := range a {
		switch x := v.(type) {
		case string:
			if f, ok := reportFields[x]; ok && k == 0 {
				args[k] = f[i]
				continue
			}
			args[k] = x
		case int:
			args[k] = localDigits(l, x)
		default:
			args[k] = v
		}
	}
	return fmt.Sprintf(m[i], args...)
}

// asciiDigits reads Persian and Arabic-Indic digits (and the Persian
// decimal separator and minus) as ASCII: a Persian keyboard types them.
func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		case r == '٫':
			return '.'
		case r == '−':
			return '-'
		}
		return r
	}, s)
}
