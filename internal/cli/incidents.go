package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

func runIncidents(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "incidents", "", &cfg, true, export.Table)
	sel := selectionFlags(fs)
	var f store.Filter
	fs.IntVar(&f.Limit, "limit", 0, "at most this many incidents (0 for all)")
	fs.StringVar(&f.After, "after", "", "continue after this cursor (DATE/ID of the last incident shown)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("incidents takes no arguments, got %q", pos[0])
	}
	if err := sel.resolve(&f); err != nil {
		return err
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
	if dw, ok := w.(export.DocWriter); ok {
		err = st.IncidentDocs(ctx, f, dw.WriteDoc)
	} else {
		err = st.Incidents(ctx, f, w.Write)
	}
	if err != nil {
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

// selection holds the flags that select incidents, shared by the commands
// that work on a selection (incidents, analyze).
type selection struct {
	country, admin1, actor, attack, status, since, until string
	minKilled                                            int
}

func selectionFlags(fs *flag.FlagSet) *selection {
	s := &selection{}
	fs.StringVar(&s.country, "country", "", "ISO 3166 alpha-2 country code or country name, e.g. IR")
	fs.StringVar(&s.admin1, "admin1", "", "province or state, e.g. Kerman")
	fs.StringVar(&s.actor, "actor", "", "perpetrator or claimant, any part of the name, e.g. \"Islamic State\"")
	fs.StringVar(&s.attack, "type", "", "attack type: "+joinAttackTypes())
	fs.StringVar(&s.status, "status", "", "status: confirmed, probable, unverified, disputed or retracted")
	fs.StringVar(&s.since, "since", "", "incidents on or after this date (YYYY-MM-DD)")
	fs.StringVar(&s.until, "until", "", "incidents on or before this date (YYYY-MM-DD)")
	fs.IntVar(&s.minKilled, "min-killed", 0, "only incidents with at least this many killed (best estimate)")
	return s
}

// resolve checks the selection flags and fills in f.
func (s *selection) resolve(f *store.Filter) error {
	var err error
	f.Admin1, f.Actor, f.MinKilled = s.admin1, s.actor, s.minKilled
	if s.country != "" {
		c, ok := model.CountryByISO2(s.country)
		if !ok {
			if c, ok = model.CountryByName(s.country); !ok {
				return usagef("--country %q: not an ISO 3166 alpha-2 code or a country name", s.country)
			}
		}
		f.Country = c.ISO2
	}
	if s.since != "" {
		if f.Since, err = model.ParseDate(s.since); err != nil {
			return usagef("--since: %v", err)
		}
	}
	if s.until != "" {
		if f.Until, err = model.ParseDate(s.until); err != nil {
			return usagef("--until: %v", err)
		}
	}
	if s.attack != "" {
		f.AttackType = model.AttackType(s.attack)
		if !f.AttackType.Valid() {
			return usagef("--type %q: want one of %s", s.attack, joinAttackTypes())
		}
	}
	if s.status != "" {
		f.Status = model.Status(s.status)
		if !validStatus(f.Status) {
			return usagef("--status %q: want confirmed, probable, unverified, disputed or retracted", s.status)
		}
	}
	return nil
}
