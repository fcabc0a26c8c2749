package server

import (
	"bytes"
	"fmt"
	"hash"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/model"
)

// hashFS feeds every file of fsys, by name and content, to h.
func hashFS(h hash.Hash, fsys fs.FS) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return nil
	})
}

// lang picks the page language: ?lang= first, then the browser's
// Accept-Language (Persian when it is preferred over English).
func lang(r *http.Request) string {
	switch r.URL.Query().Get("lang") {
	case "fa":
		return "fa"
	case "en":
		return "en"
	}
	best, bestQ := "en", -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if _, v, ok := strings.Cut(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (base == "fa" || base == "en") && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"t":       translate,
	"num":     localNumber,
	"date":    localDate,
	"time":    localTime,
	"rng":     localRange,
	"safeurl": safeURL,
	"digits":  localDigits,
	"day":     localDay,
	"isodate": localISODate,
}).ParseFS(embedded, "templates/*.html"))

// pageRoutes registers the dashboard, its assets and the facts pages.
func (s *Server) pageRoutes(get func(string, http.Handler)) error {
	assets, err := fs.Sub(embedded, "assets")
	if err != nil {
		return err
	}
	err = fs.WalkDir(assets, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ctype := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".json":
			ctype = "application/json"
		case ".woff2":
			ctype = "font/woff2"
		}
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		f, err := loadStatic(assets, p, ctype)
		if err != nil {
			return err
		}
		get("/assets/"+p, f)
		return nil
	})
	if err != nil {
		return fmt.Errorf("assets: %w", err)
	}
	dashboard := s.dynamic(lang, func(w http.ResponseWriter, r *http.Request) (page, error) {
		return render("index.html", map[string]any{"Lang": lang(r), "Dir": dir(lang(r))})
	})
	icon, err := loadStatic(assets, "favicon.svg", "image/svg+xml")
	if err != nil {
		return fmt.Errorf("assets: %w", err)
	}
	get("/favicon.ico", icon)
	get("/{$}", dashboard)
	get("/incident/{id}", dashboard)
	get("/alerts", dashboard)
	get("/facts/{id}", s.dynamic(lang, s.facts))
	return nil
}

func dir(lang string) string {
	if lang == "fa" {
		return "rtl"
	}
	return "ltr"
}

func render(name string, data any) (page, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		return page{}, fmt.Errorf("render %s: %w", name, err)
	}
	return page{ctype: "text/html; charset=utf-8", body: b.Bytes()}, nil
}

// factSource is one source on the facts page.
type factSource struct {
	Source string
	Origin string
	Said   string
	Killed *model.Range
	Links  []string
	Old    bool // superseded by a later report of the same source
	// Pruned is the day retention removed the report as received (in
	// the page's calendar), "" while it is kept: the claim stands, its
	// raw source text is gone.
	Pruned string
}

// facts renders the public "verified facts" page of an incident: plain
// HTML, no script, printable.
func (s *Server) facts(w http.ResponseWriter, r *http.Request) (page, error) {
	if err := checkParams(r, "lang"); err != nil {
		return page{}, err
	}
	id := r.PathValue("id")
	d, err := s.detail(r, id)
	if err != nil {
		return page{}, err
	}
	l := lang(r)
	inc := d.Incident
	contested := map[string]bool{}
	for _, c := range inc.Contested {
		contested[c] = true
	}
	type fact struct {
		Name, Value string
		Contested   bool
	}
	var confirmed []fact
	add := func(name, value string) {
		if value != "" {
			confirmed = append(confirmed, fact{Name: name, Value: value, Contested: contested[name]})
		}
	}
	add("date", localDate(l, inc.Start))
	add("place", strings.Join(nonEmpty(inc.Place, inc.Admin1, countryName(inc.Country)), ", "))
	add("attack_type", translate(l, string(inc.AttackType)))
	add("killed", localRange(l, inc.Killed))
	add("wounded", localRange(l, inc.Wounded))
	add("perpetrator", inc.Perpetrator)
	add("claimed_by", strings.Join(inc.ClaimedBy, ", "))
	if inc.Sites > 1 {
		add("sites", localNumber(l, inc.Sites))
	}
	var sources []factSource
	for _, c := range d.Claims {
		fs := factSource{Source: c.Source, Origin: c.Origin, Said: c.Text, Killed: c.Killed, Old: c.SupersededBy != ""}
		if p := c.RawPruned; p != nil {
			u := p.UTC()
			fs.Pruned = localDate(l, model.Date{Year: u.Year(), Month: u.Month(), Day: u.Day()})
		}
		for _, k := range sortedKeys(c.Codes) {
			for _, word := range strings.Fields(c.Codes[k]) {
				if u := safeURL(strings.Trim(word, "()<>,;\"'")); u != "" {
					fs.Links = append(fs.Links, u)
				}
			}
		}
		sources = append(sources, fs)
	}
	var retracted []string
	if inc.Status == model.StatusRetracted {
		retracted = append(retracted, translate(l, "incident_retracted"))
	}
	for _, c := range d.Claims {
		if c.SupersededBy != "" {
			retracted = append(retracted, fmt.Sprintf("%s: %s", c.Source, translate(l, "superseded")))
		}
	}
	return render("facts.html", map[string]any{
		"Lang": l, "Dir": dir(l), "Incident": inc, "Facts": confirmed, "Contested": inc.Contested,
		"Sources": sources, "Retracted": retracted, "Related": d.Related, "Versions": len(d.Versions),
		"Other": otherLang(l), "Path": r.URL.Path,
		"Where": strings.Join(nonEmpty(inc.Place, inc.Admin1, countryName(inc.Country)), ", "),
	})
}

// nonEmpty returns the strings that are not empty, in order.
func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func otherLang(l string) string {
	if l == "fa" {
		return "en"
	}
	return "fa"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// safeURL returns u when it is an absolute http(s) URL, else "": report
// text is untrusted, and only such links may become hrefs.
func safeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return p.String()
}

func countryName(iso string) string {
	if c, ok := model.CountryByISO2(iso); ok {
		return c.Name
	}
	return iso
}

// persianDigits writes the ASCII digits of s as Persian digits.
func persianDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = '۰' + (r - '0')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func localNumber(l string, n int) string {
	s := strconv.Itoa(n)
	if l == "fa" {
		return persianDigits(s)
	}
	return s
}

var hijriMonths = []string{"فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"}

// localDate formats a date: "3 January 2024" in English, the Solar Hijri
// date in Persian digits ("۱۳ دی ۱۴۰۲") in Persian.
func localDate(l string, d model.Date) string {
	if d.IsZero() {
		return ""
	}
	if l == "fa" {
		y, m, day, err := extract.GregorianToHijri(d)
		if err == nil && m >= 1 && m <= 12 {
			return persianDigits(fmt.Sprintf("%d %s %d", day, hijriMonths[m-1], y))
		}
	}
	return d.Time().Format("2 January 2006")
}

// localTime formats an instant in UTC.
func localTime(l string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	if l == "fa" {
		return localDate(l, model.DateOf(t)) + persianDigits(t.Format(" 15:04")) + " UTC"
	}
	return t.Format("2 January 2006 15:04") + " UTC"
}

// localRange formats a figure with its uncertainty.
func localRange(l string, r *model.Range) string {
	if r == nil {
		return ""
	}
	var s string
	if r.Low == r.Best && r.Best == r.High {
		s = strconv.Itoa(r.Best)
	} else {
		s = fmt.Sprintf("%d (%d–%d)", r.Best, r.Low, r.High)
	}
	switch r.Qualifier {
	case model.AtLeast:
		s = translate(l, "at_least") + " " + s
	case model.About:
		s = translate(l, "about") + " " + s
	case model.UpTo:
		s = translate(l, "up_to") + " " + s
	}
	if l == "fa" {
		return persianDigits(s)
	}
	return s
}

var words = map[string][2]string{
	"title":              {"Verified facts", "واقعیت\u200cهای تأییدشده"},
	"confirmed":          {"What is established", "آنچه ثابت شده است"},
	"contested":          {"What is contested", "آنچه مورد اختلاف است"},
	"contested_badge":    {"contested", "مورد اختلاف"},
	"none_contested":     {"No figure is contested between sources.", "هیچ رقمی میان منابع مورد اختلاف نیست."},
	"retracted":          {"What was retracted or superseded", "آنچه پس گرفته یا جایگزین شد"},
	"none_retracted":     {"Nothing has been retracted.", "چیزی پس گرفته نشده است."},
	"incident_retracted": {"The incident itself was retracted.", "خود این رویداد پس گرفته شد."},
	"superseded":         {"an earlier report, superseded by a later one", "گزارشی پیشین که گزارش تازه\u200cتری جای آن را گرفت"},
	"updated":            {"Last updated", "آخرین به\u200cروزرسانی"},
	"first_seen":         {"First seen", "نخستین گزارش"},
	"status":             {"Status", "وضعیت"},
	"sources":            {"Where the information comes from", "اطلاعات از کجا آمده است"},
	"versions":           {"versions", "نسخه"},
	"related":            {"Other sites of the same attack", "دیگر محل\u200cهای همین حمله"},
	"dashboard":          {"Full incident page", "صفحهٔ کامل رویداد"},
	"switch":             {"فارسی", "English"},
	"date":               {"Date", "تاریخ"},
	"place":              {"Place", "مکان"},
	"attack_type":        {"Attack type", "نوع حمله"},
	"killed":             {"Killed", "کشته"},
	"wounded":            {"Wounded", "زخمی"},
	"perpetrator":        {"Perpetrator", "عامل"},
	"claimed_by":         {"Claimed by", "مسئولیت را پذیرفت"},
	"sites":              {"Coordinated sites", "محل\u200cهای هماهنگ"},
	"at_least":           {"at least", "دست\u200cکم"},
	"about":              {"about", "حدود"},
	"up_to":              {"up to", "تا"},
	"said":               {"said", "گفت"},
	"old":                {"superseded", "جایگزین\u200cشده"},
	"body_pruned":        {"report as received removed on", "متن دریافتی گزارش حذف شد در"},
	"status_confirmed":   {"confirmed", "تأییدشده"},
	"status_probable":    {"probable", "محتمل"},
	"status_unverified":  {"unverified", "تأییدنشده"},
	"status_disputed":    {"disputed", "مورد مناقشه"},
	"status_retracted":   {"retracted", "پس\u200cگرفته"},
	"bombing":            {"bombing", "بمب\u200cگذاری"},
	"armed_assault":      {"armed assault", "حملهٔ مسلحانه"},
	"assassination":      {"assassination", "ترور"},
	"hijacking":          {"hijacking", "هواپیماربایی"},
	"barricade_hostage":  {"hostage taking (barricade)", "گروگان\u200cگیری"},
	"kidnapping":         {"kidnapping", "آدم\u200cربایی"},
	"facility_attack":    {"attack on a facility", "حمله به تأسیسات"},
	"unarmed_assault":    {"unarmed assault", "حملهٔ غیرمسلحانه"},
	"unknown":            {"unknown", "نامعلوم"},
	"print_note":         {"This page is plain on purpose: it loads fast on a bad connection and prints as it reads.", "این صفحه عمداً ساده است: با اتصال ضعیف سریع باز می\u200cشود و همان\u200cگونه که هست چاپ می\u200cشود."},
}

// translate returns the word for key in language l, the key itself when
// there is none.
func translate(l, key string) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	if l == "fa" {
		return w[1]
	}
	return w[0]
}
