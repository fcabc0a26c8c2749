package report

// The backtest page: how well each forecast model did, in words, tables
// and a calibration plot, on the same self-contained page as the analysis
// report.

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/vigil-project/vigil/internal/analyze"
)

// BacktestPage describes a backtest page.
type BacktestPage struct {
	Result    analyze.BacktestResult
	Selection string // the selection in words, e.g. "Incidents in Iran"
	Version   string
	Generated time.Time
}

// modelColours gives each model a fixed colour across charts.
var modelColours = map[string]string{
	analyze.ModelBaseline: colGrey,
	analyze.ModelHawkes:   colVermilion,
	analyze.ModelCount:    colBlue,
}

// WriteBacktestHTML writes the page.
func WriteBacktestHTML(w io.Writer, b BacktestPage) error {
	res := b.Result
	p := page{
		Title:     "Forecast backtest",
		Selection: b.Selection,
		Version:   b.Version,
		Generated: b.Generated.UTC().Format("2006-01-02 15:04 UTC"),
		Backtest:  true,
		Facts: []fact{
			{"Regions", fmtInt(int64(res.Panel.Regions)) + " (" + string(res.Panel.Level) + ")"},
			{"Origins", fmt.Sprintf("%s, from %s to %s", fmtInt(int64(res.Origins)), res.From, res.To)},
			{"Horizon", fmt.Sprintf("1 to %d periods ahead", res.Horizon)},
			{"Refit", fmt.Sprintf("every %d periods", res.RefitEvery)},
			{"Incidents used", fmt.Sprintf("%s (%s left out: date too coarse, no region, or after the end)", fmtInt(int64(res.Panel.Incidents)), fmtInt(int64(res.Panel.Dropped)))},
			{"Forecasts use", res.Best},
		},
	}
	if res.Best == analyze.ModelBaseline {
		p.Caveats = append(p.Caveats, "No model beat the region’s historical rate by more than chance (Diebold–Mariano test at 5%): forecasts shown to users fall back to it.")
	}
	if res.BaseRate < 0.02 {
		p.Caveats = append(p.Caveats, fmt.Sprintf("Attacks are rare here (%.1f%% of region-periods): probabilities are small and scores differ little between models.", 100*res.BaseRate))
	}

	scores := table{Caption: "Scores over every origin and horizon (lower is better except average precision and skill)",
		Head:  []string{"model", "Brier", "log loss", "average precision", "CRPS (killed)", "Brier skill", "p (Diebold–Mariano)", "beats baseline", "forecasts"},
		Class: []string{"", "num", "num", "num", "num", "num", "num", "", "num"}}
	for _, m := range res.Models {
		beats := "—"
		if m.Name != analyze.ModelBaseline {
			beats = "no"
			if m.BeatsBaseline {
				beats = "yes"
			}
		}
		scores.Rows = append(scores.Rows, []string{m.Name, f4(m.Brier), f4(m.LogLoss), f3(m.AveragePrecision), f3(m.CRPS),
			signed3(m.BrierSkill), f3(m.PVsBaseline), beats, fmtInt(int64(m.NForecasts))})
	}
	byH := table{Caption: "Brier skill by horizon (periods ahead)", Head: []string{"model"}, Class: []string{""}}
	for h := 1; h <= res.Horizon; h++ {
		byH.Head = append(byH.Head, strconv.Itoa(h))
		byH.Class = append(byH.Class, "num")
	}
	for _, m := range res.Models {
		row := []string{m.Name}
		for _, hs := range m.ByHorizon {
			row = append(row, signed3(hs.BrierSkill))
		}
		byH.Rows = append(byH.Rows, row)
	}
	p.Sections = append(p.Sections, section{
		ID: "scores", Title: "Which model to trust",
		Question: "Does any model forecast attacks better than the region’s own history?",
		Findings: []string{res.Sentence()},
		Tables:   []table{scores, byH},
	})

	cal := section{ID: "calibration", Title: "Calibration",
		Question: "When a model says 30%, do attacks follow about 30% of the time?",
		Charts:   []chartView{{SVG: template.HTML(calibrationChart(res)), Caption: "Mean forecast probability against the observed share of periods with an attack, per tenth of probability; the diagonal is perfect calibration. Points are sized by how many forecasts fell in the bin."}}}
	for _, m := range res.Models {
		t := table{Caption: "Calibration of " + m.Name, Head: []string{"probability", "forecasts", "mean forecast", "observed"},
			Class: []string{"nowrap", "num", "num", "num"}}
		for _, bin := range m.Calibration {
			if bin.N == 0 {
				continue
			}
			t.Rows = append(t.Rows, []string{fmt.Sprintf("%.1f–%.1f", bin.Low, bin.High), fmtInt(int64(bin.N)), f3(bin.Predicted), f3(bin.Observed)})
		}
		cal.Tables = append(cal.Tables, t)
	}
	p.Sections = append(p.Sections, cal)
	return pageTmpl.Execute(w, p)
}

func calibrationChart(res analyze.BacktestResult) string {
	c := newChart("chart-calibration", "Calibration: forecast probability against what happened",
		"Scatter plot of the observed share of periods with an attack against the mean forecast probability, one point per model and tenth of probability, with the diagonal of perfect calibration.",
		chartW, chartH+60)
	c.x = newLinear(0, 1)
	c.y = newLinear(0, 1)
	c.xLabel = "Forecast probability"
	c.yLabel = "Observed share with an attack"
	c.line([]float64{0, 1}, []float64{0, 1}, colLight, 1.5, "4 3")
	most := 1
	for _, m := range res.Models {
		for _, b := range m.Calibration {
			most = max(most, b.N)
		}
	}
	for _, m := range res.Models {
		col := modelColours[m.Name]
		for _, b := range m.Calibration {
			if b.N == 0 {
				continue
			}
			r := 2.5 + 5*math.Sqrt(float64(b.N)/float64(most))
			c.dot(b.Predicted, b.Observed, r, col, m.Name == analyze.ModelBaseline,
				fmt.Sprintf("%s: forecast %.2f, observed %.2f over %s forecasts", m.Name, b.Predicted, b.Observed, fmtInt(int64(b.N))))
		}
		c.addLegend(m.Name, col, "dot")
	}
	return c.svg()
}

func f3(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strconv.FormatFloat(x, 'f', 3, 64)
}

func f4(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strconv.FormatFloat(x, 'f', 4, 64)
}

func signed3(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return fmt.Sprintf("%+.3f", x)
}
