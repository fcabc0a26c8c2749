// Package export writes incidents as an aligned table for people, JSON,
// CSV or GeoJSON, streaming one incident at a time so that a million
// incidents need no more memory than one.
package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// Format is an output format.
type Format string

// Output formats.
const (
	Table   Format = "table"
	JSON    Format = "json"
	CSV     Format = "csv"
	GeoJSON Format = "geojson"
)

// Formats lists the formats for help texts.
var Formats = []Format{Table, JSON, CSV, GeoJSON}

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q: want table, json, csv or geojson", s)
}

// Writer writes incidents one by one; Close finishes the document.
type Writer interface {
	Write(inc model.Incident) error
	Close() error
}

// DocWriter is a Writer that also takes incidents already encoded as
// json.Marshal encodes them: the JSON writer, which then writes them as
// they are instead of decoding and encoding each again.
type DocWriter interface {
	Writer
	WriteDoc(doc []byte) error
}

// NewWriter returns a writer of the format onto w.
func NewWriter(w io.Writer, f Format) (Writer, error) {
	switch f {
	case Table:
		return newTableWriter(w), nil
	case JSON:
		return &jsonWriter{w: bufio.NewWriterSize(w, 64<<10)}, nil
	case CSV:
		return newCSVWriter(w), nil
	case GeoJSON:
		return &geoWriter{w: bufio.NewWriterSize(w, 64<<10)}, nil
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

// jsonWriter writes a JSON array, one incident object per line.
type jsonWriter struct {
	w *bufio.Writer
	n int
}

func (j *jsonWriter) Write(inc model.Incident) error {
	b, err := json.Marshal(inc)
	if err != nil {
		return fmt.Errorf("json: incident %s: %w", inc.ID, err)
	}
	return j.WriteDoc(b)
}

// WriteDoc writes an incident already encoded by json.Marshal.
func (j *jsonWriter) WriteDoc(b []byte) error {
	sep := ",\n"
	if j.n == 0 {
		sep = "[\n"
	}
	j.n++
	j.w.WriteString(sep)
	_, err := j.w.Write(b)
	return err
}

func (j *jsonWriter) Close() error {
	if j.n == 0 {
		j.w.WriteString("[]\n")
	} else {
		j.w.WriteString("\n]\n")
	}
	return j.w.Flush()
}

// CSVHeader is the header row of the CSV export.
var CSVHeader = []string{"id", "version", "status", "start", "end", "date_precision",
	"country", "admin1", "place", "lat", "lon", "place_precision",
	"attack_type", "target_type", "weapon", "perpetrator", "claimed_by", "suicide", "sites",
	"killed_low", "killed_best", "killed_high", "killed_qualifier",
	"wounded_low", "wounded_best", "wounded_high", "wounded_qualifier",
	"contested", "sources", "first_seen", "updated"}

type csvWriter struct {
	w   *csv.Writer
	row []string
	n   int
}

func newCSVWriter(w io.Writer) *csvWriter {
	return &csvWriter{w: csv.NewWriter(w), row: make([]string, 0, len(CSVHeader))}
}

func (c *csvWriter) Write(inc model.Incident) error {
	if c.n == 0 {
		if err := c.w.Write(CSVHeader); err != nil {
			return err
		}
	}
	c.n++
	r := c.row[:0]
	r = append(r, inc.ID, strconv.Itoa(inc.Version), string(inc.Status), inc.Start.String(), inc.End.String(),
		string(inc.DatePrecision), inc.Country, inc.Admin1, inc.Place, floatStr(inc.Lat), floatStr(inc.Lon),
		string(inc.PlacePrecision), string(inc.AttackType), string(inc.TargetType), string(inc.Weapon),
		inc.Perpetrator, strings.Join(inc.ClaimedBy, "; "), boolStr(inc.Suicide), intStr(inc.Sites))
	r = appendRange(r, inc.Killed)
	r = appendRange(r, inc.Wounded)
	r = append(r, strings.Join(inc.Contested, "; "), strconv.Itoa(inc.Sources), timeStr(inc.FirstSeen), timeStr(inc.Updated))
	return c.w.Write(r)
}

func (c *csvWriter) Close() error {
	if c.n == 0 {
		if err := c.w.Write(CSVHeader); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

func appendRange(r []string, x *model.Range) []string {
	if x == nil {
		return append(r, "", "", "", "")
	}
	return append(r, strconv.Itoa(x.Low), strconv.Itoa(x.Best), strconv.Itoa(x.High), string(x.Qualifier))
}

func floatStr(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func boolStr(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

func intStr(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func timeStr(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// geoWriter writes an RFC 7946 FeatureCollection of points. Incidents
// without coordinates cannot be placed on a map: they are left out and
// counted, so the caller can say how many.
type geoWriter struct {
	w       *bufio.Writer
	n       int
	skipped int
}

type geoFeature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Geometry   geoPoint       `json:"geometry"`
	Properties model.Incident `json:"properties"`
}

type geoPoint struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

func (g *geoWriter) Write(inc model.Incident) error {
	if inc.Lat == nil || inc.Lon == nil {
		g.skipped++
		return nil
	}
	f := geoFeature{Type: "Feature", ID: inc.ID, Geometry: geoPoint{Type: "Point", Coordinates: [2]float64{*inc.Lon, *inc.Lat}}, Properties: inc}
	f.Properties.Lat, f.Properties.Lon = nil, nil
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("geojson: incident %s: %w", inc.ID, err)
	}
	if g.n == 0 {
		g.w.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	} else {
		g.w.WriteString(",\n")
	}
	g.n++
	_, err = g.w.Write(b)
	return err
}

func (g *geoWriter) Close() error {
	if g.n == 0 {
		g.w.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	}
	g.w.WriteString("\n]}\n")
	return g.w.Flush()
}

// Skipped returns how many incidents a GeoJSON writer left out for want of
// coordinates; 0 for the other formats.
func Skipped(w Writer) int {
	if g, ok := w.(*geoWriter); ok {
		return g.skipped
	}
	return 0
}

// tableWriter aligns columns for people. It buffers in a tabwriter, which
// is why the table is meant for screens, not for a million rows.
type tableWriter struct {
	tw *tabwriter.Writer
	n  int
}

func newTableWriter(w io.Writer) *tableWriter {
	return &tableWriter{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

var tableHeader = "ID\tDATE\tCOUNTRY\tADMIN1\tPLACE\tTYPE\tPERPETRATOR\tKILLED\tWOUNDED\tSTATUS\tSOURCES\n"

func (t *tableWriter) Write(inc model.Incident) error {
	if t.n == 0 {
		io.WriteString(t.tw, tableHeader)
	}
	t.n++
	date := inc.Start.String()
	switch inc.DatePrecision {
	case model.PrecisionMonth:
		date = date[:7]
	case model.PrecisionYear:
		date = date[:4]
	}
	if !inc.End.IsZero() && inc.End != inc.Start && inc.DatePrecision == model.PrecisionDay {
		date += "…" + inc.End.String()
	}
	_, err := fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", inc.ID, date, dash(inc.Country),
		dash(clip(inc.Admin1, 20)), dash(clip(inc.Place, 24)), inc.AttackType, dash(clip(inc.Perpetrator, 32)),
		dash(inc.Killed.String()), dash(inc.Wounded.String()), inc.Status, inc.Sources)
	return err
}

func (t *tableWriter) Close() error {
	if t.n == 0 {
		io.WriteString(t.tw, "no incidents\n")
	}
	return t.tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
