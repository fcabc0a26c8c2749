package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// AddAlertRule stores a new rule and returns its id.
func (s *Store) AddAlertRule(ctx context.Context, r store.AlertRule) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO alert_rules (name, kind, spec, created, checked) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		r.Name, r.Kind, string(r.Spec), r.Created, r.Checked).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add alert rule %q: %w", r.Name, err)
	}
	return id, nil
}

// AlertRules returns every rule in id order.
func (s *Store) AlertRules(ctx context.Context) ([]store.AlertRule, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, kind, spec::text, created, checked FROM alert_rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	defer rows.Close()
	var out []store.AlertRule
	for rows.Next() {
		var r store.AlertRule
		var spec string
		if err := rows.Scan(&r.ID, &r.Name, &r.Kind, &spec, &r.Created, &r.Checked); err != nil {
			return nil, fmt.Errorf("alert rules: %w", err)
		}
		r.Spec = json.RawMessage(spec)
		r.Created, r.Checked = r.Created.UTC(), r.Checked.UTC()
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
	tag, err := s.pool.Exec(ctx, `UPDATE alert_rules SET name = $1, kind = $2, spec = $3 WHERE id = $4`,
		r.Name, r.Kind, string(r.Spec), r.ID)
	if err != nil {
		return fmt.Errorf("update alert rule %d: %w", r.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("alert rule", strconv.FormatInt(r.ID, 10))
	}
	return nil
}

// DeleteAlertRule removes a rule, or returns an error wrapping
// store.ErrNotFound. Its alerts stay, and so do their pending deliveries.
func (s *Store) DeleteAlertRule(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM alert_rules WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete alert rule %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("alert rule", strconv.FormatInt(id, 10))
	}
	return nil
}

// SetAlertRuleChecked records that rule id has seen incident versions up
// to t.
func (s *Store) SetAlertRuleChecked(ctx context.Context, id int64, t time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE alert_rules SET checked = $1 WHERE id = $2`, t, id); err != nil {
		return fmt.Errorf("alert rule %d: set checked: %w", id, err)
	}
	return nil
}

// VersionsBetween calls fn with every incident version appended after
// since and up to until, with the version before it, ordered by time.
func (s *Store) VersionsBetween(ctx context.Context, since, until time.Time, fn func(store.VersionChange) error) error {
	defer s.op("versions_between")()
	rows, err := s.pool.Query(ctx, `SELECT v.incident_id, v.version, v.at, v.author, v.reason,
		coalesce(v.doc, i.doc), coalesce(p.doc, CASE WHEN p.version IS NOT NULL THEN i.doc END)
		FROM incident_versions v
		JOIN incidents i ON i.id = v.incident_id
		LEFT JOIN incident_versions p ON p.incident_id = v.incident_id AND p.version = v.version - 1
		WHERE v.at > $1 AND v.at <= $2
		ORDER BY v.at, v.incident_id, v.version`, since, until)
	if err != nil {
		return fmt.Errorf("versions between %s and %s: %w", since, until, err)
	}
	defer rows.Close()
	for rows.Next() {
		var vc store.VersionChange
		var at *time.Time
		var doc, prev []byte
		if err := rows.Scan(&vc.IncidentID, &vc.Version.Version, &at, &vc.Author, &vc.Reason, &doc, &prev); err != nil {
			return fmt.Errorf("versions between: %w", err)
		}
		vc.At = parseTime(at)
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
		WHERE start_date >= $1 AND start_date <= $2 AND end_date - start_date <= 7`
	args := []any{from.Time(), to.Time()}
	if country != "" {
		q += ` AND country = $3`
		args = append(args, strings.ToUpper(country))
	}
	q += ` GROUP BY country, admin1, start_date ORDER BY country, admin1, start_date`
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("region days %s–%s: %w", from, to, err)
	}
	defer rows.Close()
	var out []store.RegionDay
	for rows.Next() {
		var d store.RegionDay
		var day time.Time
		if err := rows.Scan(&d.Country, &d.Admin1, &day, &d.Incidents, &d.Killed); err != nil {
			return nil, fmt.Errorf("region days: %w", err)
		}
		d.Day = model.DateOf(day)
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
	rows, err := s.pool.Query(ctx, `SELECT incident_id, report_id FROM claims
		WHERE incident_id = ANY($1) AND superseded_by IS NULL ORDER BY incident_id, seq`, incidentIDs)
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

// SaveAlerts stores alerts and enqueues their deliveries, all in one
// transaction, and returns each alert's id, or 0 for one that its rule
// raised before with the same key (earlier, or earlier in as): such an
// alert is not stored again and nothing is enqueued for it. The
// deliveries are due at once, whatever time the alert was evaluated at.
//
// The alerts go as columns of arrays in one INSERT … SELECT FROM unnest,
// and so do the deliveries: an alert storm of ten thousand alerts is two
// statements, where one statement an alert took most of a second.
func (s *Store) SaveAlerts(ctx context.Context, as []store.NewAlert) ([]int64, error) {
	defer s.op("alerts_save")()
	ids := make([]int64, len(as))
	if len(as) == 0 {
		return ids, nil
	}
	type ruleKey struct {
		rule int64
		key  string
	}
	first := make(map[ruleKey]int, len(as))
	n := len(as)
	var (
		rules                            = make([]int64, n)
		names, kinds, keys, titles, sums = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		ats                              = make([]time.Time, n)
		incs, reps                       = make([]string, n), make([]string, n)
		details                          = make([]*string, n)
	)
	for i, na := range as {
		a := na.Alert
		k := ruleKey{a.RuleID, a.Key}
		if _, ok := first[k]; !ok {
			first[k] = i
		}
		rules[i], names[i], kinds[i], keys[i], ats[i], titles[i], sums[i] = a.RuleID, a.RuleName, a.Kind, a.Key, a.At, a.Title, a.Summary
		var err error
		if incs[i], err = jsonList(a.Incidents); err == nil {
			reps[i], err = jsonList(a.Reports)
		}
		if err != nil {
			return nil, fmt.Errorf("save alert %d/%s: %w", a.RuleID, a.Key, err)
		}
		if len(a.Details) > 0 {
			d := string(a.Details)
			details[i] = &d
		}
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("save alerts: %w", err)
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `INSERT INTO alerts (rule_id, rule_name, kind, key, at, title, summary, incidents, reports, details)
		SELECT rule_id, rule_name, kind, key, at, title, summary, incidents::jsonb, reports::jsonb, details::jsonb
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[],
			$8::text[], $9::text[], $10::text[])
			AS t (rule_id, rule_name, kind, key, at, title, summary, incidents, reports, details)
		ON CONFLICT (rule_id, key) DO NOTHING RETURNING id, rule_id, key`,
		rules, names, kinds, keys, ats, titles, sums, incs, reps, details)
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
	var alertIDs, ruleIDs []int64
	var chans, targets, idems []string
	for i, na := range as {
		if ids[i] == 0 {
			continue
		}
		for _, d := range na.Deliveries {
			alertIDs, ruleIDs = append(alertIDs, ids[i]), append(ruleIDs, na.RuleID)
			chans, targets, idems = append(chans, d.Channel), append(targets, d.Target), append(idems, d.IdemKey)
		}
	}
	if len(alertIDs) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO alert_outbox (alert_id, rule_id, channel, target, idem_key, state, next_attempt)
			SELECT alert_id, rule_id, channel, target, idem_key, $6, 'epoch'
			FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[]) AS t (alert_id, rule_id, channel, target, idem_key)`,
			alertIDs, ruleIDs, chans, targets, idems, store.OutboxPending); err != nil {
			return nil, fmt.Errorf("save alerts: enqueue: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("save alerts: commit: %w", err)
	}
	return ids, nil
}

// jsonList encodes a list of ids as a JSON array, never null.
func jsonList(l []string) (string, error) {
	if l == nil {
		l = []string{}
	}
	b, err := json.Marshal(l)
	return string(b), err
}

const alertCols = `a.id, a.rule_id, a.rule_name, a.kind, a.key, a.at, a.title, a.summary, a.incidents::text, a.reports::text, a.details::text`

// scanAlert reads alertCols followed by extra destinations.
func scanAlert(row pgx.Row, a *store.Alert, extra ...any) error {
	var incs, reps string
	var details *string
	dest := append([]any{&a.ID, &a.RuleID, &a.RuleName, &a.Kind, &a.Key, &a.At, &a.Title, &a.Summary, &incs, &reps, &details}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	a.At = a.At.UTC()
	if err := json.Unmarshal([]byte(incs), &a.Incidents); err != nil {
		return fmt.Errorf("alert %d incidents: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(reps), &a.Reports); err != nil {
		return fmt.Errorf("alert %d reports: %w", a.ID, err)
	}
	if details != nil {
		a.Details = json.RawMessage(*details)
	}
	return nil
}

// Alerts returns up to limit alerts (all when limit ≤ 0), newest first.
func (s *Store) Alerts(ctx context.Context, limit int) ([]store.Alert, error) {
	q := `SELECT ` + alertCols + ` FROM alerts a ORDER BY a.at DESC, a.id DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT $1`
		args = append(args, limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
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

const outboxCols = `o.id, o.channel, o.target, o.idem_key, o.state, o.attempts, o.next_attempt, o.lease_until, o.delivered, o.last_error`

// scanOutbox reads alertCols and outboxCols.
func scanOutbox(row pgx.Row) (store.OutboxItem, error) {
	var it store.OutboxItem
	var leaseUntil, delivered *time.Time
	if err := scanAlert(row, &it.Alert, &it.ID, &it.Channel, &it.Target, &it.IdemKey, &it.State, &it.Attempts,
		&it.NextAttempt, &leaseUntil, &delivered, &it.LastError); err != nil {
		return store.OutboxItem{}, err
	}
	it.NextAttempt, it.LeaseUntil, it.Delivered = it.NextAttempt.UTC(), parseTime(leaseUntil), parseTime(delivered)
	if it.NextAttempt.Unix() == 0 {
		it.NextAttempt = time.Time{} // due at once, as SQLite's 0
	}
	return it, nil
}

// LeaseOutbox takes up to limit pending items that are due at now and
// not leased by another deliverer (or whose lease ran out), leases them
// until now+lease and returns them with their alerts, oldest first.
// Deliverers running side by side skip each other's rows (SKIP LOCKED).
func (s *Store) LeaseOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.OutboxItem, error) {
	defer s.op("outbox_lease")()
	rows, err := s.pool.Query(ctx, `WITH leased AS (
			UPDATE alert_outbox SET lease_until = $1
			WHERE id IN (SELECT id FROM alert_outbox
				WHERE state = $2 AND next_attempt <= $3 AND (lease_until IS NULL OR lease_until <= $3)
				ORDER BY next_attempt, id LIMIT $4 FOR UPDATE SKIP LOCKED)
			RETURNING *)
		SELECT `+alertCols+`, `+outboxCols+` FROM leased o JOIN alerts a ON a.id = o.alert_id
		ORDER BY o.next_attempt, o.id`, now.Add(lease), store.OutboxPending, now, limit)
	if err != nil {
		return nil, fmt.Errorf("lease outbox: %w", err)
	}
	defer rows.Close()
	var out []store.OutboxItem
	for rows.Next() {
		it, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("lease outbox: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lease outbox: %w", err)
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
	var delivered, next any
	if r.State == store.OutboxDelivered {
		delivered = r.At
	}
	if !r.NextAttempt.IsZero() {
		next = r.NextAttempt
	}
	tag, err := s.pool.Exec(ctx, `UPDATE alert_outbox SET state = $1, attempts = attempts + $2,
		next_attempt = coalesce($3::timestamptz, next_attempt), lease_until = NULL, delivered = $4, last_error = $5
		WHERE id = $6`, r.State, failed, next, delivered, r.Error, id)
	if err != nil {
		return fmt.Errorf("outbox item %d: finish: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("outbox item", strconv.FormatInt(id, 10))
	}
	return nil
}

// LastDelivered returns when the rule's last delivery on a channel to a
// target went out, zero for never: e-mail grouping waits from there.
func (s *Store) LastDelivered(ctx context.Context, ruleID int64, d store.Delivery) (time.Time, error) {
	var t *time.Time
	err := s.pool.QueryRow(ctx, `SELECT max(delivered) FROM alert_outbox
		WHERE rule_id = $1 AND channel = $2 AND target = $3 AND state = $4`, ruleID, d.Channel, d.Target, store.OutboxDelivered).Scan(&t)
	if err != nil {
		return time.Time{}, fmt.Errorf("last delivery of rule %d to %s: %w", ruleID, d.Target, err)
	}
	return parseTime(t), nil
}

// Outbox returns every outbox item in id order, for inspection.
func (s *Store) Outbox(ctx context.Context) ([]store.OutboxItem, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+alertCols+`, `+outboxCols+`
		FROM alert_outbox o JOIN alerts a ON a.id = o.alert_id ORDER BY o.id`)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	defer rows.Close()
	var out []store.OutboxItem
	for rows.Next() {
		it, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return out, nil
}
