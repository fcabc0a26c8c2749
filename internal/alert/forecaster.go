package alert

import (
	"context"
	"fmt"
	"time"

	"github.com/vigil-project/vigil/internal/analyze"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// ModelForecaster is the Forecaster of the forecasting models of package
// analyze: provinces by week, with the model that backtests best over the
// last two years (the baseline when none beats it), as `vigil forecast`
// gives them.
type ModelForecaster struct {
	Store interface {
		Incidents(ctx context.Context, f store.Filter, fn func(model.Incident) error) error
	}
	// Model forces a model (baseline, hawkes, count); "" picks by backtest.
	Model string
}

// Forecast forecasts each province (of country, or of every country when
// it is "") for the horizonWeeks weeks after the one holding at, from the
// incidents that started up to at's day.
func (m *ModelForecaster) Forecast(ctx context.Context, at time.Time, horizonWeeks int, country string) ([]RegionRisk, error) {
	today := model.DateOf(at.UTC())
	var incs []model.Incident
	if err := m.Store.Incidents(ctx, store.Filter{Country: country, Until: today}, func(inc model.Incident) error {
		incs = append(incs, inc)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	res, err := analyze.Forecast(incs, analyze.ForecastOptions{Level: analyze.Admin1Week, Now: today, Horizon: horizonWeeks, Model: m.Model})
	if err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	var out []RegionRisk
	for _, r := range res.Regions {
		for _, p := range r.Periods {
			out = append(out, RegionRisk{Country: r.Country, Admin1: r.Admin1, Start: p.Start, End: p.Start.AddDays(6),
				Probability: p.Probability, ExpectedKilled: p.ExpectedKilled, Model: res.Model})
		}
	}
	return out, nil
}
