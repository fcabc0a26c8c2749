package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// incidentDetail is one incident with what supports it: its claims and
// the versions it went through.
type incidentDetail struct {
	model.Incident
	ClaimDetails []store.StoredClaim `json:"claim_details"`
	Versions     []store.Version     `json:"versions"`
}

func runIncident(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "incident", "ID", &cfg, true, export.Table)
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("incident takes one incident id")
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	id := pos[0]
	inc, err := st.Incident(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("incident %s: no such incident", id)
	}
	if err != nil {
		return fmt.Errorf("incident %s: %w", id, err)
	}
	d := incidentDetail{Incident: inc}
	if d.ClaimDetails, err = st.Claims(ctx, id); err != nil {
		return fmt.Errorf("incident %s: claims: %w", id, err)
	}
	if d.Versions, err = st.Versions(ctx, id); err != nil {
		return fmt.Errorf("incident %s: versions: %w", id, err)
	}
	switch cfg.Format {
	case export.JSON:
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	case export.Table:
		return writeIncidentText(env.Stdout, d)
	default:
		w, err := export.NewWriter(env.Stdout, cfg.Format)
		if err != nil {
			return err
		}
		if err := w.Write(inc); err != nil {
			return err
		}
		return w.Close()
	}
}

func writeIncidentText(out io.Writer, d incidentDetail) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	inc := d.Incident
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("id", inc.ID)
	row("version", fmt.Sprint(inc.Version))
	row("status", string(inc.Status))
	date := inc.Start.String()
	if inc.End != inc.Start {
		date += " – " + inc.End.String()
	}
	row("date", date+" ("+string(inc.DatePrecision)+")")
	place := strings.Join(nonEmpty(inc.Place, inc.Admin1, inc.Country), ", ")
	if inc.Lat != nil && inc.Lon != nil {
		place += fmt.Sprintf(" (%.4f, %.4f)", *inc.Lat, *inc.Lon)
	}
	row("place", place+" ["+string(inc.PlacePrecision)+"]")
	row("attack type", string(inc.AttackType))
	row("target type", string(inc.TargetType))
	row("weapon", string(inc.Weapon))
	row("perpetrator", inc.Perpetrator)
	row("claimed by", strings.Join(inc.ClaimedBy, "; "))
	if inc.Suicide != nil {
		row("suicide", fmt.Sprint(*inc.Suicide))
	}
	if inc.Sites > 0 {
		row("sites", fmt.Sprint(inc.Sites))
	}
	row("killed", inc.Killed.String())
	row("wounded", inc.Wounded.String())
	row("contested", strings.Join(inc.Contested, ", "))
	row("sources", fmt.Sprint(inc.Sources))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nclaims (%d):\n", len(d.ClaimDetails))
	for _, c := range d.ClaimDetails {
		state := ""
		if c.SupersededBy != "" {
			state = " (superseded by " + c.SupersededBy + ")"
		}
		fmt.Fprintf(out, "  %s  %s  %s  killed %s  wounded %s%s\n", c.ID, c.Start, c.Origin,
			orDash(c.Killed.String()), orDash(c.Wounded.String()), state)
		if c.Text != "" {
			fmt.Fprintf(out, "      %s\n", clipText(c.Text, 160))
		}
	}
	fmt.Fprintf(out, "\nversions (%d):\n", len(d.Versions))
	for _, v := range d.Versions {
		fmt.Fprintf(out, "  v%d  %s  %s  %s\n", v.Version, v.At.UTC().Format("2006-01-02 15:04:05Z"), v.Author, v.Reason)
	}
	return nil
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
