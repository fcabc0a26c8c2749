package queue

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// FetchJob asks for one poll of a feed.
type FetchJob struct {
	Feed string `json:"feed"`
	// Due is the feed's next poll time when the job was published: a
	// worker that finds the feed's next poll later than this knows the
	// poll was done already (the job came twice) and does nothing.
	Due time.Time `json:"due"`
}

// ID is the job's message id: one poll per feed and due time.
func (j FetchJob) ID() string { return "fetch:" + j.Feed + ":" + j.Due.UTC().Format(time.RFC3339Nano) }

// ExtractJob carries articles to store and read claims out of.
type ExtractJob struct {
	// Source is the source the articles are of; Title, when set, names
	// it (the source is then created or updated first).
	Source string `json:"source"`
	Title  string `json:"title,omitempty"`
	// Origin says where the articles were read (a file, a feed URL).
	Origin   string       `json:"origin,omitempty"`
	Articles []JobArticle `json:"articles"`
}

// JobArticle is an article with its report as received, which
// model.Report leaves out of JSON.
type JobArticle struct {
	model.Article
	Raw []byte `json:"raw,omitempty"`
}

// ID is the job's message id: a hash of its articles' reports (ids and
// content hashes), so the same articles published twice are one message.
func (j ExtractJob) ID() string {
	h := sha256.New()
	h.Write([]byte(j.Source))
	for _, a := range j.Articles {
		h.Write([]byte{0})
		h.Write([]byte(a.Report.ID))
		h.Write([]byte{0})
		h.Write([]byte(a.Report.Hash))
		h.Write([]byte(a.ContentHash))
	}
	return "extract:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// ModelArticles returns the articles with their raw reports restored.
func (j ExtractJob) ModelArticles() []model.Article {
	out := make([]model.Article, len(j.Articles))
	for i, a := range j.Articles {
		out[i] = a.Article
		out[i].Report.Raw = a.Raw
	}
	return out
}

// NewExtractJobs splits articles into jobs of at most maxArticles
// articles and about maxBytes bytes of raw reports and text each.
func NewExtractJobs(source, title, origin string, arts []model.Article, maxArticles, maxBytes int) []ExtractJob {
	var jobs []ExtractJob
	cur := ExtractJob{Source: source, Title: title, Origin: origin}
	size := 0
	for _, a := range arts {
		n := len(a.Report.Raw) + len(a.Text) + len(a.Title) + 512
		if len(cur.Articles) > 0 && (len(cur.Articles) >= maxArticles || size+n > maxBytes) {
			jobs = append(jobs, cur)
			cur = ExtractJob{Source: source, Title: title, Origin: origin}
			size = 0
		}
		cur.Articles = append(cur.Articles, JobArticle{Article: a, Raw: a.Report.Raw})
		size += n
	}
	if len(cur.Articles) > 0 {
		jobs = append(jobs, cur)
	}
	return jobs
}

// ImportJob carries a chunk of a dataset file's records (GTD, ACLED,
// UCDP, GDELT rows as their readers make them) to store.
type ImportJob struct {
	Source model.Source `json:"source"`
	// File is the file's name, for the rejections.
	File    string      `json:"file"`
	Records []JobRecord `json:"records"`
	// Rejections are the chunk's rows the reader refused, stored with it
	// so that `vigil rejections` lists them as after `vigil import`.
	Rejections []store.Rejection `json:"rejections,omitempty"`
}

// JobRecord is a record with its raw row, which model.Report leaves out
// of JSON.
type JobRecord struct {
	model.Record
	Raw []byte `json:"raw,omitempty"`
}

// ID is the job's message id: a hash of its reports' ids and hashes.
func (j ImportJob) ID() string {
	h := sha256.New()
	h.Write([]byte(j.Source.Name))
	for _, r := range j.Records {
		h.Write([]byte{0})
		h.Write([]byte(r.Report.ID))
		h.Write([]byte{0})
		h.Write([]byte(r.Report.Hash))
	}
	for _, r := range j.Rejections {
		fmt.Fprintf(h, "\x00%s:%d", r.File, r.Line)
	}
	return "import:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// ModelRecords returns the records with their raw rows restored.
func (j ImportJob) ModelRecords() []model.Record {
	out := make([]model.Record, len(j.Records))
	for i, r := range j.Records {
		out[i] = r.Record
		out[i].Report.Raw = r.Raw
	}
	return out
}

// FuseJob asks for the unfused claims of a country to be fused.
type FuseJob struct {
	// Country is an ISO 3166-1 alpha-2 code, or NoCountry.
	Country string `json:"country"`
}
