package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

func runIncidents(ctx context.Context, env Env, args []string) error {
	var cfg Config
	var f store.Filter
	var since, until, attack, status string
	fs := newFlags(env, "incidents", "", &cfg, true, export.Table)
	fs.StringVar(&f.Country, "country", "", "ISO 3166 alpha-2 country code, e.g. IR")
	fs.StringVar(&f.Admin1, "admin1", "", "province or state, e.g. Kerman")
	fs.StringVar(&f.Actor, "actor", "", "perpetrator or claimant, any part of the name, e.g. \"Islamic State\"")
	fs.StringVar(&attack, "type", "", "attack type: "+joinAttackTypes())
	fs.StringVar(&status, "status", "", "status: confirmed, probable, unverified, disputed or retracted")
	fs.StringVar(&since, "since", "", "incidents on or after this date (YYYY-MM-DD)")
	fs.StringVar(&until, "until", "", "incidents on or before this date (YYYY-MM-DD)")
	fs.IntVar(&f.MinKilled, "min-killed", 0, "only incidents with at least this many killed (best estimate)")
	fs.IntVar(&f.Limit, "limit", 0, "at most this many incidents (0 for all)")
	fs.StringVar(&f.After, "after", "", "continue after this cursor (DATE/ID of the last incident shown)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("incidents takes no arguments, got %q", pos[0])
	}
	if f.Country != "" {
		c, ok := model.CountryByISO2(f.Country)
		if !ok {
			if c, ok = model.CountryByName(f.Country); !ok {
				return usagef("--country %q: not an ISO 3166 alpha-2 code or a country name", f.Country)
			}
		}
		f.Country = c.ISO2
	}
	if since != "" {
		if f.Since, err = model.ParseDate(since); err != nil {
			return usagef("--since: %v", err)
		}
	}
	if until != "" {
		if f.Until, err = model.ParseDate(until); err != nil {
			return usagef("--until: %v", err)
		}
	}
	if attack != "" {
		f.AttackType = model.AttackType(attack)
		if !f.AttackType.Valid() {
			return usagef("--type %q: want one of %s", attack, joinAttackTypes())
		}
	}
	if status != "" {
		f.Status = model.Status(status)
		if !validStatus(f.Status) {
			return usagef("--status %q: want confirmed, probable, unverified, disputed or retracted", status)
		}
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	w, err := export.NewWriter(env.Stdout, cfg.Format)
	if err != nil {
		return err
	}
	if err := st.Incidents(ctx, f, w.Write); err != nil {
		return fmt.Errorf("list incidents: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write incidents: %w", err)
	}
	if n := export.Skipped(w); n > 0 {
		fmt.Fprintf(env.Stderr, "%d incidents without coordinates left out of the GeoJSON\n", n)
	}
	return nil
}

func joinAttackTypes() string {
	s := make([]string, len(model.AttackTypes))
	for i, a := range model.AttackTypes {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

func validStatus(s model.Status) bool {
	for _, v := range model.Statuses {
		if s == v {
			return true
		}
	}
	return false
}
