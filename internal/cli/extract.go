package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
)

// extractOutput is one text's result as `vigil extract` prints it: the
// hand labels' shape (is_incident_report, incidents) plus where the text
// came from.
type extractOutput struct {
	Doc       string `json:"doc,omitempty"`
	Published string `json:"published,omitempty"`
	extract.Result
}

// runExtract reads a text file, standard input ("-") or a JSON list of
// articles (Fars News archive format) and prints what extraction finds.
// It needs no database.
func runExtract(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	lang := fs.String("lang", "auto", "language of the text: en, fa or auto")
	published := fs.String("published", "", "publication date (2024-01-03, Solar Hijri 1402-10-13, or 2024-01-03T18:30:00+03:30) for relative dates")
	cfg.Format = export.JSON
	fs.Func("format", "output format: json (the only one)", func(s string) error {
		f, err := export.ParseFormat(s)
		cfg.Format = f
		return err
	})
	fs.String("db", "", "ignored: extract uses no database")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: vigil extract FILE|- [--lang en|fa|auto] [--published DATE] --format json")
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("extract: give one FILE or - for standard input")
	}
	if cfg.Format != export.JSON {
		return usagef("extract: --format %s not supported: use json", cfg.Format)
	}
	switch *lang {
	case "en", "fa", "auto":
	default:
		return usagef("extract: --lang %q: use en, fa or auto", *lang)
	}
	var pub model.Date
	if *published != "" {
		if t, err := time.Parse(time.RFC3339, *published); err == nil {
			pub = model.DateOf(t) // a feed's timestamp, in its own time zone's day
		} else if pd, err := extract.ParseDate(*published); err == nil && pd.Precision == model.PrecisionDay {
			pub = pd.Start
		} else {
			return usagef("extract: --published %q: want a day such as 2024-01-03 or 1402-10-13, or an RFC 3339 time", *published)
		}
	}
	name := pos[0]
	var raw []byte
	if name == "-" {
		raw, err = io.ReadAll(env.Stdin)
		name = "stdin"
	} else {
		raw, err = os.ReadFile(name)
	}
	if err != nil {
		return fmt.Errorf("extract: read %s: %w", name, err)
	}
	g, err := gazetteer.Default()
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	opt := extract.Options{Lang: *lang, Published: pub, Gazetteer: g}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if t := bytes.TrimLeft(raw, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '[' {
		arts, err := extract.ReadArticles(bytes.NewReader(t))
		if err != nil {
			return fmt.Errorf("extract: %s: %w", name, err)
		}
		out := make([]extractOutput, 0, len(arts))
		for i, a := range arts {
			if err := ctx.Err(); err != nil {
				return err
			}
			o := opt
			doc := a.Link
			if doc == "" {
				doc = name + "#" + strconv.Itoa(i)
			}
			if p, ok := extract.FarsPublished(a.Link); ok && pub.IsZero() {
				o.Published = p
			}
			e := extractOutput{Doc: doc, Result: extract.Extract(a.Text(), o)}
			if !o.Published.IsZero() {
				e.Published = o.Published.String()
			}
			out = append(out, e)
		}
		return enc.Encode(out)
	}
	e := extractOutput{Doc: name, Result: extract.Extract(string(raw), opt)}
	if !pub.IsZero() {
		e.Published = pub.String()
	}
	return enc.Encode(e)
}
