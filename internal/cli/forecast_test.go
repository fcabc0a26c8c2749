package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/shareddata"
)

// The shared GTD file (US, 2000–2017) through forecast and backtest, on
// both stores: the JSON carries what the issue names, the numbers are
// proper scores, and the forecast covers the weeks after --now.
func TestForecastAndBacktest(t *testing.T) {
	gtd := shareddata.Path(t, "gtd", "gtd_0718dist_us_2000-2017.csv")
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			mustVigil(t, db, "import", "gtd", gtd)
			out := mustVigil(t, db, "backtest", "--now", "2018-01-01", "--from", "2014-01-01", "--format", "json")
			var bt struct {
				Models []struct {
					Name             string   `json:"name"`
					Brier            float64  `json:"brier"`
					LogLoss          float64  `json:"log_loss"`
					AveragePrecision *float64 `json:"average_precision"`
					CRPS             float64  `json:"crps"`
					BrierSkill       float64  `json:"brier_skill"`
					NForecasts       int      `json:"n_forecasts"`
					Calibration      []struct {
						N int `json:"n"`
					} `json:"calibration"`
				} `json:"models"`
				Best     string `json:"best"`
				Sentence string `json:"sentence"`
				Panel    struct {
					Regions int `json:"regions"`
				} `json:"panel"`
			}
			if err := json.Unmarshal([]byte(out), &bt); err != nil {
				t.Fatalf("backtest json: %v\n%s", err, out)
			}
			if len(bt.Models) != 3 || bt.Best == "" || bt.Sentence == "" || bt.Panel.Regions < 30 {
				t.Fatalf("backtest got %d models, best %q, %d regions, sentence %q", len(bt.Models), bt.Best, bt.Panel.Regions, bt.Sentence)
			}
			names := map[string]bool{}
			for _, m := range bt.Models {
				names[m.Name] = true
				if m.NForecasts < 10000 {
					t.Errorf("%s: %d forecasts, want ≥ 10,000 (4 years × 52 weeks × ≥ 30 states × 4 horizons ≈ 25,000)", m.Name, m.NForecasts)
				}
				if !(m.Brier > 0 && m.Brier < 0.25) || !(m.LogLoss > 0) || !(m.CRPS >= 0) || math.IsNaN(m.BrierSkill) {
					t.Errorf("%s: scores out of range: %+v", m.Name, m)
				}
				if m.AveragePrecision == nil || *m.AveragePrecision <= 0 || *m.AveragePrecision > 1 {
					t.Errorf("%s: average precision %v", m.Name, m.AveragePrecision)
				}
				n := 0
				for _, c := range m.Calibration {
					n += c.N
				}
				if n != m.NForecasts {
					t.Errorf("%s: calibration holds %d forecasts, want %d", m.Name, n, m.NForecasts)
				}
				if m.Name == "baseline" && m.BrierSkill != 0 {
					t.Errorf("baseline skill %v, want 0", m.BrierSkill)
				}
				if m.Name != "baseline" && bt.Best == m.Name && m.BrierSkill <= 0 {
					t.Errorf("best is %s although its skill is %v", m.Name, m.BrierSkill)
				}
			}
			if !names["baseline"] || !names["hawkes"] || !names["count"] {
				t.Errorf("models got %v", names)
			}

			out = mustVigil(t, db, "forecast", "--now", "2018-01-01", "--format", "json", "--horizon", "2w")
			var fc struct {
				Model   string `json:"model"`
				Why     string `json:"why"`
				Regions []struct {
					Region  string `json:"region"`
					Country string `json:"country"`
					Admin1  string `json:"admin1"`
					Periods []struct {
						Start          string  `json:"start"`
						Probability    float64 `json:"probability"`
						ExpectedKilled float64 `json:"expected_killed"`
					} `json:"periods"`
				} `json:"regions"`
			}
			if err := json.Unmarshal([]byte(out), &fc); err != nil {
				t.Fatalf("forecast json: %v", err)
			}
			if fc.Model == "" || fc.Why == "" || len(fc.Regions) < 30 {
				t.Fatalf("forecast got model %q why %q, %d regions", fc.Model, fc.Why, len(fc.Regions))
			}
			for i, r := range fc.Regions {
				if r.Country != "US" || r.Admin1 == "" || len(r.Periods) != 2 {
					t.Errorf("region %+v: want a US state with 2 weeks", r)
					continue
				}
				// 2018-01-01 is a Monday: the forecast weeks are the two after its week.
				if r.Periods[0].Start != "2018-01-08" || r.Periods[1].Start != "2018-01-15" {
					t.Errorf("%s: weeks %s, %s; want 2018-01-08 and 2018-01-15", r.Region, r.Periods[0].Start, r.Periods[1].Start)
				}
				if i > 0 && r.Periods[0].Probability > fc.Regions[i-1].Periods[0].Probability {
					t.Errorf("regions not riskiest first at %d", i)
				}
			}

			table := mustVigil(t, db, "forecast", "--now", "2018-01-01", "--model", "baseline", "--limit", "3")
			if !strings.Contains(table, "US/California") || !strings.Contains(table, "more regions") {
				t.Errorf("forecast table:\n%s", table)
			}

			page := filepath.Join(t.TempDir(), "bt.html")
			mustVigil(t, db, "backtest", "--now", "2018-01-01", "--from", "2016-01-01", "--format", "html", "--out", page, "--models", "hawkes")
			b, err := os.ReadFile(page)
			if err != nil {
				t.Fatal(err)
			}
			html := string(b)
			for _, want := range []string{"Forecast backtest", "chart-calibration", "<svg", "Brier skill", "baseline", "hawkes"} {
				if !strings.Contains(html, want) {
					t.Errorf("backtest page lacks %q", want)
				}
			}
			if strings.Contains(html, `<td dir="auto">count</td>`) || !strings.Contains(html, `<td dir="auto">hawkes</td>`) {
				t.Errorf("backtest page: want rows for hawkes and not for count (--models hawkes)")
			}
		})
	}
}

func TestForecastUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	for _, args := range [][]string{
		{"forecast", "--level", "city-day"},
		{"forecast", "--horizon", "9"},
		{"forecast", "--horizon", "2m"}, // months with the weekly level
		{"forecast", "--now", "yesterday"},
		{"forecast", "--format", "csv"},
		{"backtest", "--format", "geojson"},
		{"backtest", "--from", "2020-13-01"},
		{"backtest", "--models", "oracle", "--now", "2020-01-01"},
	} {
		_, _, err := vigil(t, db, args...)
		if err == nil {
			t.Errorf("vigil %s: got no error", strings.Join(args, " "))
		}
	}
	// An empty store is an error that says so, not a crash.
	if _, _, err := vigil(t, db, "forecast"); err == nil || !strings.Contains(err.Error(), "no incidents") {
		t.Errorf("forecast on an empty store: got %v, want an error about no incidents", err)
	}
}
