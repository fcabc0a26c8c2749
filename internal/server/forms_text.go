package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/auth"
	"github.com/vigil-project/vigil/internal/model"
)

// teamTexts are the words of the team's pages (login, moderation, admin)
// and of the layout every form page shares, in English and Persian: a
// Persian-speaking team works in Persian from login to approval. The
// report form's own words are formTexts; a page gets both (formT).
var teamTexts = map[string]map[string]string{
	"en": {
		"nav_moderation": "Moderation",
		"nav_admin":      "Admin",
		"nav_report":     "Report an incident",
		"nav_login":      "Log in",
		"nav_logout":     "Log out",
		"role_viewer":    "viewer",
		"role_analyst":   "analyst",
		"role_admin":     "admin",

		"login_title":    "Log in",
		"logged_in_as":   "You are logged in as",
		"name":           "Name",
		"password":       "Password",
		"login_button":   "Log in",
		"public_note":    "Reading needs no account here:",
		"open_dashboard": "open the dashboard",

		"mod_title":       "Moderation",
		"incident":        "Incident",
		"pending":         "Pending reports",
		"report":          "Report",
		"mod_received":    "received",
		"mod_place":       "Place",
		"mod_point":       "Point",
		"mod_when":        "When",
		"mod_link":        "Link",
		"contact_admins":  "Contact (admins only)",
		"note":            "Note",
		"duplicate_of":    "Duplicate of incident",
		"approve":         "Approve",
		"reject":          "Reject",
		"duplicate":       "Duplicate",
		"none_waiting":    "No report is waiting.",
		"last_decisions":  "Last decisions",
		"decision":        "Decision",
		"by":              "By",
		"at":              "At",
		"what_col":        "What",
		"none_yet":        "None yet.",
		"state_pending":   "pending",
		"state_approved":  "approved",
		"state_rejected":  "rejected",
		"state_duplicate": "duplicate",

		"admin_title":   "Admin",
		"shown_once":    "shown this once",
		"accounts":      "Accounts",
		"role":          "Role",
		"state":         "State",
		"created":       "Created",
		"change":        "Change",
		"disabled":      "disabled",
		"active":        "active",
		"set_role":      "Set role",
		"enable":        "Enable",
		"disable":       "Disable",
		"new_password":  "new password",
		"set_password":  "Set password",
		"name_ph":       "name",
		"password_ph":   "password (empty: make one)",
		"add_account":   "Add account",
		"tokens":        "API tokens",
		"id":            "Id",
		"last_used":     "Last used",
		"revoked":       "revoked",
		"revoke":        "Revoke",
		"token_name_ph": "token name",
		"make_token":    "Make a token",
		"audit":         "Audit log",
		"since_ph":      "since (YYYY-MM-DD)",
		"until_ph":      "until",
		"actor_ph":      "actor (user:NAME)",
		"action_ph":     "action (login, incident.)",
		"filter":        "Filter",
		"actor":         "Actor",
		"action":        "Action",
		"target":        "Target",
		"details":       "Details",
		"no_entry":      "No entry.",

		"pow_checking": "Checking before sending…",
		"pow_sending":  "Sending…",
		"pow_failed":   "Could not prepare the report: try again.",
	},
	"fa": {
		"nav_moderation": "بررسی گزارش‌ها",
		"nav_admin":      "مدیریت",
		"nav_report":     "گزارش یک رویداد",
		"nav_login":      "ورود",
		"nav_logout":     "خروج",
		"role_viewer":    "خواننده",
		"role_analyst":   "تحلیلگر",
		"role_admin":     "مدیر",

		"login_title":    "ورود",
		"logged_in_as":   "شما وارد شده‌اید با نام",
		"name":           "نام",
		"password":       "گذرواژه",
		"login_button":   "ورود",
		"public_note":    "خواندن در اینجا به حساب نیاز ندارد:",
		"open_dashboard": "داشبورد را باز کنید",

		"mod_title":       "بررسی گزارش‌ها",
		"incident":        "رویداد",
		"pending":         "گزارش‌های در انتظار",
		"report":          "گزارش",
		"mod_received":    "دریافت",
		"mod_place":       "مکان",
		"mod_point":       "نقطه",
		"mod_when":        "زمان",
		"mod_link":        "پیوند",
		"contact_admins":  "راه تماس (فقط مدیران)",
		"note":            "یادداشت",
		"duplicate_of":    "تکرار رویداد",
		"approve":         "پذیرفتن",
		"reject":          "رد کردن",
		"duplicate":       "تکراری",
		"none_waiting":    "هیچ گزارشی در انتظار نیست.",
		"last_decisions":  "آخرین تصمیم‌ها",
		"decision":        "تصمیم",
		"by":              "به دست",
		"at":              "زمان",
		"what_col":        "شرح",
		"none_yet":        "هنوز هیچ.",
		"state_pending":   "در انتظار",
		"state_approved":  "پذیرفته",
		"state_rejected":  "ردشده",
		"state_duplicate": "تکراری",

		"admin_title":   "مدیریت",
		"shown_once":    "که تنها همین یک بار نشان داده می‌شود",
		"accounts":      "حساب‌ها",
		"role":          "نقش",
		"state":         "وضعیت",
		"created":       "ساخته‌شده",
		"change":        "تغییر",
		"disabled":      "غیرفعال",
		"active":        "فعال",
		"set_role":      "تعیین نقش",
		"enable":        "فعال کردن",
		"disable":       "غیرفعال کردن",
		"new_password":  "گذرواژهٔ تازه",
		"set_password":  "تعیین گذرواژه",
		"name_ph":       "نام",
		"password_ph":   "گذرواژه (خالی: ساخته می‌شود)",
		"add_account":   "افزودن حساب",
		"tokens":        "توکن‌های API",
		"id":            "شناسه",
		"last_used":     "آخرین کاربرد",
		"revoked":       "باطل‌شده",
		"revoke":        "باطل کردن",
		"token_name_ph": "نام توکن",
		"make_token":    "ساختن توکن",
		"audit":         "گزارش رویدادهای سامانه (audit)",
		"since_ph":      "از (YYYY-MM-DD)",
		"until_ph":      "تا",
		"actor_ph":      "کنشگر (user:NAME)",
		"action_ph":     "کنش (login، incident.)",
		"filter":        "پالایش",
		"actor":         "کنشگر",
		"action":        "کنش",
		"target":        "هدف",
		"details":       "جزئیات",
		"no_entry":      "هیچ ردیفی نیست.",

		"pow_checking": "در حال بررسی پیش از فرستادن…",
		"pow_sending":  "در حال فرستادن…",
		"pow_failed":   "آماده کردن گزارش ممکن نشد: دوباره بکوشید.",
	},
}

// formT is the words of a form page in language l: the team's and the
// report form's.
func formT(l string) map[string]string {
	if l != "fa" {
		l = "en"
	}
	t := make(map[string]string, len(teamTexts[l])+len(formTexts[l]))
	for k, v := range teamTexts[l] {
		t[k] = v
	}
	for k, v := range formTexts[l] {
		t[k] = v
	}
	return t
}

// say is one message of a form page in language l: a format of
// teamMessages with its arguments, numbers in Persian digits in Persian.
func say(l, key string, a ...any) string {
	m, ok := teamMessages[key]
	if !ok {
		return key
	}
	f := m[0]
	if l == "fa" {
		f = m[1]
	}
	for i, v := range a {
		// Numbers in the language's digits; names and messages as they are.
		if _, ok := v.(string); !ok {
			a[i] = localDigits(l, v)
		}
	}
	return fmt.Sprintf(f, a...)
}

// teamMessages are the team pages' sentences: {English, Persian}.
var teamMessages = map[string][2]string{
	"form_expired":   {"This form has expired or was not sent from this site: try again.", "این فرم منقضی شده یا از این وبگاه فرستاده نشده است: دوباره بکوشید."},
	"no_accounts":    {"This server has no accounts.", "این سرور حسابی ندارد."},
	"throttled":      {"Too many failed attempts: wait %s seconds and try again.", "تلاش‌های ناموفق بسیار: %s ثانیه صبر کنید و دوباره بکوشید."},
	"wrong_login":    {"Wrong name or password.", "نام یا گذرواژه نادرست است."},
	"no_queue":       {"This store has no report queue.", "این پایگاه داده صف گزارش ندارد."},
	"no_report":      {"No such report.", "چنین گزارشی نیست."},
	"report_error":   {"Report %s: %s", "گزارش %s: %s"},
	"report_decided": {"Report %s: %s.", "گزارش %s: %s."},
	"user_added":     {"Account %s (%s) added.", "حساب %s (%s) افزوده شد."},
	"user_changed":   {"Account %s changed.", "حساب %s تغییر کرد."},
	"token_made":     {"Token %s (%s, %s) made.", "توکن %s (%s، %s) ساخته شد."},
	"token_revoked":  {"Token %s revoked.", "توکن %s باطل شد."},
	"secret_pw":      {"The password of %s", "گذرواژهٔ %s"},
	"secret_token":   {"The token %s", "توکن %s"},
	"refused":        {"%s", "پذیرفته نشد: %s"},
}

// localDigits writes a number (or a string holding digits) in the
// digits of language l.
func localDigits(l string, v any) string {
	var s string
	number := true
	switch x := v.(type) {
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case *float64:
		if x == nil {
			return ""
		}
		s = strconv.FormatFloat(*x, 'f', -1, 64)
	case string:
		s, number = x, false
	default:
		s = fmt.Sprint(x)
	}
	switch {
	case l != "fa":
		return s
	case number:
		return faDigits(s) // with the Persian decimal separator and minus
	}
	return persianDigits(s)
}

// localDay writes the day of an instant (UTC): "3 January 2024", or the
// Solar Hijri day in Persian.
func localDay(l string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return localDate(l, model.DateOf(t.UTC()))
}

// localISODate writes a YYYY-MM-DD date as localDate does, and any other
// text as it is (digits localised).
func localISODate(l, s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return localDigits(l, s)
	}
	return localDate(l, model.DateOf(t))
}

// langQuery keeps the page's language in a URL's query when it was
// asked for: the page a form answers with stays in it.
func langQuery(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "fa" || l == "en" {
		return "lang=" + l
	}
	return ""
}

// withLang adds a language asked for (langQuery) to a local path that
// names none, so that the page after a login stays in it.
func withLang(path, q string) string {
	if q == "" || strings.Contains(path, "lang=") {
		return path
	}
	if strings.Contains(path, "?") {
		return path + "&" + q
	}
	return path + "?" + q
}

// faPhrases turn the API's refusals (English, naming the field as the
// API spells it) into Persian for the team's pages; the field's name and
// the value stay as they were, so that the message still says which.
var faPhrases = strings.NewReplacer(
	" not found", " یافت نشد",
	": already decided", ": پیش‌تر درباره‌اش تصمیم گرفته شده است",
	" exists already", " از پیش وجود دارد",
	auth.ErrLookAlike.Error(), "شبیه حساب موجود است:",
	"a character that cannot be in a name (letters, digits and . _ - @ only)", "نویسه‌ای که در نام نمی‌تواند باشد (فقط حرف، رقم و . _ - @)",
	"want 1 to 64 characters", "باید ۱ تا ۶۴ نویسه باشد",
	"mixes Latin and Persian letters", "حروف لاتین و فارسی را با هم آورده است",
	"want Latin or Persian letters", "فقط حروف لاتین یا فارسی",
	"nothing to change: give role, disabled or password", "چیزی برای تغییر نیست",
	"an admin cannot disable or demote their own account (another admin can)", "مدیر نمی‌تواند حساب خودش را غیرفعال کند یا نقشش را پایین بیاورد (مدیری دیگر می‌تواند)",
	"the incident the report repeats is required", "رویدادی که این گزارش تکرار آن است لازم است",
	"at most 2000 bytes", "حداکثر ۲۰۰۰ بایت",
	"password has ", "گذرواژه ",
	" characters, want at least ", " نویسه دارد؛ دست‌کم این اندازه لازم است: ",
	"required", "لازم است",
)

// faMessage is an API refusal in the page's language.
func faMessage(l, msg string) string {
	if l != "fa" {
		return msg
	}
	return say(l, "refused", faPhrases.Replace(msg))
}
