package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/extract"
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
	withClaims := fs.Bool("claims", false, "json: include each incident's claims with their source and ref (the source's row id or URL)")
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
	if *withClaims {
		if cfg.Format != export.JSON {
			return usagef("--claims needs --format json")
		}
		fb, err := asFuse(st)
		if err != nil {
			return err
		}
		return writeIncidentsWithClaims(ctx, env, fb, f)
	}
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
	fs.StringVar(&s.since, "since", "", "incidents on or after this day, or from the start of this month or year (2024-01-03, 2024-01, 2024; Solar Hijri 1402-10-13, ۱۴۰۲)")
	fs.StringVar(&s.until, "until", "", "incidents on or before this day, or up to the end of this month or year (same forms as --since)")
	fs.IntVar(&s.minKilled, "min-killed", 0, "only incidents with at least this many killed (best estimate)")
	return s
}

// parsePeriod reads a day, month or year as people write them on the
// command line — Gregorian or Solar Hijri, Latin or Persian digits — and
// gives its first and last day. A year from 1200 to 1499 is Solar Hijri
// (no incident in vigil's data is that old); "1402 AD" says otherwise.
func parsePeriod(s string) (first, last model.Date, err error) {
	pd, err := extract.ParseDate(s)
	if err != nil {
		return model.Date{}, model.Date{}, fmt.Errorf("%q: want a day, month or year such as 2024-01-03, 2024-01, 2024 or Solar Hijri 1402-10-13", s)
	}
	return pd.Start, pd.End, nil
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
		if f.Since, _, err = parsePeriod(s.since); err != nil {
			return usagef("--since: %v", err)
		}
	}
	if s.until != "" {
		if _, f.Until, err = parsePeriod(s.until); err != nil {
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

// incidentWithClaims is an incident with its current claims; Claims
// replaces the list of claim ids in JSON.
type incidentWithClaims struct {
	model.Incident
	Claims []claimOut `json:"claims"`
}

// writeIncidentsWithClaims writes the selected incidents as a JSON array,
// each with its claims (source, ref, figures, link), a page of incidents
// at a time so that memory stays bounded.
func writeIncidentsWithClaims(ctx context.Context, env Env, fb fuseBackend, f store.Filter) error {
	const page = 500
	bw := bufio.NewWriter(env.Stdout)
	first := true
	var buf []model.Incident
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		ids := make([]string, len(buf))
		for i, inc := range buf {
			ids[i] = inc.ID
		}
		fused, err := fb.IncidentClaims(ctx, ids)
		if err != nil {
			return fmt.Errorf("list incidents: %w", err)
		}
		byInc := map[string][]claimOut{}
		for _, c := range fused {
			byInc[c.IncidentID] = append(byInc[c.IncidentID], claimOut{ID: c.Claim.ID, Source: c.Claim.Source, Ref: c.Ref,
				ReportID: c.Claim.ReportID, Published: c.Published, Start: c.Claim.Start, Place: c.Claim.Place,
				Killed: c.Claim.Killed, Wounded: c.Claim.Wounded, Perpetrator: c.Claim.Perpetrator,
				ClaimedBy: c.Claim.ClaimedBy, Link: c.Link})
		}
		for _, inc := range buf {
			cs, ok := byInc[inc.ID]
			if !ok {
				// Not fused yet (--no-fuse): the claims as imported.
				stored, err := fb.Claims(ctx, inc.ID)
				if err != nil {
					return fmt.Errorf("list incidents: %w", err)
				}
				var current []store.StoredClaim
				for _, c := range stored {
					if c.SupersededBy == "" {
						current = append(current, c)
					}
				}
				if cs, err = claimsOut(ctx, fb, current); err != nil {
					return fmt.Errorf("list incidents: %w", err)
				}
			}
			b, err := json.Marshal(incidentWithClaims{Incident: inc, Claims: cs})
			if err != nil {
				return err
			}
			if first {
				bw.WriteString("[\n")
				first = false
			} else {
				bw.WriteString(",\n")
			}
			bw.Write(b)
		}
		buf = buf[:0]
		return nil
	}
	err := fb.Incidents(ctx, f, func(inc model.Incident) error {
		buf = append(buf, inc)
		if len(buf) >= page {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	if first {
		bw.WriteString("[")
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}
