package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vigil-project/vigil/internal/analyze"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// analyzeKinds lists what `vigil analyze` computes.
var analyzeKinds = []string{"tempo", "severity", "tail", "changepoints", "hawkes", "report"}

// sentencer is a result that says what it means in one sentence.
type sentencer interface{ Sentence() string }

func runAnalyze(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "analyze", strings.Join(analyzeKinds, "|"), &cfg, true, export.Table)
	sel := selectionFlags(fs)
	var (
		values, times, regionsBy string
		bootstrap                int
		seed                     uint64
		kind                     string
		probX                    float64
		probN                    int
		bin                      string
		out                      string
		winStart, winEnd         float64
	)
	fs.StringVar(&values, "values", "", "tail: fit the numbers in FILE (one per line) instead of a selection")
	fs.StringVar(&times, "times", "", "hawkes: fit the event times in FILE (one number per line, any unit)")
	fs.StringVar(&regionsBy, "regions", "", "hawkes: fit a background rate per region: admin1 or country")
	fs.Float64Var(&winStart, "start", 0, "hawkes --times: start of the observation window (default: the first event)")
	fs.Float64Var(&winEnd, "end", 0, "hawkes --times: end of the observation window (default: the last event)")
	fs.IntVar(&bootstrap, "bootstrap", 1000, "tail: bootstrap replicates for standard errors and the goodness-of-fit p-value")
	fs.Uint64Var(&seed, "seed", 2009, "tail: random seed of the bootstrap (results are reproducible)")
	fs.StringVar(&kind, "kind", "auto", "tail: auto, discrete or continuous")
	fs.Float64Var(&probX, "prob-x", 0, "tail: also give the probability of at least one event ≥ X …")
	fs.IntVar(&probN, "prob-n", 100, "tail: … within the next N events")
	fs.StringVar(&bin, "bin", "month", "tempo: count incidents per month or week")
	fs.StringVar(&out, "out", "report.html", "report: write the HTML page to FILE (- for standard output)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: vigil analyze %s [filters]", strings.Join(analyzeKinds, "|"))
	}
	what := pos[0]
	if err := tableOrJSON("analyze", cfg); err != nil {
		return err
	}
	var f store.Filter
	if err := sel.resolve(&f); err != nil {
		return err
	}

	var result any
	switch what {
	case "report":
		return runReport(ctx, env, cfg, f, out, bootstrap, seed)
	case "tail":
		opts := analyze.TailOptions{Bootstrap: bootstrap, Seed: seed, Unit: "killed"}
		switch kind {
		case "auto":
		case "discrete":
			opts.Kind = analyze.TailDiscrete
		case "continuous":
			opts.Kind = analyze.TailContinuous
		default:
			return usagef("--kind %q: want auto, discrete or continuous", kind)
		}
		var xs []float64
		if values != "" {
			opts.Unit = ""
			if xs, err = readNumbers(values); err != nil {
				return err
			}
		} else {
			incs, err := selectIncidents(ctx, cfg, f)
			if err != nil {
				return err
			}
			for _, inc := range incs {
				if inc.Killed != nil {
					xs = append(xs, float64(inc.Killed.Best))
				}
			}
		}
		fit, err := analyze.FitTail(xs, opts)
		if err != nil {
			return fmt.Errorf("analyze tail: %w", err)
		}
		if probX > 0 {
			p, err := analyze.ProbAtLeastInterval(fit, probX, probN, 0.9)
			if err != nil {
				return fmt.Errorf("analyze tail: %w", err)
			}
			result = struct {
				analyze.TailFit
				Prob analyze.TailProb `json:"prob_at_least"`
			}{fit, p}
			if cfg.Format == export.Table {
				fmt.Fprintf(env.Stdout, "Probability of at least one event ≥ %g within the next %d: %.3f (90%% interval %.3f–%.3f)\n",
					probX, probN, p.P, p.Lo, p.Hi)
			}
			return writeResult(env, cfg.Format, fit, result)
		}
		return writeResult(env, cfg.Format, fit, fit)

	case "hawkes":
		if times != "" {
			ts, err := readNumbers(times)
			if err != nil {
				return err
			}
			var opts analyze.HawkesOptions
			// A window given on one side only keeps the data's end on the
			// other (the zero window means first to last event).
			set := map[string]bool{}
			fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
			if (set["start"] || set["end"]) && len(ts) > 0 {
				opts.Start, opts.End = slices.Min(ts), slices.Max(ts)
				if set["start"] {
					opts.Start = winStart
				}
				if set["end"] {
					opts.End = winEnd
				}
			}
			fit, err := analyze.FitHawkes(ts, opts)
			if err != nil {
				return fmt.Errorf("analyze hawkes: %w", err)
			}
			return writeResult(env, cfg.Format, fit, fit)
		}
		incs, err := selectIncidents(ctx, cfg, f)
		if err != nil {
			return err
		}
		ts, regions, dropped := hawkesTimes(incs, regionsBy)
		if dropped > 0 {
			fmt.Fprintf(env.Stderr, "%d incidents dated only to the week, month or year left out of the Hawkes fit\n", dropped)
		}
		if regionsBy != "" {
			if regionsBy != "admin1" && regionsBy != "country" {
				return usagef("--regions %q: want admin1 or country", regionsBy)
			}
			fit, err := analyze.FitHawkesRegions(ts, regions, analyze.HawkesOptions{Unit: "days"})
			if err != nil {
				return fmt.Errorf("analyze hawkes: %w", err)
			}
			return writeResult(env, cfg.Format, fit, fit)
		}
		fit, err := analyze.FitHawkes(ts, analyze.HawkesOptions{Unit: "days"})
		if err != nil {
			return fmt.Errorf("analyze hawkes: %w", err)
		}
		return writeResult(env, cfg.Format, fit, fit)

	case "tempo":
		incs, err := selectIncidents(ctx, cfg, f)
		if err != nil {
			return err
		}
		dates := make([]model.Date, 0, len(incs))
		for _, inc := range incs {
			dates = append(dates, inc.Start)
		}
		opts := analyze.TempoOptions{Start: f.Since, End: f.Until}
		switch bin {
		case "month":
			opts.Bin = analyze.BinMonth
		case "week":
			opts.Bin = analyze.BinWeek
		default:
			return usagef("--bin %q: want month or week", bin)
		}
		res, err := analyze.Tempo(dates, opts)
		if err != nil {
			return fmt.Errorf("analyze tempo: %w", err)
		}
		return writeResult(env, cfg.Format, res, res)

	case "severity", "changepoints":
		incs, err := selectIncidents(ctx, cfg, f)
		if err != nil {
			return err
		}
		items := severityItems(incs)
		if what == "severity" {
			res, err := analyze.Severity(items, analyze.SeverityOptions{})
			if err != nil {
				return fmt.Errorf("analyze severity: %w", err)
			}
			return writeResult(env, cfg.Format, res, res)
		}
		res, err := analyze.ChangePoints(items, analyze.ChangeOptions{Start: f.Since, End: f.Until})
		if err != nil {
			return fmt.Errorf("analyze changepoints: %w", err)
		}
		return writeResult(env, cfg.Format, res, res)
	}
	return usagef("analyze: unknown kind %q: want %s", what, strings.Join(analyzeKinds, ", "))
}

// selectIncidents loads the selected incidents. Analyses need them all in
// memory anyway; an incident is a few hundred bytes.
func selectIncidents(ctx context.Context, cfg Config, f store.Filter) ([]model.Incident, error) {
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var incs []model.Incident
	err = st.Incidents(ctx, f, func(inc model.Incident) error {
		incs = append(incs, inc)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select incidents: %w", err)
	}
	return incs, nil
}

func severityItems(incs []model.Incident) []analyze.SeverityItem {
	items := make([]analyze.SeverityItem, 0, len(incs))
	for _, inc := range incs {
		items = append(items, analyze.SeverityItem{Date: inc.Start, Killed: inc.Killed, Wounded: inc.Wounded,
			Suicide: inc.Suicide, Sites: inc.Sites, Coordinated: inc.Sites >= 2})
	}
	return items
}

// hawkesTimes turns day-precise incident dates into days since the first;
// coarser dates would read as bursts on the first of the month, so they
// are left out and counted.
func hawkesTimes(incs []model.Incident, regionsBy string) (ts []float64, regions []string, dropped int) {
	var first model.Date
	for _, inc := range incs {
		if inc.DatePrecision != model.PrecisionDay {
			dropped++
			continue
		}
		if first.IsZero() || inc.Start.Before(first) {
			first = inc.Start
		}
	}
	for _, inc := range incs {
		if inc.DatePrecision != model.PrecisionDay {
			continue
		}
		ts = append(ts, inc.Start.Time().Sub(first.Time()).Hours()/24)
		switch regionsBy {
		case "admin1":
			regions = append(regions, inc.Country+"/"+inc.Admin1)
		case "country":
			regions = append(regions, inc.Country)
		}
	}
	return ts, regions, dropped
}

// readNumbers reads one number per line; blank lines and lines starting
// with # are ignored. A bad line is an error naming the file and line.
func readNumbers(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var xs []float64
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s:%d: %q is not a number", path, line, s)
		}
		xs = append(xs, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return xs, nil
}

// writeResult prints a result: JSON as is, or for people its sentence and
// its top-level numbers.
func writeResult(env Env, f export.Format, s sentencer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	if f == export.JSON {
		var out any
		_ = json.Unmarshal(b, &out)
		if m, ok := out.(map[string]any); ok {
			m["sentence"] = s.Sentence()
			out = m
		}
		return writeJSON(env.Stdout, out)
	}
	fmt.Fprintln(env.Stdout, s.Sentence())
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	fmt.Fprintln(env.Stdout)
	writeScalars(env.Stdout, "", m)
	return nil
}

func writeScalars(w io.Writer, prefix string, m map[string]any) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := m[k].(type) {
		case float64:
			fmt.Fprintf(w, "  %-28s %.6g\n", prefix+k, v)
		case string, bool:
			fmt.Fprintf(w, "  %-28s %v\n", prefix+k, v)
		case map[string]any:
			if prefix == "" {
				writeScalars(w, k+".", v)
			}
		}
	}
}
