package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/vigil-project/vigil/internal/analyze"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/report"
	"github.com/vigil-project/vigil/internal/store"
)

// forecastFlags are the flags forecast and backtest share.
type forecastFlags struct {
	level, horizon, now string
}

func (ff *forecastFlags) register(fs interface {
	StringVar(p *string, name, value, usage string)
}) {
	fs.StringVar(&ff.level, "level", string(analyze.Admin1Week), "admin1-week (provinces by week) or country-month")
	fs.StringVar(&ff.horizon, "horizon", "4", "periods ahead, 1 to 4, e.g. 4w or 2m (the unit must match --level)")
	fs.StringVar(&ff.now, "now", "", "the current date, YYYY-MM-DD (default today): data after it are ignored")
}

// resolve checks the flags; now defaults to today.
func (ff *forecastFlags) resolve(env Env) (analyze.ForecastLevel, int, model.Date, error) {
	level := analyze.ForecastLevel(ff.level)
	if !level.Valid() {
		return "", 0, model.Date{}, usagef("--level %q: want %s or %s", ff.level, analyze.Admin1Week, analyze.CountryMonth)
	}
	h := strings.TrimSpace(ff.horizon)
	unit := ""
	if n := len(h); n > 0 && (h[n-1] == 'w' || h[n-1] == 'm') {
		unit, h = h[n-1:], h[:n-1]
	}
	horizon, err := strconv.Atoi(h)
	if err != nil || horizon < 1 || horizon > 4 {
		return "", 0, model.Date{}, usagef("--horizon %q: want 1 to 4 periods, e.g. 4w", ff.horizon)
	}
	if (unit == "w" && level != analyze.Admin1Week) || (unit == "m" && level != analyze.CountryMonth) {
		return "", 0, model.Date{}, usagef("--horizon %q does not match --level %s (weeks go with admin1-week, months with country-month)", ff.horizon, level)
	}
	now := model.DateOf(env.Now().UTC())
	if ff.now != "" {
		if now, err = model.ParseDate(ff.now); err != nil {
			return "", 0, model.Date{}, usagef("--now: %v", err)
		}
	}
	return level, horizon, now, nil
}

func runForecast(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "forecast", "", &cfg, true, export.Table)
	sel := selectionFlags(fs)
	var ff forecastFlags
	ff.register(fs)
	var modelName string
	var limit int
	fs.StringVar(&modelName, "model", "", "force a model (baseline, hawkes, count); default: the best in a backtest of the last two years")
	fs.IntVar(&limit, "limit", 20, "table: show the riskiest N regions (0 for all)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("forecast takes no arguments, got %q", pos[0])
	}
	if err := tableOrJSON("forecast", cfg); err != nil {
		return err
	}
	level, horizon, now, err := ff.resolve(env)
	if err != nil {
		return err
	}
	var f store.Filter
	if err := sel.resolve(&f); err != nil {
		return err
	}
	f.Until = now
	incs, err := selectIncidents(ctx, cfg, f)
	if err != nil {
		return err
	}
	res, err := analyze.Forecast(incs, analyze.ForecastOptions{Level: level, Now: now, Horizon: horizon, Model: modelName})
	if err != nil {
		return fmt.Errorf("forecast: %w", err)
	}
	if cfg.Format == export.JSON {
		return writeResult(env, cfg.Format, res, res)
	}
	fmt.Fprintln(env.Stdout, res.Sentence())
	if res.Backtest != nil {
		fmt.Fprintln(env.Stdout, res.Backtest.Sentence())
	}
	fmt.Fprintln(env.Stdout)
	return writeForecastTable(env.Stdout, res, limit)
}

func writeForecastTable(w io.Writer, res analyze.ForecastResult, limit int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"region"}
	if len(res.Regions) > 0 {
		for _, p := range res.Regions[0].Periods {
			head = append(head, "P "+p.Start.String(), "killed")
		}
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for i, r := range res.Regions {
		if limit > 0 && i == limit {
			break
		}
		row := []string{r.Region}
		for _, p := range r.Periods {
			row = append(row, fmt.Sprintf("%.1f%%", 100*p.Probability), fmt.Sprintf("%.1f", p.ExpectedKilled))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if limit > 0 && len(res.Regions) > limit {
		fmt.Fprintf(w, "… and %d more regions (--limit 0 shows all)\n", len(res.Regions)-limit)
	}
	return nil
}

func runBacktest(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "backtest", "", &cfg, false, "")
	format := "table"
	fs.StringVar(&format, "format", format, "output format: table, json or html")
	sel := selectionFlags(fs)
	var ff forecastFlags
	ff.register(fs)
	var from, to, models, out string
	var refit int
	fs.StringVar(&from, "from", "", "first forecast origin, YYYY-MM-DD (default two years after the first incident)")
	fs.StringVar(&to, "to", "", "last forecast origin, YYYY-MM-DD (default the last complete period)")
	fs.StringVar(&models, "models", "", "comma-separated models to run (baseline, hawkes, count); default all")
	fs.IntVar(&refit, "refit", 0, "refit the models every N periods (default 13 weeks or 3 months)")
	fs.StringVar(&out, "out", "backtest.html", "html: write the page to FILE (- for standard output)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("backtest takes no arguments, got %q", pos[0])
	}
	html := format == "html"
	if !html && format != string(export.Table) && format != string(export.JSON) {
		return usagef("backtest: --format %s not supported: use table, json or html", format)
	}
	level, horizon, now, err := ff.resolve(env)
	if err != nil {
		return err
	}
	opts := analyze.BacktestOptions{Level: level, Now: now, Horizon: horizon, RefitEvery: refit}
	if refit < 0 {
		return usagef("--refit %d: want a positive number of periods", refit)
	}
	if models != "" {
		opts.Models = strings.Split(models, ",")
	}
	for _, d := range []struct {
		flag, v string
		to      *model.Date
	}{{"--from", from, &opts.From}, {"--to", to, &opts.To}} {
		if d.v == "" {
			continue
		}
		if *d.to, err = model.ParseDate(d.v); err != nil {
			return usagef("%s: %v", d.flag, err)
		}
	}
	var f store.Filter
	if err := sel.resolve(&f); err != nil {
		return err
	}
	f.Until = now
	incs, err := selectIncidents(ctx, cfg, f)
	if err != nil {
		return err
	}
	res, err := analyze.Backtest(incs, opts)
	if err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	if html {
		return writeBacktestPage(env, out, report.BacktestPage{Result: res, Selection: describeSelection(sel), Version: Version, Generated: env.Now()})
	}
	if format == string(export.JSON) {
		return writeResult(env, export.JSON, res, res)
	}
	fmt.Fprintln(env.Stdout, res.Sentence())
	fmt.Fprintln(env.Stdout)
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tBrier\tlog loss\tavg precision\tCRPS\tBrier skill\tforecasts\t")
	for _, m := range res.Models {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.3f\t%.3f\t%+.3f\t%d\t\n", m.Name, m.Brier, m.LogLoss, m.AveragePrecision, m.CRPS, m.BrierSkill, m.NForecasts)
	}
	return tw.Flush()
}

func writeBacktestPage(env Env, out string, p report.BacktestPage) error {
	if out == "-" {
		return report.WriteBacktestHTML(env.Stdout, p)
	}
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	if err := report.WriteBacktestHTML(f, p); err != nil {
		f.Close()
		return fmt.Errorf("backtest: write %s: %w", out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backtest: write %s: %w", out, err)
	}
	fmt.Fprintf(env.Stderr, "wrote %s\n", out)
	return nil
}

// describeSelection says in words which incidents the flags select.
func describeSelection(s *selection) string {
	var parts []string
	for _, p := range []struct{ label, v string }{
		{"country", s.country}, {"province", s.admin1}, {"actor", s.actor}, {"attack type", s.attack},
		{"status", s.status}, {"since", s.since}, {"until", s.until},
	} {
		if p.v != "" {
			parts = append(parts, p.label+" "+p.v)
		}
	}
	if s.minKilled > 0 {
		parts = append(parts, fmt.Sprintf("at least %d killed", s.minKilled))
	}
	if len(parts) == 0 {
		return "All incidents in the store"
	}
	return "Incidents with " + strings.Join(parts, ", ")
}
