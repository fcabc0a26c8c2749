package feed

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/shareddata"
)

// fetched is the fixed fetch time of the tests: they never read the clock.
var fetched = time.Date(2024, 1, 6, 12, 0, 0, 0, time.UTC)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseFixture(t *testing.T, name string) *Result {
	t.Helper()
	res, err := ParseFile(name, readFixture(t, name), Options{Source: "test", Origin: name, BaseURL: "https://example.org/feed", Fetched: fetched})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file                  string
		format, encoding      string
		items, articles, dups int
		problems              []string // substrings, one per problem expected
		title, lang, url      string   // of the first article
		text                  string   // substring of the first article's text
		published             string   // RFC 3339 of the first article, "" for none
	}{
		{file: "latin1-nodecl.rss", format: "rss", encoding: "windows-1252", items: 1, articles: 1,
			problems: []string{"no encoding declared"},
			title:    "Explosão em São Paulo", lang: "pt", url: "https://example.org/a1", text: "Três feridos",
			published: "2018-09-24T22:42:40Z"},
		{file: "fa-cp1256.xml", format: "rss", encoding: "windows-1256", items: 1, articles: 1,
			title: "انفجار در كرمان", lang: "fa", url: "https://example.org/news/1", text: "دو انفجار در نزديكي",
			published: "2024-01-03T10:30:00Z"},
		{file: "fa-hijri.rss", format: "rss", encoding: "utf-8", items: 2, articles: 2,
			title: "دو انفجار تروریستی در کرمان", lang: "fa", url: "https://news.example.ir/fa/news/1402101300123",
			text: "دست\u200cکم ۸۴ نفر شهید", published: "2024-01-03T12:15:00Z"},
		{file: "broken.rss", format: "rss", encoding: "utf-8", items: 3, articles: 2,
			problems: []string{"not well-formed", "item 2 (line 4): unreadable item", "item 3 (line 5): published: unreadable date \"sometime last week\""},
			title:    "First attack report", lang: "en", url: "https://example.org/1", published: "2024-01-03T10:00:00Z"},
		{file: "dups.rss", format: "rss", encoding: "utf-8", items: 5, articles: 2, dups: 3,
			title: "Blast in Kabul", lang: "en", url: "https://example.org/k", text: "Twelve killed."},
		{file: "feed.json", format: "json", encoding: "utf-8", items: 2, articles: 2,
			title: "Attack on convoy", lang: "en", url: "https://example.org/j1", text: "Two soldiers were killed.",
			published: "2024-01-03T04:30:00Z"},
		{file: "list.json", format: "articles", encoding: "utf-8", items: 4, articles: 2,
			problems: []string{"item 2 (line 3): not an article object", "item 3 (line 4): empty article"},
			title:    "First", lang: "en", url: "https://www.farsnews.ir/news/14020113000123/x", text: "The first of the reports.\nPara one.\nPara two.",
			published: "2023-04-02T00:00:00Z"},
		{file: "article.html", format: "html", items: 1, articles: 1,
			title: "Twin blasts kill dozens in Kerman", lang: "en", url: "https://news.example.org/2024/01/03/kerman",
			text: "killing at least 84 people", published: "2024-01-03T15:30:00Z"},
		{file: "article.txt", format: "text", encoding: "utf-8", items: 1, articles: 1,
			title: "Attack on police station in Zahedan", lang: "en", text: "Gunmen attacked a police station on Friday.\nFour officers were killed."},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			res := parseFixture(t, tc.file)
			if res.Format != tc.format || res.Encoding != tc.encoding {
				t.Errorf("format, encoding: got %q %q, want %q %q", res.Format, res.Encoding, tc.format, tc.encoding)
			}
			if res.Items != tc.items || len(res.Articles) != tc.articles || res.Duplicates != tc.dups {
				t.Errorf("items, articles, duplicates: got %d %d %d, want %d %d %d", res.Items, len(res.Articles), res.Duplicates, tc.items, tc.articles, tc.dups)
			}
			if len(res.Problems) != len(tc.problems) {
				t.Errorf("problems: got %q, want %d like %q", res.Problems, len(tc.problems), tc.problems)
			} else {
				for i, p := range res.Problems {
					if !strings.Contains(p.String(), tc.problems[i]) {
						t.Errorf("problem %d: got %q, want it to contain %q", i, p, tc.problems[i])
					}
				}
			}
			if len(res.Articles) == 0 {
				return
			}
			a := res.Articles[0]
			if a.Title != tc.title || a.Language != tc.lang || a.URL != tc.url {
				t.Errorf("title, lang, url: got %q %q %q, want %q %q %q", a.Title, a.Language, a.URL, tc.title, tc.lang, tc.url)
			}
			if !strings.Contains(a.Text, tc.text) {
				t.Errorf("text: got %q, want it to contain %q", a.Text, tc.text)
			}
			var got string
			if a.Report.Published != nil {
				got = a.Report.Published.Format(time.RFC3339)
			}
			if got != tc.published {
				t.Errorf("published: got %q, want %q", got, tc.published)
			}
			for _, a := range res.Articles {
				r := a.Report
				if r.Source != "test" || r.SourceRef == "" || r.ID != "test:"+r.SourceRef || len(r.Raw) == 0 || r.Hash != hashOf(r.Raw) || !r.Fetched.Equal(fetched) {
					t.Errorf("report: got source %q ref %q id %q raw %d bytes hash %q fetched %v", r.Source, r.SourceRef, r.ID, len(r.Raw), r.Hash, r.Fetched)
				}
				if a.ContentHash != ContentHash(a.Title, a.Text) {
					t.Errorf("content hash of %q does not match its text", a.Title)
				}
				for _, bad := range []string{"<script", "alert(1)", "tracking", "color:red", "<p>", "&lt;"} {
					if strings.Contains(a.Text, bad) || strings.Contains(a.Title, bad) {
						t.Errorf("article %q keeps markup %q: %q", a.Title, bad, a.Text)
					}
				}
			}
		})
	}
}

// TestSolarHijriPubDate: an ISO-looking Solar Hijri date that the feed
// parser reads as the year 1402 AD is read again as Solar Hijri.
func TestSolarHijriPubDate(t *testing.T) {
	res := parseFixture(t, "fa-hijri.rss")
	p := res.Articles[1].Report.Published
	if p == nil || p.Format(time.RFC3339) != "2024-01-04T05:30:00Z" {
		t.Errorf("published of 1402-10-14 09:00: got %v, want 2024-01-04T05:30:00Z", p)
	}
}

// TestRawIsTheItem checks that a report keeps its item's own bytes.
func TestRawIsTheItem(t *testing.T) {
	res := parseFixture(t, "dups.rss")
	got := string(res.Articles[1].Report.Raw)
	want := `<item><title>Another story</title><link>https://example.org/other</link><guid>k5</guid><description>Nothing happened.</description></item>`
	if got != want {
		t.Errorf("raw: got %q, want %q", got, want)
	}
	if o := res.Articles[1].Report.Origin; o != "dups.rss:6" {
		t.Errorf("origin: got %q, want dups.rss:6", o)
	}
}

// TestSharedFeeds reads every file under shared/data/feeds: none may
// crash or hang, every feed must give articles, and the item counts of
// the real feeds are those counted by hand (grep -c '<item' / '<entry').
func TestSharedFeeds(t *testing.T) {
	dir := shareddata.Path(t, "feeds")
	want := map[string]int{ // articles
		"guardian.rss": 55, "heise.atom": 15, "uolNoticias.rss": 15, "encoding-gb2312.xml": 20,
		"feedburner.atom": 25, "rss-1.rss": 69, "reddit-atom.rss": 24,
	}
	notFeeds := map[string]bool{"parser__universal__empty_feed.xml": true, "parser__universal__unknown_feed.xml": true}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("found %d files under %s, want the whole set", len(files), dir)
	}
	feeds := 0
	for _, p := range files {
		name := filepath.Base(p)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		type outcome struct {
			res *Result
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			res, err := ParseFile(name, data, Options{Source: "shared", Origin: name, Fetched: fetched})
			done <- outcome{res, err}
		}()
		var o outcome
		select {
		case o = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no result after 10 s", name)
		}
		isFeed := strings.HasSuffix(name, ".rss") || strings.HasSuffix(name, ".atom") ||
			strings.HasSuffix(name, ".xml") && !notFeeds[name]
		if !isFeed {
			continue
		}
		feeds++
		if o.err != nil {
			t.Errorf("%s: %v", name, o.err)
			continue
		}
		if n, ok := want[name]; ok {
			if len(o.res.Articles) != n || o.res.Items != n {
				t.Errorf("%s: got %d items, %d articles, want %d (problems %q)", name, o.res.Items, len(o.res.Articles), n, o.res.Problems)
			}
			dated := 0
			for _, a := range o.res.Articles {
				if a.Report.Published != nil {
					dated++
				}
			}
			if dated != n {
				t.Errorf("%s: got %d articles with a publication time, want all %d", name, dated, n)
			}
		}
	}
	if feeds < 30 {
		t.Errorf("read %d feeds, want the 30-odd of the set", feeds)
	}
}

// TestSharedDateVectors checks ParseDate against the date vectors of
// the shared set (gofeed's, with their expected UTC times).
func TestSharedDateVectors(t *testing.T) {
	f, err := os.Open(shareddata.Path(t, "feeds", "date_vectors_gofeed.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for line := 1; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if line == 1 || len(cols) < 2 {
			continue
		}
		n++
		want, err := time.Parse("2006-01-02 15:04:05", cols[1])
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		got, err := ParseDate(cols[0])
		if err != nil || !got.Truncate(time.Second).Equal(want) { // the vectors are to the second
			t.Errorf("line %d: ParseDate(%q): got %v, %v, want %v", line, cols[0], got, err, want)
		}
	}
	if n < 10 {
		t.Errorf("read %d vectors, want the whole file", n)
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Seg, 24 Set 2018 19:42:40 -0300", "2018-09-24T22:42:40Z"},
		{"mié, 03 ene 2024 10:00:00 +0100", "2024-01-03T09:00:00Z"},
		{"Mittwoch, 3. Januar 2024 10:00:00 +0100", "2024-01-03T09:00:00Z"},
		{"03.01.2024", ""}, // day and month order unknown: not guessed
		{"۱۴۰۲/۱۰/۱۳ - ۱۴:۳۰", "2024-01-03T11:00:00Z"},
		{"۱۳ دی ۱۴۰۲", "2024-01-02T20:30:00Z"},
		{"چهارشنبه ۱۳ دی ۱۴۰۲ ساعت ۱۵:۰۰", "2024-01-03T11:30:00Z"},
		{"1402-10-13 14:30:00", "2024-01-03T11:00:00Z"},
		{"Wednesday, 3rd January 2024", "2024-01-03T00:00:00Z"},
		{"دی ۱۴۰۲", ""}, // a month is no publication time
		{"۱۴۰۲/۱۰/۱۳ 25:00", ""},
		{"3 janvier 2024", "2024-01-03T00:00:00Z"},
		{"Wed, 03 Jan 2024 14:00:00 IRST", "2024-01-03T10:30:00Z"},
		{"2018-09-18 14:38:10", "2018-09-18T14:38:10Z"},
		{"January 3, 2024", "2024-01-03T00:00:00Z"},
		{"", ""},
		{"yesterday", ""},
		{"99 Foo 2024", ""},
	}
	for _, tc := range tests {
		got, err := ParseDate(tc.in)
		s := ""
		if err == nil {
			s = got.Format(time.RFC3339)
		}
		if s != tc.want {
			t.Errorf("ParseDate(%q): got %q (%v), want %q", tc.in, s, err, tc.want)
		}
	}
}

func TestToUTF8(t *testing.T) {
	tests := []struct {
		name, in, contentType, want, enc string
	}{
		{"utf8", "<rss>é</rss>", "", "<rss>é</rss>", "utf-8"},
		{"bom", "\xEF\xBB\xBF<rss/>", "", "<rss/>", "utf-8"},
		{"latin1 no decl", "<rss>\xe9</rss>", "", "<rss>é</rss>", "windows-1252"},
		{"header charset", "<rss>\xe9</rss>", "text/xml; charset=ISO-8859-1", "<rss>é</rss>", "windows-1252"},
		{"declared rewritten", `<?xml version="1.0" encoding="ISO-8859-1"?><rss>` + "\xe9</rss>", "", `<?xml version="1.0" encoding="utf-8"?><rss>é</rss>`, "windows-1252"},
		{"declaration beats header", `<?xml version="1.0" encoding="windows-1256"?><a>` + "\xc7</a>", "text/xml; charset=utf-8", `<?xml version="1.0" encoding="utf-8"?><a>ا</a>`, "windows-1256"},
		{"unknown label", `<?xml version="1.0" encoding="x-nonsense"?><a>é</a>`, "", `<?xml version="1.0" encoding="utf-8"?><a>é</a>`, "utf-8"},
		{"controls dropped", "<a>b\x00\x01c\td</a>", "", "<a>bc\td</a>", "utf-8"},
		{"utf16le", "\xFF\xFE<\x00a\x00/\x00>\x00", "", "<a/>", "utf-16le"},
	}
	for _, tc := range tests {
		got, enc, _ := toUTF8([]byte(tc.in), tc.contentType)
		if string(got) != tc.want || enc != tc.enc {
			t.Errorf("%s: got %q %s, want %q %s", tc.name, got, enc, tc.want, tc.enc)
		}
	}
}

func TestGuessLanguage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"دو انفجار در نزدیکی گلزار شهدای کرمان رخ داد", "fa"},
		{"انفجار في بغداد يقتل عشرة", "ar"},
		{"The attack was claimed by the group", "en"},
		{"O ataque foi reivindicado pelo grupo e não houve feridos", "pt"},
		{"El ataque fue reivindicado por el grupo y los heridos", "es"},
		{"Der Anschlag ist nicht aufgeklärt und die Polizei ermittelt", "de"},
		{"взрыв в Москве", "ru"},
		{"12 34", ""},
	}
	for _, tc := range tests {
		if got := GuessLanguage(tc.in); got != tc.want {
			t.Errorf("GuessLanguage(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestScanItems(t *testing.T) {
	doc := `<rss><channel><!-- <item>not</item> --><item a="1">one</item>
<![CDATA[<item>no</item>]]><rss:item>two<rss:item>nested</rss:item></rss:item><items/><entry/><item>unterminated`
	segs := scanItems([]byte(doc))
	var got []string
	for _, s := range segs {
		got = append(got, doc[s.start:s.end])
	}
	want := []string{`<item a="1">one</item>`, `<rss:item>two<rss:item>nested</rss:item></rss:item>`, `<entry/>`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	if segs[1].line != 2 {
		t.Errorf("line of second item: got %d, want 2", segs[1].line)
	}
}

func TestNotAFeed(t *testing.T) {
	for _, in := range []string{"", "hello", "<html><body>x</body></html>", "\x00\x01\x02"} {
		if _, err := Parse([]byte(in), Options{Origin: "x"}); err == nil {
			t.Errorf("Parse(%q): got no error, want ErrNotFeed", in)
		}
	}
	if _, err := ParseFile("x.bin", []byte("\x00\x01\x02\xff"), Options{Origin: "x.bin"}); err == nil {
		t.Errorf("ParseFile of binary: got no error")
	}
}

// TestLostItemsSalvaged checks that items the lenient parser loses on a
// misnamed end tag are read item by item: alone, even the broken one
// reads.
func TestLostItemsSalvaged(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>B</title><item><title>One</title></item>` +
		`<item><title>Two</titel><guid>g2</guid></item><item><title>Three</title></item></channel></rss>`
	res, err := Parse([]byte(doc), Options{Source: "x", Origin: "lost.rss"})
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, a := range res.Articles {
		titles = append(titles, a.Title)
	}
	if got := strings.Join(titles, ","); got != "One,Two,Three" || res.Items != 3 {
		t.Errorf("got %d items, articles %q, want 3 items, One,Two,Three", res.Items, got)
	}
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Reason, "parser read 2 of 3 items") {
		t.Errorf("problems: got %q, want the lost item reported", res.Problems)
	}
}

func TestPage(t *testing.T) {
	arabic := `<html><head><meta charset="windows-1256"><title>` + "\xc7\xe4\xdd\xcc\xc7\xd1" + `</title></head><body><p>` +
		"\xc7\xe4\xdd\xcc\xc7\xd1 \xdd\xed \xc8\xdb\xcf\xc7\xcf" + `</p></body></html>`
	tests := []struct {
		name, in, contentType string
		title, text           string
	}{
		{"meta charset", arabic, "", "انفجار", "انفجار في بغداد"},
		{"header charset", "<p>Explos\xe3o no centro</p>", "text/html; charset=iso-8859-1", "", "Explosão no centro"},
		{"fragment", "<div>Short note: <b>two</b> hurt.</div>", "", "", "Short note: two hurt."},
	}
	for _, tc := range tests {
		a, err := Page([]byte(tc.in), PageOptions{Source: "p", Origin: tc.name, ContentType: tc.contentType, Fetched: fetched})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if a.Title != tc.title || !strings.Contains(a.Text, tc.text) {
			t.Errorf("%s: got title %q text %q, want %q and %q", tc.name, a.Title, a.Text, tc.title, tc.text)
		}
		if string(a.Report.Raw) != tc.in || !strings.HasPrefix(a.Report.SourceRef, "sha256:") {
			t.Errorf("%s: report must keep the page as received under a content reference: got ref %q", tc.name, a.Report.SourceRef)
		}
	}
	if _, err := Page([]byte("<html><body><script>x()</script></body></html>"), PageOptions{Origin: "empty"}); err == nil {
		t.Errorf("page without text: got no error")
	}
}

func TestResolve(t *testing.T) {
	tests := []struct{ link, base, want string }{
		{"/news/1", "https://example.org/feed.xml", "https://example.org/news/1"},
		{"https://a.example/x?utm_source=rss&utm_medium=feed&id=7#comments", "", "https://a.example/x?id=7"},
		{"https://a.example/x?fbclid=abc", "", "https://a.example/x"},
		{"https://a.example/x?b=2&a=1", "", "https://a.example/x?b=2&a=1"}, // untouched when nothing is dropped
		{"relative/only", "", "relative/only"},
		{"", "https://example.org/", ""},
		{"http://[::1", "", "http://[::1"},
	}
	for _, tc := range tests {
		if got := resolve(tc.link, tc.base); got != tc.want {
			t.Errorf("resolve(%q, %q): got %q, want %q", tc.link, tc.base, got, tc.want)
		}
	}
}
