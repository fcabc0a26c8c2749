package feed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedFixtures adds every fixture to a fuzz corpus.
func seedFixtures(f *testing.F, add func(name string, data []byte)) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			add(filepath.Base(p), b)
		}
	}
}

// checkResult checks what every successful read must hold: articles
// whose text fields obey the text rule and whose reports are complete.
func checkResult(t *testing.T, res *Result) {
	if len(res.Articles)+res.Duplicates > res.Items {
		t.Fatalf("%d articles and %d duplicates out of %d items", len(res.Articles), res.Duplicates, res.Items)
	}
	for _, a := range res.Articles {
		if err := a.CheckText(); err != nil {
			t.Fatalf("article breaks the text rule: %v", err)
		}
		if a.Report.SourceRef == "" || a.Report.Hash == "" || a.ContentHash == "" {
			t.Fatalf("incomplete report: %+v", a.Report)
		}
		if strings.ContainsAny(a.Title, "\n") {
			t.Fatalf("title with a line break: %q", a.Title)
		}
	}
}

func FuzzParse(f *testing.F) {
	seedFixtures(f, func(_ string, b []byte) { f.Add(b, "") })
	f.Add([]byte(`<rss><channel><item><title>a</title></item><item><title>b<</title></item></channel></rss>`), "text/xml; charset=latin1")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>x</title><updated>garbage</updated></entry></feed>`), "")
	f.Fuzz(func(t *testing.T, data []byte, contentType string) {
		res, err := Parse(data, Options{Source: "fuzz", Origin: "fuzz", ContentType: contentType, Fetched: fetched})
		if err != nil {
			return
		}
		checkResult(t, res)
	})
}

func FuzzParseFile(f *testing.F) {
	seedFixtures(f, func(name string, b []byte) { f.Add(filepath.Ext(name), b) })
	f.Fuzz(func(t *testing.T, ext string, data []byte) {
		res, err := ParseFile("file"+ext, data, Options{Source: "fuzz", Origin: "fuzz", Fetched: fetched})
		if err != nil {
			return
		}
		checkResult(t, res)
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"Seg, 24 Set 2018 19:42:40 -0300", "2006-01-02T15:04:05.5Z", "Mon,02 January 2006 15:04:05 EST", "3 janvier 2024", "۱۴۰۲/۱۰/۱۳ - ۱۵:۴۵", "چهارشنبه ۱۳ دی ۱۴۰۲ ساعت ۱۵:۰۰"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate(s)
		if err == nil && got.Location().String() != "UTC" {
			t.Fatalf("ParseDate(%q) = %v, not in UTC", s, got)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	data := readFixture(b, "broken.rss")
	if p, err := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "data", "feeds", "real-saved", "guardian.rss")); err == nil && len(p) == 1 {
		if d, err := os.ReadFile(p[0]); err == nil {
			data = d
		}
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data, Options{Source: "bench", Origin: "bench", Fetched: fetched}); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzPage(f *testing.F) {
	f.Add(readFixture(f, "article.html"), "text/html; charset=utf-8")
	f.Add([]byte(`<html><head><meta charset="windows-1256"><title>x</title></head><body><p>`+"\xc7\xe1"+`</p></body></html>`), "")
	f.Add([]byte(`<p>fragment`), "")
	f.Fuzz(func(t *testing.T, data []byte, contentType string) {
		a, err := Page(data, PageOptions{Source: "fuzz", Origin: "fuzz", ContentType: contentType, Fetched: fetched})
		if err != nil {
			return
		}
		if err := a.CheckText(); err != nil {
			t.Fatalf("page breaks the text rule: %v", err)
		}
		if strings.Contains(a.Title, "\n") || a.Report.SourceRef == "" || a.ContentHash != ContentHash(a.Title, a.Text) {
			t.Fatalf("incomplete article: title %q, ref %q", a.Title, a.Report.SourceRef)
		}
	})
}
