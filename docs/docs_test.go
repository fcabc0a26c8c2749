package docs

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var link = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestLinks: every relative link in README.md and docs/**/*.md names a
// file or directory that exists.
func TestLinks(t *testing.T) {
	files := []string{"../README.md"}
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if u, err := url.Parse(target); err != nil || u.Scheme != "" || strings.HasPrefix(target, "#") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			p := filepath.Join(filepath.Dir(f), target)
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s: link to %s: %v", f, m[1], err)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("only %d relative links found: the pattern no longer matches the documents", checked)
	}
}

// TestGuideScreenshots: each image of the user guide is in guide/img and
// is a screenshot that a browser test of the dashboard takes (make guide
// copies them there), so the guide shows the dashboard as it is.
func TestGuideScreenshots(t *testing.T) {
	taken := map[string]bool{}
	shot := regexp.MustCompile(`screenshot\(t, "([a-z0-9-]+)"\)`)
	tests, _ := filepath.Glob("../internal/server/*_test.go")
	for _, f := range tests {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range shot.FindAllStringSubmatch(string(b), -1) {
			taken[m[1]] = true
		}
	}
	if len(taken) == 0 {
		t.Fatal("no screenshot found in the browser tests: the pattern no longer matches them")
	}
	guide, _ := filepath.Glob("guide/*.md")
	img := regexp.MustCompile(`!\[[^\]]*\]\(img/([a-z0-9-]+)\.png\)`)
	shown := 0
	for _, f := range guide {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range img.FindAllStringSubmatch(string(b), -1) {
			shown++
			if !taken[m[1]] {
				t.Errorf("%s shows img/%s.png, which no browser test takes", f, m[1])
			}
			if _, err := os.Stat(filepath.Join("guide", "img", m[1]+".png")); err != nil {
				t.Errorf("%s shows img/%s.png: %v (make guide takes the screenshots)", f, m[1], err)
			}
		}
	}
	if shown == 0 {
		t.Error("the guide shows no screenshot")
	}
}
