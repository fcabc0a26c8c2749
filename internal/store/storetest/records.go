// Package storetest is the contract suite that every vigil store backend
// passes: the same tests, run by each backend's own test against a real
// database (a SQLite file, a PostgreSQL server). It also holds the
// synthetic records and the import benchmark that the backends share.
//
// The Backend interface lists the whole method set for the suite's sake
// only; production code declares the few methods it needs.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// Backend is a store under test: the method set that store/sqlite and
// store/postgres share.
type Backend interface {
	Close() error
	SchemaVersion(ctx context.Context) (int, error)
	EnsureSource(ctx context.Context, src model.Source) error
	ImportBatch(ctx context.Context, recs []model.Record, at time.Time) (store.BatchCounts, error)
	PlanBatch(ctx context.Context, recs []model.Record, at time.Time) (store.PlannedBatch, error)
	WriteBatch(ctx context.Context, pb store.PlannedBatch) (store.BatchCounts, error)
	SaveRejections(ctx context.Context, rs []store.Rejection) error
	StartImport(ctx context.Context, run store.ImportRun) (int64, error)
	FinishImport(ctx context.Context, run store.ImportRun) error
	ImportRuns(ctx context.Context, limit int) ([]store.ImportRun, error)
	Incidents(ctx context.Context, f store.Filter, fn func(model.Incident) error) error
	IncidentDocs(ctx context.Context, f store.Filter, fn func(doc []byte) error) error
	Incident(ctx context.Context, id string) (model.Incident, error)
	Claims(ctx context.Context, incidentID string) ([]store.StoredClaim, error)
	Versions(ctx context.Context, incidentID string) ([]store.Version, error)
	Report(ctx context.Context, id string) (model.Report, error)
	Stats(ctx context.Context) (store.Stats, error)
	Rejections(ctx context.Context, source string, limit int) ([]store.Rejection, error)
	BeginBulk(ctx context.Context) (bool, error)
	EndBulk(ctx context.Context) error
}

// Sources used by the suite and the benchmark.
var (
	GTD   = model.Source{Name: "gtd", Kind: model.KindDataset, Title: "Global Terrorism Database", Reliability: 0.9}
	ACLED = model.Source{Name: "acled", Kind: model.KindDataset, Title: "ACLED", Reliability: 0.8}
)

// hashOf returns the hex SHA-256 of raw, as source.Hash does.
func hashOf(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// Record returns a record the way a reader makes one: report id, hash,
// claim id filled in. The claim starts as a day-precise armed assault in
// Tehran with 5 killed; mod (may be nil) changes it.
func Record(src, ref string, rev int64, raw string, fetched time.Time, mod func(*model.Claim)) model.Record {
	rep := model.Report{
		ID:        model.ReportID(src, ref, rev),
		Source:    src,
		SourceRef: ref,
		Raw:       []byte(raw),
		Hash:      hashOf([]byte(raw)),
		Revision:  rev,
		Origin:    "test.csv:" + ref,
		Fetched:   fetched,
	}
	day := model.Date{Year: 2017, Month: time.June, Day: 7}
	c := model.Claim{
		ID:             model.ClaimID(rep.ID, 1),
		ReportID:       rep.ID,
		Source:         src,
		Start:          day,
		End:            day,
		DatePrecision:  model.PrecisionDay,
		Country:        "IR",
		Admin1:         "Tehran",
		Place:          "Tehran",
		PlacePrecision: model.PlaceCity,
		AttackType:     model.ArmedAssault,
		Killed:         model.Point(5, model.Exact),
	}
	if mod != nil {
		mod(&c)
	}
	return model.Record{Report: rep, Claim: c}
}

// Synthetic returns n GTD-like records with references from first on:
// raw rows of about 1.5 kB, claims with text, codes and figures, spread
// over twenty countries and ten years. The same arguments give the same
// records.
func Synthetic(src string, first, n int, fetched time.Time) []model.Record {
	countries := []string{"US", "IQ", "AF", "PK", "IN", "NG", "PH", "SO", "YE", "SY",
		"IR", "TR", "CO", "TH", "EG", "LY", "NP", "PE", "GB", "FR"}
	recs := make([]model.Record, n)
	summary := strings.Repeat("Assailants attacked a checkpoint near the market; officials said the figures were preliminary. ", 4)
	for i := range n {
		k := first + i
		ref := strconv.Itoa(200000000000 + k)
		start := model.Date{Year: 2010 + k%10, Month: time.Month(1 + k%12), Day: 1 + k%28}
		country := countries[k%len(countries)]
		lat, lon := float64(k%180)-90+0.5, float64(k%360)-180+0.25
		killed, wounded := k%17, k%41
		raw := fmt.Sprintf("%s,%d,%d,%d,,0,,%d,%s,Province %d,City %d,%.6f,%.6f,1,0,%q,1,1,1,0,%d,%d,%s,Group %d,%d,%d,%s",
			ref, start.Year, start.Month, start.Day, k%200, country, k%30, k%500, lat, lon, summary,
			1+k%9, 1+k%22, strings.Repeat("x", 400+k%200), k%50, killed, wounded, strings.Repeat("note ", 60))
		rep := model.Report{
			ID: model.ReportID(src, ref, 0), Source: src, SourceRef: ref,
			Raw: []byte(raw), Hash: hashOf([]byte(raw)),
			Origin: fmt.Sprintf("synthetic.csv:%d", k+2), Fetched: fetched,
		}
		at, _ := model.AttackTypeFromGTD(1 + k%9)
		recs[i] = model.Record{Report: rep, Claim: model.Claim{
			ID: model.ClaimID(rep.ID, 1), ReportID: rep.ID, Source: src,
			Start: start, End: start, DatePrecision: model.PrecisionDay,
			Country: country, Admin1: fmt.Sprintf("Province %d", k%30), Place: fmt.Sprintf("City %d", k%500),
			Lat: &lat, Lon: &lon, PlacePrecision: model.PlaceCity,
			AttackType: at, TargetType: "military", Weapon: "explosives",
			Perpetrator: fmt.Sprintf("Group %d", k%50), ClaimedBy: []string{fmt.Sprintf("Group %d", k%50)},
			Killed: model.Point(killed, model.Exact), Wounded: model.Point(wounded, model.Exact),
			Text: summary,
			Codes: map[string]string{"attacktype1": strconv.Itoa(1 + k%9), "targtype1": strconv.Itoa(1 + k%22),
				"weaptype1": "6", "country": strconv.Itoa(k % 200), "specificity": "1", "doubtterr": "0",
				"success": "1", "suicide": "0", "nkill": strconv.Itoa(killed), "nwound": strconv.Itoa(wounded)},
		}}
	}
	return recs
}
