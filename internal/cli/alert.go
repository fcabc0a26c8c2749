package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/config"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/store"
)

// alertBackend is what the alerts commands need of a store beyond
// backend: both stores have these methods.
type alertBackend interface {
	alert.Store
	alert.Outbox
	AddAlertRule(ctx context.Context, r store.AlertRule) (int64, error)
	UpdateAlertRule(ctx context.Context, r store.AlertRule) error
	DeleteAlertRule(ctx context.Context, id int64) error
	Alerts(ctx context.Context, limit int) ([]store.Alert, error)
	Outbox(ctx context.Context) ([]store.OutboxItem, error)
}

const alertsUsage = `usage: vigil alerts SUBCOMMAND [flags]

  rules add KIND --name NAME [flags]   add a rule; KIND is one of: %s
  rules edit ID [flags]                change the settings given of a rule
  rules list                           list the rules
  rules rm ID                          remove a rule (its alerts stay)
  check [--at TIME | --loop]          evaluate every rule at TIME (default now; or every --every), store alerts, enqueue deliveries
  deliver [--loop]                     deliver what the outbox holds (once, or until stopped)
  list [--limit N]                     list alerts, newest first, with their evidence
  feed [--limit N] [--self URL]        print the alerts as an Atom feed
  outbox [--state S]                   list deliveries: pending, delivered or dead, with attempts and last error

Delivery reads the configuration (vigil config keys), in the environment or
the --config file: alerts.webhook_secret (VIGIL_WEBHOOK_SECRET, the HMAC key of
webhooks), alerts.smtp_addr (VIGIL_SMTP_ADDR, host:port), alerts.smtp_from,
alerts.smtp_user, alerts.smtp_password, alerts.smtp_ca (a PEM file of
certificates to trust instead of the system's).

A webhook receiver checks X-Vigil-Signature: "sha256=" and the hex
HMAC-SHA256, under the webhook secret, of X-Vigil-Timestamp (Unix seconds),
a dot and the raw body; it refuses a timestamp more than 5 minutes from its
clock (a replay) and deduplicates by the Idempotency-Key header.
`

func runAlerts(ctx context.Context, env Env, args []string) error {
	// Global flags (--db, --format) may have come before the subcommand.
	var global []string
	for len(args) > 0 {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		if !strings.HasPrefix(args[0], "-") || (name != "db" && name != "format") {
			break
		}
		global = append(global, args[0])
		if !hasValue && len(args) > 1 {
			global = append(global, args[1])
			args = args[1:]
		}
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintf(env.Stderr, alertsUsage, kindNames())
		return usagef("alerts: no subcommand given")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		fmt.Fprintf(env.Stderr, alertsUsage, kindNames())
		return flag.ErrHelp
	}
	sub, rest := args[0], append(global, args[1:]...)
	switch sub {
	case "rules":
		if len(args) < 2 {
			return usagef("alerts rules: want add, edit, list or rm")
		}
		rest = append(global, args[2:]...)
		switch args[1] {
		case "add":
			return alertRulesAdd(ctx, env, rest)
		case "list", "ls":
			return alertRulesList(ctx, env, rest)
		case "edit":
			return alertRulesEdit(ctx, env, rest)
		case "rm", "remove":
			return alertRulesRm(ctx, env, rest)
		}
		return usagef("alerts rules %q: want add, edit, list or rm", args[1])
	case "check":
		return alertsCheck(ctx, env, rest)
	case "deliver":
		return alertsDeliver(ctx, env, rest)
	case "list", "ls":
		return alertsList(ctx, env, rest)
	case "feed":
		return alertsFeed(ctx, env, rest)
	case "outbox":
		return alertsOutbox(ctx, env, rest)
	}
	fmt.Fprintf(env.Stderr, alertsUsage, kindNames())
	return usagef("alerts: unknown subcommand %q", sub)
}

func kindNames() string {
	s := make([]string, len(alert.Kinds))
	for i, k := range alert.Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// openAlerts opens the store with its alert methods.
func openAlerts(ctx context.Context, cfg Config) (backend, alertBackend, error) {
	b, err := openStore(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	ab, ok := b.(alertBackend)
	if !ok {
		b.Close()
		return nil, nil, fmt.Errorf("store %T has no alert tables", b)
	}
	return b, ab, nil
}

// listFlag collects a repeatable flag into a list; given at all, it
// replaces what the list held, and "" empties it.
type listFlag struct {
	list *[]string
	set  bool
}

// String implements flag.Value.
func (l *listFlag) String() string {
	if l.list == nil {
		return ""
	}
	return strings.Join(*l.list, ",")
}

// Set implements flag.Value.
func (l *listFlag) Set(s string) error {
	if !l.set {
		*l.list, l.set = nil, true
	}
	if s != "" {
		*l.list = append(*l.list, s)
	}
	return nil
}

// parseTimeArg reads a time as RFC 3339 or a date (midnight UTC).
func parseTimeArg(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2024-01-03T12:00:00Z) or YYYY-MM-DD", s)
}

// specFlags binds the flags of a rule's settings to spec and name, with
// their current values as defaults (so that an edit changes only the
// flags given).
func specFlags(fs *flag.FlagSet, spec *alert.Spec, name *string) {
	fs.StringVar(name, "name", *name, "the rule's name (required)")
	fs.StringVar(&spec.Country, "country", spec.Country, "scope: ISO alpha-2 country (followon: required)")
	fs.StringVar(&spec.Admin1, "admin1", spec.Admin1, "scope: province or state")
	fs.StringVar(&spec.Actor, "actor", spec.Actor, "scope (incident, revised, claim): perpetrator or claimant, a substring")
	fs.StringVar(&spec.AttackType, "attack-type", spec.AttackType, "scope (incident, revised, claim): attack type")
	fs.StringVar(&spec.Status, "status", spec.Status, "scope (incident, revised, claim): status")
	fs.IntVar(&spec.MinKilled, "min-killed", spec.MinKilled, "incident: killed (best) at least N")
	fs.IntVar(&spec.Recent, "recent", spec.Recent, "incident, revised, claim: only incidents that went on in the N days before the check (0: any)")
	fs.Var(&listFlag{list: &spec.Incidents}, "incident", "revised, claim: follow this incident id (repeatable; default every incident in scope)")
	fs.StringVar(&spec.Level, "level", spec.Level, "surge, high, forecast, followon: admin1 (default) or country")
	fs.StringVar(&spec.Window, "window", spec.Window, "surge: week (default) or month")
	fs.StringVar(&spec.Baseline, "baseline", spec.Baseline, "surge: month (default) or year")
	fs.IntVar(&spec.Floor, "floor", spec.Floor, "surge: least incidents (default 3); high: least killed (default 10)")
	fs.IntVar(&spec.Years, "years", spec.Years, "high: 1 (default) or 3")
	fs.Float64Var(&spec.Threshold, "threshold", spec.Threshold, "forecast: probability in (0, 1] (default 0.5)")
	fs.IntVar(&spec.Horizon, "horizon", spec.Horizon, "forecast: weeks ahead, 1 to 4 (default 1)")
	fs.Float64Var(&spec.Multiple, "multiple", spec.Multiple, "followon: intensity above this multiple of the background (default 2)")
	fs.IntVar(&spec.FitYears, "fit-years", spec.FitYears, "followon: years of history fitted (default 3)")
	fs.IntVar(&spec.Lookback, "lookback", spec.Lookback, "followon: days after an attack it may alert (default 7)")
	fs.Var(&listFlag{list: &spec.Webhooks}, "webhook", "deliver to this URL (repeatable; given, it replaces the list; \"\" for none)")
	fs.Var(&listFlag{list: &spec.Emails}, "email", "deliver to this address (repeatable; given, it replaces the list; \"\" for none)")
}

func alertRulesAdd(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "alerts rules add", "KIND --name NAME", &cfg, false, export.Table)
	var name, since string
	spec := alert.Spec{Recent: 30}
	specFlags(fs, &spec, &name)
	fs.StringVar(&since, "since", "", "look at incident changes from TIME on (default now)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("alerts rules add: want one KIND (%s), got %d arguments", kindNames(), len(pos))
	}
	if name == "" {
		return usagef("alerts rules add: --name is required")
	}
	r, err := alert.NewRule(name, alert.Kind(pos[0]), spec)
	if err != nil {
		return usagef("alerts rules add: %v", err)
	}
	r.Created = env.Now().UTC()
	r.Checked = r.Created
	if since != "" {
		if r.Checked, err = parseTimeArg(since); err != nil {
			return usagef("alerts rules add: --since: %v", err)
		}
	}
	b, ab, err := openAlerts(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	id, err := ab.AddAlertRule(ctx, r)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "rule %d %q (%s) added\n", id, name, pos[0])
	return record(ctx, env, b, audit.RuleAdd, strconv.FormatInt(id, 10), map[string]any{"name": name, "kind": pos[0], "spec": r.Spec})
}

// alertRulesEdit changes the settings given of a rule; the others, its
// kind and its times stay.
func alertRulesEdit(ctx context.Context, env Env, args []string) error {
	// A first pass finds the store and the rule; the second binds the
	// flags to the rule's current settings.
	var cfg Config
	var scratch alert.Spec
	var scratchName string
	fs := newFlags(env, "alerts rules edit", "ID [flags]", &cfg, false, export.Table)
	specFlags(fs, &scratch, &scratchName)
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("alerts rules edit: want one rule ID")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return usagef("alerts rules edit: %q is not a rule id", pos[0])
	}
	b, ab, err := openAlerts(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	rules, err := ab.AlertRules(ctx)
	if err != nil {
		return err
	}
	var cur *store.AlertRule
	for i := range rules {
		if rules[i].ID == id {
			cur = &rules[i]
		}
	}
	if cur == nil {
		return fmt.Errorf("alerts rules edit: rule %d: %w", id, store.ErrNotFound)
	}
	var spec alert.Spec
	if err := json.Unmarshal(cur.Spec, &spec); err != nil {
		return fmt.Errorf("alerts rules edit: rule %d: spec: %w", id, err)
	}
	name := cur.Name
	fs = newFlags(env, "alerts rules edit", "ID [flags]", &cfg, false, export.Table)
	specFlags(fs, &spec, &name)
	if _, err := parse(fs, args, env, &cfg); err != nil {
		return err
	}
	r, err := alert.NewRule(name, alert.Kind(cur.Kind), spec)
	if err != nil {
		return usagef("alerts rules edit: %v", err)
	}
	r.ID = id
	if err := ab.UpdateAlertRule(ctx, r); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "rule %d %q (%s) updated: %s\n", id, name, cur.Kind, r.Spec)
	return record(ctx, env, b, audit.RuleEdit, pos[0], map[string]any{"name": name, "kind": cur.Kind, "spec": r.Spec, "was": cur.Spec})
}

func alertRulesList(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "alerts rules list", "", &cfg, true, export.Table)
	if _, err := parse(fs, args, env, &cfg); err != nil {
		return err
	}
	if err := tableOrJSON("alerts rules list", cfg); err != nil {
		return err
	}
	b, ab, err := openAlerts(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	rules, err := ab.AlertRules(ctx)
	if err != nil {
		return err
	}
	if cfg.Format == export.JSON {
		return writeJSONList(env.Stdout, rules)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tKIND\tCHECKED\tSPEC")
	for _, r := range rules {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Kind, r.Checked.Format(time.RFC3339), r.Spec)
	}
	return w.Flush()
}

func alertRulesRm(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "alerts rules rm", "ID", &cfg, false, export.Table)
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("alerts rules rm: want one rule ID")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return usagef("alerts rules rm: %q is not a rule id", pos[0])
	}
	b, ab, err := openAlerts(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := ab.DeleteAlertRule(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "rule %d removed\n", id)
	return record(ctx, env, b, audit.RuleRemove, pos[0], nil)
}

func alertsCheck(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "alerts check", "", &cfg, true, export.Table)
	var at string
	fs.StringVar(&at, "at", "", "evaluate at TIME (RFC 3339 or YYYY-MM-DD; default now)")
	var lf checkLoopFlags
	fs.BoolVar(&lf.loop, "loop", false, "keep evaluating, every --every, until interrupted")
	fs.DurationVar(&lf.every, "every", 5*time.Minute, "with --loop: evaluate this often")
	fs.StringVar(&lf.metricsAddr, "metrics-addr", "", "with --loop: serve the checker's Prometheus metrics at http://ADDR/metrics (none by default)")
	if _, err := parse(fs, args, env, &cfg); err != nil {
		return err
	}
	if err := tableOrJSON("alerts check", cfg); err != nil {
		return err
	}
	if lf.loop {
		if at != "" {
			return usagef("alerts check: --at and --loop: a loop evaluates at the time of each round")
		}
		if lf.every < time.Second {
			return usagef("alerts check: --every must be at least 1s")
		}
		return alertsCheckLoop(ctx, env, cfg, lf)
	}
	t := env.Now().UTC()
	if at != "" {
		var err error
		if t, err = parseTimeArg(at); err != nil {
			return usagef("alerts check: --at: %v", err)
		}
	}
	b, ab, err := openAlerts(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	// Forecast rules read the forecasting models (the one that backtests
	// best, as vigil forecast shows); only rules of that kind pay for it.
	e := &alert.Evaluator{Store: ab, Log: env.Log, Forecaster: &alert.ModelForecaster{Store: ab}}
	res, err := e.Check(ctx, t)
	if err != nil {
		return err
	}
	if len(res.Alerts) > 0 {
		ids := make([]int64, len(res.Alerts))
		for i, a := range res.Alerts {
			ids[i] = a.ID
		}
		if err := record(ctx, env, b, audit.AlertCheck, "", map[string]any{"at": t, "rules": res.Rules, "alerts": ids}); err != nil {
			return err
		}
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(env.Stderr, "skipped: %s\n", s)
	}
	if cfg.Format == export.JSON {
		if res.Alerts == nil {
			res.Alerts = []store.Alert{}
		}
		return writeJSON(env.Stdout, res)
	}
	fmt.Fprintf(env.Stdout, "%d rules evaluated at %s: %d new alerts\n", res.Rules, t.Format(time.RFC3339), len(res.Alerts))
	return writeAlerts(env.Stdout, res.Alerts)
}

func alertsList(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "alerts list", "", &cfg, true, export.Table)
	var limit int
	fs.IntVar(&limit, "limit", 50, "at most N alerts (0 for all)")
	if _, err := parse(fs, args, env, &cfg); err != nil {
		return err
	}
	if err := tableOrJSON("alerts list", cfg); err != nil {
		return err
	}
	b, ab, err := openAlerts(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	as, err := ab.Alerts(ctx, limit)
	if err != nil {
		return err
	}
	if cfg.Format == export.JSON {
		return writeJSONList(env.Stdout, as)
	}
	return writeAlerts(env.Stdout, as)
}

func writeAlerts(w io.Writer, as []store.Alert) error {
	for _, a := range as {
		fmt.Fprintf(w, "\n#%d %s  [%s: %s]\n  %s\n", a.ID, a.At.Format(time.RFC3339), a.Kind, a.RuleName, a.Title)
		fmt.Fprintf(w, "  evidence: incidents %s; reports %s\n", strings.Join(a.Incidents, ", "), strings.Join(a.Reports, ", "))
	}
	return nil
}

func alertsFeed(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "alerts feed", "", &cfg, false, export.Table)
	var limit int
	var self string
	fs.IntVar(&limit, "limit", 100, "at most N alerts, newest first (0 for all)")
	fs.StringVar(&self, "self", "", "the URL the feed is served at")
	if _, err := parse(fs, args, env, &cfg); err != nil {
		return err
	}
	b, ab, err := openAlerts(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	as, err := ab.Alerts(ctx, limit)
	if err != nil {
		return err
	}
	return alert.RenderAtom(env.Stdout, as, alert.FeedOptions{Self: self})
}

func alertsOutbox(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "alerts outbox", "", &cfg, true, export.Table)
	var state string
	fs.StringVar(&state, "state", "", "only items in this state: pending, delivered or dead")
	if _, err := parse(fs, args, env, &cfg); err != nil {
		return err
	}
	if err := tableOrJSON("alerts outbox", cfg); err != nil {
		return err
	}
	switch state {
	case "", store.OutboxPending, store.OutboxDelivered, store.OutboxDead:
	default:
		return usagef("alerts outbox: --state %q: want pending, delivered or dead", state)
	}
	b, ab, err := openAlerts(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	items, err := ab.Outbox(ctx)
	if err != nil {
		return err
	}
	out := []store.OutboxItem{}
	for _, it := range items {
		if state == "" || it.State == state {
			out = append(out, it)
		}
	}
	if cfg.Format == export.JSON {
		return writeJSON(env.Stdout, out)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tALERT\tCHANNEL\tTARGET\tSTATE\tATTEMPTS\tNEXT/DELIVERED\tLAST ERROR")
	for _, it := range out {
		when := it.NextAttempt
		if it.State == store.OutboxDelivered {
			when = it.Delivered
		}
		ws := "now"
		if !when.IsZero() {
			ws = when.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%s\t%d\t%s\t%s\n", it.ID, it.Alert.ID, it.Channel, it.Target, it.State, it.Attempts, ws,
			oneLineErr(it.LastError))
	}
	return w.Flush()
}

// oneLineErr keeps an error to one short line of a table.
func oneLineErr(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}

func alertsDeliver(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "alerts deliver", "", &cfg, false, export.Table)
	d := &alert.Deliverer{Now: env.Now, Log: env.Log}
	var loop bool
	var poll, timeout time.Duration
	fs.BoolVar(&loop, "loop", false, "keep delivering until interrupted")
	fs.DurationVar(&poll, "poll", 5*time.Second, "with --loop: look for due items this often")
	fs.DurationVar(&d.Lease, "lease", 5*time.Minute, "own leased items this long (longer than a batch takes)")
	fs.IntVar(&d.Batch, "batch", 20, "lease this many items at once")
	fs.DurationVar(&timeout, "timeout", 10*time.Second, "time limit of one webhook attempt (e-mail: three times it)")
	fs.DurationVar(&d.RetryBase, "retry-base", 30*time.Second, "backoff after the first failure (doubling, with jitter)")
	fs.DurationVar(&d.RetryMax, "retry-max", time.Hour, "longest backoff")
	fs.IntVar(&d.MaxAttempts, "max-attempts", 12, "give an item up after this many failed attempts")
	fs.DurationVar(&d.GroupWindow, "group", time.Hour, "e-mail: one message per rule and address within this long")
	metricsAddr := fs.String("metrics-addr", "", "with --loop: serve the deliverer's Prometheus metrics at http://ADDR/metrics (none by default)")
	if _, err := parse(fs, args, env, &cfg); err != nil {
		return err
	}
	if err := senders(env, cfg.Conf.Config, d, timeout); err != nil {
		return err
	}
	b, ab, err := openAlerts(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	d.Outbox = ab
	if loop && *metricsAddr != "" {
		if d.Metrics, err = newMetrics(b); err != nil {
			return fmt.Errorf("alerts deliver: %w", err)
		}
		log := env.Log
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		a, err := serveMetrics(ctx, *metricsAddr, d.Metrics, log)
		if err != nil {
			return fmt.Errorf("alerts deliver: %w", err)
		}
		fmt.Fprintf(env.Stderr, "metrics on http://%s/metrics\n", a)
	}
	if loop {
		d.Done = func(ctx context.Context, st alert.DeliverStats) {
			if err := record(ctx, env, b, audit.AlertDeliver, "", deliverDetails(st)); err != nil && env.Log != nil {
				env.Log.Error("alerts deliver", "err", err)
			}
		}
		fmt.Fprintln(env.Stderr, "delivering until interrupted")
		return d.Loop(ctx, poll)
	}
	st, err := d.DeliverOnce(ctx)
	fmt.Fprintf(env.Stdout, "leased %d, delivered %d (%d e-mails), failed %d (will retry), given up %d, deferred %d (grouping), lease ran out %d\n",
		st.Leased, st.Delivered, st.Emails, st.Failed, st.Dead, st.Deferred, st.Expired)
	if st.Leased > 0 {
		// What went out is audited even when the drain then failed.
		if aerr := record(ctx, env, b, audit.AlertDeliver, "", deliverDetails(st)); aerr != nil {
			return errors.Join(err, aerr)
		}
	}
	return err
}

// deliverDetails is what the audit log keeps of a delivery run: per
// channel the items sent, failed and given up, and the alerts sent —
// never a target (a webhook URL may hold a token), a message or a
// secret.
func deliverDetails(st alert.DeliverStats) any {
	return map[string]any{"leased": st.Leased, "channels": st.Channels, "alerts": st.Alerts,
		"deferred": st.Deferred, "expired": st.Expired, "interrupted": st.Interrupted}
}

// senders gives d its webhook sender and, when a mail server is
// configured, its mailer: what alerts deliver and a worker's alert loop
// share. timeout bounds a webhook attempt (e-mail: three times it).
func senders(env Env, conf config.Config, d *alert.Deliverer, timeout time.Duration) error {
	ac := conf.Alerts
	secret := ac.WebhookSecret
	if secret == "" {
		fmt.Fprintln(env.Stderr, "warning: no webhook secret (alerts.webhook_secret, VIGIL_WEBHOOK_SECRET): webhooks go out unsigned")
	}
	d.Webhook = &alert.Webhook{Secret: []byte(secret), Timeout: timeout}
	if addr := ac.SMTPAddr; addr != "" {
		// config.Load has checked that a sender is given with the server.
		m := &alert.Mailer{Addr: addr, From: ac.SMTPFrom, Username: ac.SMTPUser,
			Password: ac.SMTPPassword, Timeout: 3 * timeout}
		if ca := ac.SMTPCA; ca != "" {
			pem, err := os.ReadFile(ca)
			if err != nil {
				return fmt.Errorf("alerts deliver: alerts.smtp_ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return fmt.Errorf("alerts deliver: alerts.smtp_ca %s: no PEM certificate in it", ca)
			}
			host := addr
			if i := strings.LastIndex(addr, ":"); i >= 0 {
				host = addr[:i]
			}
			m.TLS = &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}
		}
		d.Mail = m
	}
	return nil
}
