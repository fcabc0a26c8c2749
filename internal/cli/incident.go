package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// claimOut is one claim of an incident as the CLI shows it: where it
// comes from (source and the source's own reference: row id or URL), what
// it says, and the link that joined it to the incident.
type claimOut struct {
	ID           string       `json:"id"`
	Source       string       `json:"source"`
	Ref          string       `json:"ref"`
	ReportID     string       `json:"report_id"`
	Origin       string       `json:"origin,omitempty"`
	Published    *time.Time   `json:"published,omitempty"`
	Start        model.Date   `json:"start"`
	Place        string       `json:"place,omitempty"`
	Killed       *model.Range `json:"killed,omitempty"`
	Wounded      *model.Range `json:"wounded,omitempty"`
	Perpetrator  string       `json:"perpetrator,omitempty"`
	ClaimedBy    []string     `json:"claimed_by,omitempty"`
	Text         string       `json:"text,omitempty"`
	SupersededBy string       `json:"superseded_by,omitempty"`
	Link         *fuse.Link   `json:"link,omitempty"`
	// RawPruned is when retention removed the report's raw body (vigil
	// prune); the claim is whole.
	RawPruned *time.Time `json:"raw_pruned,omitempty"`
}

// incidentDetail is one incident with what supports it: its claims (with
// source and ref) and the versions it went through. Claims replaces the
// incident's list of claim ids in JSON.
type incidentDetail struct {
	model.Incident
	Claims       []claimOut          `json:"claims"`
	ClaimDetails []store.StoredClaim `json:"claim_details"`
	Versions     []store.Version     `json:"versions"`
}

// incidentFlags are the flags of `vigil incident`.
type incidentFlags struct {
	why, history   bool
	reason, author string
	claims         []string
}

func runIncident(ctx context.Context, env Env, args []string) error {
	var cfg Config
	var fl incidentFlags
	fs := newFlags(env, "incident", "ID | merge ID ID... | split ID --claims C1,C2 | set ID FIELD VALUE", &cfg, true, export.Table)
	fs.BoolVar(&fl.why, "why", false, "print the score and reasons of each link that joined a claim to the incident")
	fs.BoolVar(&fl.history, "history", false, "list the incident's versions: when, who, why and what changed")
	fs.StringVar(&fl.reason, "reason", "", "merge, split, set: why (required)")
	fs.StringVar(&fl.author, "author", "", "merge, split, set: who (default $USER)")
	fs.Func("claims", "split: the claims to move to a new incident, comma-separated (repeatable)", func(s string) error {
		fl.claims = append(fl.claims, s)
		return nil
	})
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("incident takes an incident id, or merge, split or set")
	}
	switch pos[0] {
	case "merge", "split", "set":
		return runCorrection(ctx, env, cfg, fl, pos)
	}
	if len(pos) != 1 {
		return usagef("incident takes one incident id")
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	fb, err := asFuse(st)
	if err != nil {
		return err
	}
	id := pos[0]
	if fl.history {
		return writeHistory(ctx, env, fb, id, cfg.Format)
	}
	inc, err := st.Incident(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		if r, rerr := fb.RetiredIncident(ctx, id); rerr == nil {
			return fmt.Errorf("incident %s was merged into %s on %s (%s): see vigil incident %s",
				id, r.MergedInto, r.At.UTC().Format(time.DateOnly), r.Reason, r.MergedInto)
		}
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
	if d.Claims, err = claimsOut(ctx, fb, d.ClaimDetails); err != nil {
		return fmt.Errorf("incident %s: %w", id, err)
	}
	switch {
	case fl.why:
		return writeWhy(env.Stdout, d)
	case cfg.Format == export.JSON:
		return writeJSON(env.Stdout, d)
	case cfg.Format == export.Table:
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

// claimsOut joins an incident's stored claims with what fusion keeps of
// them (ref, link); a claim fusion has not placed (superseded, or
// imported with --no-fuse) gets its ref from its report.
func claimsOut(ctx context.Context, fb fuseBackend, cs []store.StoredClaim) ([]claimOut, error) {
	if len(cs) == 0 {
		return []claimOut{}, nil
	}
	fused, err := fb.IncidentClaims(ctx, []string{cs[0].IncidentID})
	if err != nil {
		return nil, err
	}
	byID := map[string]fuse.StoredClaim{}
	for _, f := range fused {
		byID[f.Claim.ID] = f
	}
	out := make([]claimOut, 0, len(cs))
	for _, c := range cs {
		o := claimOut{ID: c.ID, Source: c.Source, ReportID: c.ReportID, Origin: c.Origin, Start: c.Start, Place: c.Place,
			Killed: c.Killed, Wounded: c.Wounded, Perpetrator: c.Perpetrator, ClaimedBy: c.ClaimedBy, Text: c.Text,
			SupersededBy: c.SupersededBy, RawPruned: c.RawPruned}
		if f, ok := byID[c.ID]; ok {
			o.Ref, o.Link, o.Published = f.Ref, f.Link, f.Published
		} else {
			r, err := fb.Report(ctx, c.ReportID)
			if err != nil {
				return nil, fmt.Errorf("claim %s: %w", c.ID, err)
			}
			o.Ref, o.Published = r.SourceRef, r.Published
		}
		out = append(out, o)
	}
	return out, nil
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
	row("attackers killed", inc.AttackersKilled.String())
	row("contested", strings.Join(inc.Contested, ", "))
	row("sources", fmt.Sprint(inc.Sources))
	if inc.Group != "" {
		row("event group", inc.Group+" ("+strings.Join(inc.GroupReasons, "; ")+")")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(inc.Rules) > 0 {
		fmt.Fprintf(out, "\nrules:\n")
		for _, k := range sortedKeys(inc.Rules) {
			fmt.Fprintf(out, "  %-12s %s\n", k, inc.Rules[k])
		}
	}
	for _, fig := range []string{"killed", "wounded"} {
		tl := inc.Timeline[fig]
		if len(tl) == 0 {
			continue
		}
		fmt.Fprintf(out, "\n%s timeline (%d):\n", fig, len(tl))
		for _, r := range tl {
			var notes []string
			if r.Superseded {
				notes = append(notes, "superseded")
			}
			if r.Claimant {
				notes = append(notes, "claimant")
			}
			if r.Retracted {
				notes = append(notes, "retracted")
			}
			who := r.Source
			if r.Voice != "" && r.Voice != r.Source {
				who = r.Voice
			}
			note := ""
			if len(notes) > 0 {
				note = " (" + strings.Join(notes, ", ") + ")"
			}
			fmt.Fprintf(out, "  %s  %-14s %s [%s]%s\n", r.Time.UTC().Format("2006-01-02 15:04Z"), r.Value.String(), who, r.Class, note)
		}
	}
	fmt.Fprintf(out, "\nclaims (%d):\n", len(d.Claims))
	for _, c := range d.Claims {
		state := ""
		if c.SupersededBy != "" {
			state = " (superseded by " + c.SupersededBy + ")"
		}
		fmt.Fprintf(out, "  %s  %s  %s  %s  killed %s  wounded %s%s\n", c.ID, c.Source, c.Start, c.Origin,
			orDash(c.Killed.String()), orDash(c.Wounded.String()), state)
		if c.Ref != "" && !strings.Contains(c.ID, c.Ref) {
			fmt.Fprintf(out, "      ref %s\n", c.Ref)
		}
		if c.RawPruned != nil {
			fmt.Fprintf(out, "      report body pruned on %s\n", c.RawPruned.UTC().Format("2006-01-02"))
		}
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

// writeWhy prints, for each claim, the link that joined it: its match
// probability and weight, and each feature's level and weight.
func writeWhy(out io.Writer, d incidentDetail) error {
	fmt.Fprintf(out, "incident %s: %d claims\n", d.ID, len(d.Claims))
	for _, c := range d.Claims {
		if c.SupersededBy != "" {
			continue
		}
		fmt.Fprintf(out, "\n%s (%s %s)\n", c.ID, c.Source, c.Ref)
		if c.Link == nil {
			fmt.Fprintf(out, "  first claim of the incident: no link\n")
			continue
		}
		other := c.Link.A
		if other == c.ID {
			other = c.Link.B
		}
		fmt.Fprintf(out, "  linked to %s: probability %.4f, weight %+.2f\n", other, c.Link.Probability, c.Link.Weight)
		for _, r := range c.Link.Reasons {
			fmt.Fprintf(out, "    %-12s %-30s %+.2f\n", r.Feature, r.Level, r.Weight)
		}
	}
	return nil
}

// writeHistory lists an incident's versions, live or retired, with what
// changed from the version before.
func writeHistory(ctx context.Context, env Env, fb fuseBackend, id string, f export.Format) error {
	vs, err := fb.IncidentHistory(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("incident %s: no such incident", id)
	}
	if err != nil {
		return err
	}
	type entry struct {
		Version int       `json:"version"`
		At      time.Time `json:"at"`
		Author  string    `json:"author"`
		Reason  string    `json:"reason"`
		Changed []string  `json:"changed"`
	}
	out := make([]entry, len(vs))
	for i, v := range vs {
		var prev *model.Incident
		if i > 0 {
			prev = &vs[i-1].Incident
		}
		out[i] = entry{Version: v.Version, At: v.At, Author: v.Author, Reason: v.Reason, Changed: changes(prev, &v.Incident)}
	}
	if f == export.JSON {
		return writeJSON(env.Stdout, out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tAT\tAUTHOR\tREASON\tCHANGED")
	for _, e := range out {
		fmt.Fprintf(tw, "v%d\t%s\t%s\t%s\t%s\n", e.Version, e.At.UTC().Format("2006-01-02 15:04:05Z"), e.Author,
			clipText(e.Reason, 80), strings.Join(e.Changed, "; "))
	}
	return tw.Flush()
}

// changes says what differs between two versions of an incident, field
// by field, as "field: old → new"; the first version is "created".
func changes(prev, cur *model.Incident) []string {
	if prev == nil {
		return []string{"created"}
	}
	var out []string
	diff := func(name, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s: %s → %s", name, orDash(a), orDash(b)))
		}
	}
	diff("status", string(prev.Status), string(cur.Status))
	diff("date", prev.Start.String()+"/"+prev.End.String(), cur.Start.String()+"/"+cur.End.String())
	diff("country", prev.Country, cur.Country)
	diff("admin1", prev.Admin1, cur.Admin1)
	diff("place", prev.Place, cur.Place)
	diff("attack_type", string(prev.AttackType), string(cur.AttackType))
	diff("perpetrator", prev.Perpetrator, cur.Perpetrator)
	diff("claimed_by", strings.Join(prev.ClaimedBy, ", "), strings.Join(cur.ClaimedBy, ", "))
	diff("killed", prev.Killed.String(), cur.Killed.String())
	diff("wounded", prev.Wounded.String(), cur.Wounded.String())
	diff("contested", strings.Join(prev.Contested, ", "), strings.Join(cur.Contested, ", "))
	diff("sources", fmt.Sprint(prev.Sources), fmt.Sprint(cur.Sources))
	if !slices.Equal(prev.Claims, cur.Claims) {
		out = append(out, fmt.Sprintf("claims: %d → %d", len(prev.Claims), len(cur.Claims)))
	}
	diff("event group", prev.Group, cur.Group)
	diff("merged into", prev.MergedInto, cur.MergedInto)
	for _, k := range sortedKeys(cur.Rules) {
		if strings.HasPrefix(cur.Rules[k], "set by ") && prev.Rules[k] != cur.Rules[k] {
			out = append(out, "rule "+k+": "+cur.Rules[k])
		}
	}
	return out
}

// runCorrection runs `incident merge|split|set`: each writes a new
// version, never an overwrite, and is refused without a reason.
func runCorrection(ctx context.Context, env Env, cfg Config, fl incidentFlags, pos []string) error {
	if strings.TrimSpace(fl.reason) == "" {
		return usagef("incident %s needs --reason: every correction says why", pos[0])
	}
	author := fl.author
	if author == "" {
		author = env.Getenv("USER")
	}
	if author == "" {
		return usagef("incident %s needs --author (or $USER)", pos[0])
	}
	c := fuse.Correction{Author: author, Reason: fl.reason, At: env.Now()}
	switch pos[0] {
	case "merge":
		if len(pos) < 3 {
			return usagef("usage: vigil incident merge ID ID... --reason TEXT")
		}
	case "split":
		if len(pos) != 2 || len(fl.claims) == 0 {
			return usagef("usage: vigil incident split ID --claims C1,C2 --reason TEXT")
		}
	case "set":
		if len(pos) != 4 {
			return usagef("usage: vigil incident set ID FIELD VALUE --reason TEXT (FIELD: %s)", strings.Join(fuse.SettableFields, ", "))
		}
		if !slices.Contains(fuse.SettableFields, pos[2]) {
			return usagef("incident set: field %q cannot be set: want one of %s", pos[2], strings.Join(fuse.SettableFields, ", "))
		}
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	fb, err := asFuse(st)
	if err != nil {
		return err
	}
	switch pos[0] {
	case "merge":
		if err := fuse.Merge(ctx, fb, pos[1:], c); err != nil {
			return constraintError(err)
		}
		fmt.Fprintf(env.Stdout, "merged %s into %s\n", strings.Join(pos[2:], ", "), pos[1])
		return record(ctx, env, st, audit.IncidentMerge, pos[1], map[string]any{"merged": pos[2:], "author": author, "reason": fl.reason})
	case "split":
		ids, err := splitClaims(ctx, fb, pos[1], fl.claims)
		if err != nil {
			return err
		}
		newID, err := fuse.Split(ctx, fb, pos[1], ids, c)
		if err != nil {
			return constraintError(err)
		}
		fmt.Fprintf(env.Stdout, "split %d claims of %s into %s\n", len(ids), pos[1], newID)
		return record(ctx, env, st, audit.IncidentSplit, pos[1], map[string]any{"new": newID, "claims": ids, "author": author, "reason": fl.reason})
	case "set":
		if err := fuse.Set(ctx, fb, pos[1], pos[2], pos[3], c); err != nil {
			return constraintError(err)
		}
		fmt.Fprintf(env.Stdout, "set %s of %s to %s\n", pos[2], pos[1], pos[3])
		return record(ctx, env, st, audit.IncidentSet, pos[1], map[string]any{"field": pos[2], "value": pos[3], "author": author, "reason": fl.reason})
	}
	return nil
}

// splitClaims reads the --claims values: each is a claim id of the
// incident as a whole (ids may hold commas: URLs), else a comma-separated list.
func splitClaims(ctx context.Context, fb fuseBackend, id string, vals []string) ([]string, error) {
	cs, err := fb.IncidentClaims(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, c := range cs {
		known[c.Claim.ID] = true
	}
	var out []string
	for _, v := range vals {
		if known[v] {
			out = append(out, v)
			continue
		}
		out = append(out, parseList(v)...)
	}
	return out, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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
