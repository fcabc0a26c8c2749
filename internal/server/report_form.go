package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/store"
)

// The public report form: what a member of the public saw, where and
// when, with an optional link and an optional way to be contacted. It is
// kept from spam without any outside service: a honeypot field that
// people never see, a proof of work the page's script does before it
// sends, and a limit of reports per address and window (the address is
// kept in memory for that window only, and never stored or logged).

// Limits of the report form's fields, in characters.
const (
	maxWhat    = 4000
	maxPlace   = 200
	maxLink    = 500
	maxContact = 200
)

// powTTL is how long a challenge may be solved and used.
const powTTL = 15 * time.Minute

// powState remembers the challenges already used until they expire, so
// that one solved challenge sends one report.
type powState struct {
	mu   sync.Mutex
	used map[string]time.Time
}

func newPowState() *powState { return &powState{used: map[string]time.Time{}} }

// use marks a challenge used; false when it was already.
func (p *powState) use(ch string, exp, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, e := range p.used {
		if now.After(e) {
			delete(p.used, k)
		}
	}
	if _, ok := p.used[ch]; ok {
		return false
	}
	p.used[ch] = exp
	return true
}

// newChallenge makes a proof-of-work challenge: "bits.expiry.random.mac",
// signed with the server's key so that nobody can make their own.
func (s *Server) newChallenge() string {
	body := fmt.Sprintf("%d.%d.%s", s.cfg.PowBits, s.now().Add(powTTL).Unix(), randomString(12))
	return body + "." + s.powMAC(body)
}

func (s *Server) powMAC(body string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("pow\x00" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// leadingZeroBits counts the leading zero bits of a hash.
func leadingZeroBits(h []byte) int {
	n := 0
	for _, b := range h {
		if b != 0 {
			return n + bits.LeadingZeros8(b)
		}
		n += 8
	}
	return n
}

// checkPow verifies a solved challenge: signed by us, not expired, of at
// least the bits asked now, SHA-256(challenge ":" nonce) with as many
// leading zero bits, and not used before.
func (s *Server) checkPow(ch, nonce string) error {
	parts := strings.Split(ch, ".")
	if len(parts) != 4 || len(nonce) == 0 || len(nonce) > 32 {
		return fmt.Errorf("no proof of work")
	}
	body := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(parts[3]), []byte(s.powMAC(body))) {
		return fmt.Errorf("proof of work: not our challenge")
	}
	need, err1 := strconv.Atoi(parts[0])
	exp, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || need < s.cfg.PowBits {
		return fmt.Errorf("proof of work: bad challenge")
	}
	now := s.now()
	if now.Unix() > exp {
		return fmt.Errorf("proof of work: the challenge expired")
	}
	sum := sha256.Sum256([]byte(ch + ":" + nonce))
	if leadingZeroBits(sum[:]) < need {
		return fmt.Errorf("proof of work: wrong answer")
	}
	if !s.pow.use(ch, time.Unix(exp, 0), now) {
		return fmt.Errorf("proof of work: challenge already used")
	}
	return nil
}

// challengeAnswer is a fresh proof-of-work challenge.
type challengeAnswer struct {
	Challenge string `json:"challenge"`
	Bits      int    `json:"bits"`
}

func (s *Server) challenge(w http.ResponseWriter, r *http.Request) {
	b, _ := json.Marshal(challengeAnswer{Challenge: s.newChallenge(), Bits: s.cfg.PowBits})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(b, '\n'))
}

// reportForm is the form as sent, kept to show it again with its errors.
type reportForm struct {
	What, Place, Lat, Lon, When, Link, Contact string
}

// reportData is pageData in the reader's language (English or Persian).
func (s *Server) reportData(w http.ResponseWriter, r *http.Request) map[string]any {
	return s.pageData(w, r, "report")
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) {
	d := s.reportData(w, r)
	d["Form"] = reportForm{}
	d["Bits"] = s.cfg.PowBits
	formPage(w, http.StatusOK, "report.html", d)
}

// submitReport takes a report into the moderation queue.
func (s *Server) submitReport(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.formError(w, r, err)
		return
	}
	// Browsers send a textarea's lines with CRLF: stored with LF.
	f := reportForm{What: strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("what"), "\r\n", "\n")), Place: strings.TrimSpace(r.PostForm.Get("place")),
		Lat: strings.TrimSpace(r.PostForm.Get("lat")), Lon: strings.TrimSpace(r.PostForm.Get("lon")),
		When: strings.TrimSpace(r.PostForm.Get("when")), Link: strings.TrimSpace(r.PostForm.Get("link")),
		Contact: strings.TrimSpace(r.PostForm.Get("contact"))}
	d := s.reportData(w, r)
	d["Form"] = f
	d["Bits"] = s.cfg.PowBits
	show := func(status int, errs ...string) {
		d["Errors"] = errs
		formPage(w, status, "report.html", d)
	}
	if s.team == nil {
		show(http.StatusNotFound, reportError(d["Lang"].(string), "no_reports"))
		return
	}
	if !s.checkForm(r, "report") {
		show(http.StatusForbidden, reportError(d["Lang"].(string), "expired"))
		return
	}
	if ok, wait := s.reports.allow(s.clientAddr(r), s.now()); !ok {
		mins := int(math.Ceil(wait.Minutes()))
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		show(http.StatusTooManyRequests, reportError(d["Lang"].(string), "too_many", mins))
		return
	}
	if r.PostForm.Get("website") != "" {
		// The honeypot: people do not see the field, robots fill it in.
		// They are thanked and nothing is kept.
		formPage(w, http.StatusOK, "report_thanks.html", d)
		return
	}
	if err := s.checkPow(r.PostForm.Get("pow_challenge"), r.PostForm.Get("pow_nonce")); err != nil {
		show(http.StatusBadRequest, reportError(d["Lang"].(string), "no_pow", err.Error()))
		return
	}
	rep, errs := s.parseReport(d["Lang"].(string), f)
	if len(errs) > 0 {
		show(http.StatusBadRequest, errs...)
		return
	}
	ctx := r.Context()
	saved, err := s.team.AddPublicReport(ctx, rep, f.Contact)
	if err != nil {
		s.formFail(w, r, fmt.Errorf("report: %w", err))
		return
	}
	if err := s.audit(ctx, audit.Public, audit.ReportAdd, reportTarget(saved.ID), nil); err != nil {
		s.formFail(w, r, err)
		return
	}
	d["ID"] = saved.ID
	formPage(w, http.StatusCreated, "report_thanks.html", d)
}

func reportTarget(id int64) string { return "report:" + strconv.FormatInt(id, 10) }

// parseReport checks a report's fields; its errors name each field, in
// the reader's language l.
func (s *Server) parseReport(l string, f reportForm) (store.PublicReport, []string) {
	var errs []string
	bad := func(key string, a ...any) { errs = append(errs, reportError(l, key, a...)) }
	rep := store.PublicReport{Received: s.now(), What: f.What, Place: f.Place}
	for _, fl := range []struct {
		name, v string
		max     int
	}{{"what", f.What, maxWhat}, {"place", f.Place, maxPlace}, {"link", f.Link, maxLink}, {"contact", f.Contact, maxContact}} {
		if !utf8.ValidString(fl.v) || strings.ContainsRune(fl.v, 0) {
			bad("not_text", fl.name)
		} else if n := utf8.RuneCountInString(fl.v); n > fl.max {
			bad("too_long", fl.name, n, fl.max)
		}
	}
	if f.What == "" {
		bad("what_required")
	}
	if (f.Lat == "") != (f.Lon == "") {
		bad("point_half")
	} else if f.Lat != "" {
		lat, err1 := strconv.ParseFloat(asciiDigits(f.Lat), 64)
		lon, err2 := strconv.ParseFloat(asciiDigits(f.Lon), 64)
		switch {
		case err1 != nil || math.IsNaN(lat) || lat < -90 || lat > 90:
			bad("bad_lat", f.Lat)
		case err2 != nil || math.IsNaN(lon) || lon < -180 || lon > 180:
			bad("bad_lon", f.Lon)
		default:
			rep.Lat, rep.Lon = &lat, &lon
		}
	}
	if f.Place == "" && f.Lat == "" {
		bad("where_required")
	}
	if f.When != "" {
		t, err := time.Parse(time.DateOnly, asciiDigits(f.When))
		switch {
		case err != nil:
			bad("bad_when", f.When)
		case t.Year() < 1970 || t.After(s.now().Add(24*time.Hour)):
			bad("when_range", f.When)
		default:
			rep.When = t.Format(time.DateOnly)
		}
	}
	if f.Link != "" {
		u, err := url.Parse(f.Link)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("bad_link")
		} else {
			rep.Link = u.String()
		}
	}
	return rep, errs
}
