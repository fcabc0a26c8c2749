package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// The alert tables keep times as integer microseconds (see the alerts
// migration); zero stands for "never".

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

// AddAlertRule stores a new rule and returns its id.
func (s *Store) AddAlertRule(ctx context.Context, r store.AlertRule) (int64, error) {
	res, err := s.write.ExecContext(ctx, `INSERT INTO alert_rules (name, kind, spec, created, checked) VALUES (?, ?, ?, ?, ?)`,
		r.Name, r.Kind, string(r.Spec), micros(r.Created), micros(r.Checked))
	if err != nil {
		return 0, fmt.Errorf("add alert rule %q: %w", r.Name, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("add alert rule %q: %w", r.Name, err)
	}
	return id, nil
}

// AlertRules returns every rule in id order.
func (s *Store) AlertRules(ctx context.Context) ([]store.AlertRule, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, name, kind, spec, created, checked FROM alert_rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	defer rows.Close()
	var out []store.AlertRule
	for rows.Next() {
		var r store.AlertRule
		var spec string
		var created, checked int64
		if err := rows.Scan(&r.ID, &r.Name, &r.Kind, &spec, &created, &checked); err != nil {
			return nil, fmt.Errorf("alert rules: %w", err)
		}
		r.Spec = json.RawMessage(spec)
		r.Created, r.Checked = fromMicros(created), fromMicros(checked)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	return out, nil
}

// UpdateAlertRule replaces the name, kind and spec of rule r.ID (its
// creation and checked times stay), or returns an error wrapping
// store.ErrNotFound.
func (s *Store) UpdateAlertRule(ctx context.Context, r store.AlertRule) error {
	res, err := s.write.ExecContext(ctx, `UPDATE alert_rules SET name = ?, kind = ?, spec = ? WHERE id = ?`,
		r.Name, r.Kind, string(r.Spec), r.ID)
	if err != nil {
		return fmt.Errorf("update alert rule %d: %w", r.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update alert rule %d: %w", r.ID, err)
	} else if n == 0 {
		return notFound("alert rule", strconv.FormatInt(r.ID, 10))
	}
	return nil
}

// DeleteAlertRule removes a rule, or returns an error wrapping
// store.ErrNotFound. Its alerts stay, and so do their pending deliveries.
func (s *Store) DeleteAlertRule(ctx context.Context, id int64) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM alert_rules WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete alert rule %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete alert rule %d: %w", id, err)
	} else if n == 0 {
		return notFound("alert rule", strconv.FormatInt(id, 10))
	}
	return nil
}

// SetAlertRuleChecked records that rule id has seen incident versions up
// to t.
func (s *Store) SetAlertRuleChecked(ctx context.Context, id int64, t time.Time) error {
	if _, err := s.write.ExecContext(ctx, `UPDATE alert_rules SET checked = ? WHERE id = ?`, micros(t), id); err != nil {
		return fmt.Errorf("alert rule %d: set checked: %w", id, err)
	}
	return nil
}

// VersionsBetween calls fn with every incident version appended after
// since and up to until, with the version before it, ordered by time.
// Versions of the same time (one import batch) come in the order they
// were written: ordering them by incident too made SQLite sort whole
// batches, documents and all, for nothing.
func (s *Store) VersionsBetween(ctx context.Context, since, until time.Time, fn func(store.VersionChange) error) error {
	defer s.op("versions_between")()
	// The index holds seconds to the millisecond: widen the bounds by a
	// little more than that and check the exact times below.
	lo := float64(since.UnixMicro())/1e6 - 0.002
	hi := float64(until.UnixMicro())/1e6 + 0.002
	rows, err := s.read.QueryContext(ctx, `SELECT v.incident_id, v.version, v.at, v.author, v.reason,
		coalesce(v.doc, i.doc), coalesce(p.doc, CASE WHEN p.version IS NOT NULL THEN i.doc END)
		FROM incident_versions v
		JOIN incidents i ON i.id = v.incident_id
		LEFT JOIN incident_versions p ON p.incident_id = v.incident_id AND p.version = v.version - 1
		WHERE unixepoch(v.at, 'subsec') > ? AND unixepoch(v.at, 'subsec') <= ?
		ORDER BY unixepoch(v.at, 'subsec')`, lo, hi)
	if err != nil {
		return fmt.Errorf("versions between %s and %s: %w", since, until, err)
	}
	defer rows.Close()
	for rows.Next() {
		var vc store.VersionChange
		var at sql.NullString
		var doc, prev []byte
		if err := rows.Scan(&vc.IncidentID, &vc.Version.Version, &at, &vc.Author, &vc.Reason, &doc, &prev); err != nil {
			return fmt.Errorf("versions between: %w", err)
		}
		if vc.At, err = parseTime(at); err != nil {
			return fmt.Errorf("versions between: %w", err)
		}
		if !vc.At.After(since) || vc.At.After(until) {
			continue
		}
		if err := json.Unmarshal(doc, &vc.Incident); err != nil {
			return fmt.Errorf("versions between: incident %s: %w", vc.IncidentID, err)
		}
		if prev != nil {
			vc.Previous = new(model.Incident)
			if err := json.Unmarshal(prev, vc.Previous); err != nil {
				return fmt.Errorf("versions between: incident %s: %w", vc.IncidentID, err)
			}
		}
		if err := fn(vc); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("versions between: %w", err)
	}
	return nil
}

// RegionDays counts the incidents per region and start day from from to
// to (both included), of the country given (every country when ""). Only
// incidents dated to within a week count: one known only to the month or
// the year cannot be placed in a week.
func (s *Store) RegionDays(ctx context.Context, from, to model.Date, country string) ([]store.RegionDay, error) {
	defer s.op("region_days")()
	q := `SELECT country, admin1, start_date, count(*), coalesce(sum(killed_best), 0)
		FROM incidents
		WHERE start_date >= ? AND start_date <= ? AND julianday(end_date) - julianday(start_date) <= 7`
	args := []any{from.String(), to.String()}
	if country != "" {
		q += ` AND country = ?`
		args = append(args, strings.ToUpper(country))
	}
	q += ` GROUP BY country, admin1, start_date ORDER BY country, admin1, start_date`
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("region days %s–%s: %w", from, to, err)
	}
	defer rows.Close()
	var out []store.RegionDay
	for rows.Next() {
		var d store.RegionDay
		var day string
		if err := rows.Scan(&d.Country, &d.Admin1, &day, &d.Incidents, &d.Killed); err != nil {
			return nil, fmt.Errorf("region days: %w", err)
		}
		if d.Day, err = model.ParseDate(day); err != nil {
			return nil, fmt.Errorf("region days: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("region days: %w", err)
	}
	return out, nil
}

// ReportIDs returns the reports of the current claims of each incident
// asked for, in claim order; incidents it does not know are left out.
func (s *Store) ReportIDs(ctx context.Context, incidentIDs []string) (map[string][]string, error) {
	out := make(map[string][]string, len(incidentIDs))
	if len(incidentIDs) == 0 {
		return out, nil
	}
	list, err := json.Marshal(incidentIDs)
	if err != nil {
		return nil, fmt.Errorf("report ids: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT incident_id, report_id FROM claims
		WHERE incident_id IN (SELECT value FROM json_each(?)) AND superseded_by IS NULL
		ORDER BY incident_id, rowid`, string(list))
	if err != nil {
		return nil, fmt.Errorf("report ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var inc, rep string
		if err := rows.Scan(&inc, &rep); err != nil {
			return nil, fmt.Errorf("report ids: %w", err)
		}
		out[inc] = append(out[inc], rep)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report ids: %w", err)
	}
	return out, nil
}

// alertRows is how many alerts (or outbox items) one INSERT carries:
// an alert storm (a rule matching ten thousand new incidents) is then a
// few hundred statements, not twenty thousand.
const alertRows = 64

// SaveAlerts stores alerts and enqueues their deliveries, all in one
// transaction, and returns each alert's id, or 0 for one that its rule
// raised before with the same key (earlier, or earlier in as): such an
// alert is not stored again and nothing is enqueued for it. The
// deliveries are due at once, whatever time the alert was evaluated at.
func (s *Store) SaveAlerts(ctx context.Context, as []store.NewAlert) ([]int64, error) {
	defer s.op("alerts_save")()
	ids := make([]int64, len(as))
	if len(as) == 0 {
		return ids, nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("save alerts: %w", err)
	}
	defer tx.Rollback()
	type ruleKey struct {
		rule int64
		key  string
	}
	first := map[ruleKey]int{} // the first index of each (rule, key) in as
	var items []any            // the outbox rows' values
	for start := 0; start < len(as); start += alertRows {
		chunk := as[start:min(start+alertRows, len(as))]
		args := make([]any, 0, 10*len(chunk))
		for i, na := range chunk {
			a := na.Alert
			k := ruleKey{a.RuleID, a.Key}
			if _, ok := first[k]; !ok {
				first[k] = start + i
			}
			incs, reps, err := alertLists(a)
			if err != nil {
				return nil, err
			}
			var details any
			if len(a.Details) > 0 {
				details = string(a.Details)
			}
			args = append(args, a.RuleID, a.RuleName, a.Kind, a.Key, micros(a.At), a.Title, a.Summary, incs, reps, details)
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO alerts (rule_id, rule_name, kind, key, at, title, summary, incidents, reports, details)
			VALUES `+placeholders(len(chunk), 10)+` ON CONFLICT (rule_id, key) DO NOTHING RETURNING id, rule_id, key`, args...)
		if err != nil {
			return nil, fmt.Errorf("save alerts: %w", err)
		}
		for rows.Next() {
			var id int64
			var k ruleKey
			if err := rows.Scan(&id, &k.rule, &k.key); err != nil {
				rows.Close()
				return nil, fmt.Errorf("save alerts: %w", err)
			}
			ids[first[k]] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("save alerts: %w", err)
		}
	}
	for i, na := range as {
		if ids[i] == 0 {
			continue
		}
		for _, d := range na.Deliveries {
			items = append(items, ids[i], na.RuleID, d.Channel, d.Target, d.IdemKey, store.OutboxPending)
		}
	}
	for start := 0; start < len(items); start += 6 * alertRows {
		chunk := items[start:min(start+6*alertRows, len(items))]
		if _, err := tx.ExecContext(ctx, `INSERT INTO alert_outbox (alert_id, rule_id, channel, target, idem_key, state)
			VALUES `+placeholders(len(chunk)/6, 6), chunk...); err != nil {
			return nil, fmt.Errorf("save alerts: enqueue: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("save alerts: commit: %w", err)
	}
	return ids, nil
}

// placeholders returns n rows of cols "?" for a multi-row VALUES.
func placeholders(n, cols int) string {
	row := "(?" + strings.Repeat(", ?", cols-1) + ")"
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// alertLists encodes an alert's evidence lists, never as null.
func alertLists(a store.Alert) (incs, reps string, err error) {
	enc := func(l []string) (string, error) {
		if l == nil {
			l = []string{}
		}
		b, err := json.Marshal(l)
		return string(b), err
	}
	if incs, err = enc(a.Incidents); err == nil {
		reps, err = enc(a.Reports)
	}
	if err != nil {
		return "", "", fmt.Errorf("save alert: %w", err)
	}
	return incs, reps, nil
}

const alertCols = `a.id, a.rule_id, a.rule_name, a.kind, a.key, a.at, a.title, a.summary, a.incidents, a.reports, a.details`

// scanAlert reads alertCols followed by extra destinations.
func scanAlert(row interface{ Scan(...any) error }, a *store.Alert, extra ...any) error {
	var at int64
	var incs, reps string
	var details sql.NullString
	dest := append([]any{&a.ID, &a.RuleID, &a.RuleName, &a.Kind, &a.Key, &at, &a.Title, &a.Summary, &incs, &reps, &details}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	a.At = fromMicros(at)
	if err := json.Unmarshal([]byte(incs), &a.Incidents); err != nil {
		return fmt.Errorf("alert %d incidents: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(reps), &a.Reports); err != nil {
		return fmt.Errorf("alert %d reports: %w", a.ID, err)
	}
	if details.Valid {
		a.Details = json.RawMessage(details.String)
	}
	return nil
}

// Alerts returns up to limit alerts (all when limit ≤ 0), newest first.
func (s *Store) Alerts(ctx context.Context, limit int) ([]store.Alert, error) {
	q := `SELECT ` + alertCols + ` FROM alerts a ORDER BY a.at DESC, a.id DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	defer rows.Close()
	var out []store.Alert
	for rows.Next() {
		var a store.Alert
		if err := scanAlert(rows, &a); err != nil {
			return nil, fmt.Errorf("alerts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return out, nil
}

// LeaseOutbox takes up to limit pending items that are due at now and
// not leased by another deliverer (or whose lease ran out), leases them
// until now+lease and returns them with their alerts, oldest first.
func (s *Store) LeaseOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.OutboxItem, error) {
	defer s.op("outbox_lease")()
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("lease outbox: %w", err)
	}
	defer tx.Rollback()
	n := micros(now)
	rows, err := tx.QueryContext(ctx, `UPDATE alert_outbox SET lease_until = ?
		WHERE id IN (SELECT id FROM alert_outbox WHERE state = ? AND next_attempt <= ? AND lease_until <= ?
			ORDER BY next_attempt, id LIMIT ?)
		RETURNING id`, micros(now.Add(lease)), store.OutboxPending, n, n, limit)
	if err != nil {
		return nil, fmt.Errorf("lease outbox: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("lease outbox: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lease outbox: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("lease outbox: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT `+alertCols+`, o.id, o.channel, o.target, o.idem_key, o.state, o.attempts,
		o.next_attempt, o.lease_until, o.delivered, o.last_error
		FROM alert_outbox o JOIN alerts a ON a.id = o.alert_id
		WHERE o.id IN (SELECT value FROM json_each(?)) ORDER BY o.next_attempt, o.id`, string(list))
	if err != nil {
		return nil, fmt.Errorf("lease outbox: %w", err)
	}
	defer rows.Close()
	var out []store.OutboxItem
	for rows.Next() {
		var it store.OutboxItem
		var next, leaseUntil, delivered int64
		if err := scanAlert(rows, &it.Alert, &it.ID, &it.Channel, &it.Target, &it.IdemKey, &it.State, &it.Attempts,
			&next, &leaseUntil, &delivered, &it.LastError); err != nil {
			return nil, fmt.Errorf("lease outbox: %w", err)
		}
		it.NextAttempt, it.LeaseUntil, it.Delivered = fromMicros(next), fromMicros(leaseUntil), fromMicros(delivered)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lease outbox: %w", err)
	}
	rows.Close()
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("lease outbox: commit: %w", err)
	}
	return out, nil
}

// FinishOutbox records what became of a leased item and ends its lease.
func (s *Store) FinishOutbox(ctx context.Context, id int64, r store.OutboxResult) error {
	defer s.op("outbox_finish")()
	failed := 0
	if r.Failed {
		failed = 1
	}
	var delivered int64
	if r.State == store.OutboxDelivered {
		delivered = micros(r.At)
	}
	res, err := s.write.ExecContext(ctx, `UPDATE alert_outbox SET state = ?, attempts = attempts + ?,
		next_attempt = CASE WHEN ? = 0 THEN next_attempt ELSE ? END, lease_until = 0, delivered = ?, last_error = ?
		WHERE id = ?`, r.State, failed, micros(r.NextAttempt), micros(r.NextAttempt), delivered, r.Error, id)
	if err != nil {
		return fmt.Errorf("outbox item %d: finish: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("outbox item %d: finish: %w", id, err)
	} else if n == 0 {
		return notFound("outbox item", strconv.FormatInt(id, 10))
	}
	return nil
}

// LastDelivered returns when the rule's last delivery on a channel to a
// target went out, zero for never: e-mail grouping waits from there.
func (s *Store) LastDelivered(ctx context.Context, ruleID int64, d store.Delivery) (time.Time, error) {
	var t int64
	err := s.read.QueryRowContext(ctx, `SELECT coalesce(max(delivered), 0) FROM alert_outbox
		WHERE rule_id = ? AND channel = ? AND target = ? AND state = ?`, ruleID, d.Channel, d.Target, store.OutboxDelivered).Scan(&t)
	if err != nil {
		return time.Time{}, fmt.Errorf("last delivery of rule %d to %s: %w", ruleID, d.Target, err)
	}
	return fromMicros(t), nil
}

// Outbox returns every outbox item in id order, for inspection.
func (s *Store) Outbox(ctx context.Context) ([]store.OutboxItem, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+alertCols+`, o.id, o.channel, o.target, o.idem_key, o.state, o.attempts,
		o.next_attempt, o.lease_until, o.delivered, o.last_error
		FROM alert_outbox o JOIN alerts a ON a.id = o.alert_id ORDER BY o.id`)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	defer rows.Close()
	var out []store.OutboxItem
	for rows.Next() {
		var it store.OutboxItem
		var next, leaseUntil, delivered int64
		if err := scanAlert(rows, &it.Alert, &it.ID, &it.Channel, &it.Target, &it.IdemKey, &it.State, &it.Attempts,
			&next, &leaseUntil, &delivered, &it.LastError); err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		it.NextAttempt, it.LeaseUntil, it.Delivered = fromMicros(next), fromMicros(leaseUntil), fromMicros(delivered)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return out, nil
}
