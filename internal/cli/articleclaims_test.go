package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// An article about an attack the store knows joins its incident, on both
// stores: `vigil ingest` of a saved page reads a claim out of it, stores it
// as a claim of the "extract" source referenced by the page's URL, and
// fusion puts it with the demo's Kerman bombing. Re-ingesting adds
// nothing.
func TestIngestedArticleJoinsItsIncident(t *testing.T) {
	page := filepath.Join("testdata", "news", "pages", "kerman.html")
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			mustVigil(t, db, "demo")
			out := mustVigil(t, db, "ingest", page)
			if !strings.Contains(out, "1 new claims read out of them") {
				t.Fatalf("ingest said:\n%s", out)
			}
			var incs []struct {
				ID      string `json:"id"`
				Sources int    `json:"sources"`
				Claims  []struct {
					Source string `json:"source"`
					Ref    string `json:"ref"`
				} `json:"claims"`
			}
			if err := json.Unmarshal([]byte(mustVigil(t, db, "incidents", "--admin1", "Kerman", "--format", "json", "--claims")), &incs); err != nil {
				t.Fatal(err)
			}
			if len(incs) != 1 || incs[0].Sources != 2 {
				t.Fatalf("Kerman incidents after the article: %+v, want the demo's one with 2 sources", incs)
			}
			var fromArticle bool
			for _, c := range incs[0].Claims {
				if c.Source == "extract" && c.Ref == "https://news.example.org/2024/01/03/kerman" {
					fromArticle = true
				}
			}
			if !fromArticle {
				t.Errorf("claims of the Kerman incident: %+v, want one of source extract with the page's URL as ref", incs[0].Claims)
			}
			if out := mustVigil(t, db, "ingest", page); !strings.Contains(out, "0 new claims") {
				t.Errorf("ingesting the page again said:\n%s", out)
			}
			if out := mustVigil(t, db, "ingest", "--no-extract", "--source", "other", page); !strings.Contains(out, "0 new claims") {
				t.Errorf("--no-extract said:\n%s", out)
			}
		})
	}
}

// `vigil feeds poll` reads claims out of the new items too.
func TestPolledArticleMakesClaims(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Wire</title><item><title>Gunmen attack parliament in Tehran</title>`+
			`<link>https://wire.example/tehran</link><pubDate>Wed, 07 Jun 2017 12:00:00 GMT</pubDate>`+
			`<description>Gunmen attacked the Iranian parliament in Tehran on Wednesday, killing 12 people and wounding 42, officials said. Islamic State claimed responsibility.</description></item></channel></rss>`)
	}))
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "vigil.db")
	mustVigil(t, db, "feeds", "add", srv.URL+"/rss", "--name", "wire", "--allow-private")
	out := mustVigil(t, db, "feeds", "poll")
	if !strings.Contains(out, "1 new articles") || !strings.Contains(out, "fused") {
		t.Errorf("poll said:\n%s", out)
	}
	var incs []struct {
		Start  string `json:"start"`
		Admin1 string `json:"admin1"`
		Killed *struct {
			Best int `json:"best"`
		} `json:"killed"`
	}
	if err := json.Unmarshal([]byte(mustVigil(t, db, "incidents", "--format", "json")), &incs); err != nil {
		t.Fatal(err)
	}
	if len(incs) != 1 || incs[0].Start != "2017-06-07" || incs[0].Admin1 != "Tehran" || incs[0].Killed == nil || incs[0].Killed.Best != 12 {
		t.Errorf("incidents after the poll: %+v, want the Tehran attack of 2017-06-07 with 12 killed", incs)
	}
}
