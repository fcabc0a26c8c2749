package plan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// Dialect is what differs between the backends' SQL for a filter.
type Dialect struct {
	// Numbered placeholders ($1, $2…) instead of "?".
	Numbered bool
	// Contains is the function giving the position of its second argument
	// in its first, 0 when absent: instr in SQLite, strpos in PostgreSQL.
	Contains string
	// Date is a date as the backend's date columns compare it.
	Date func(model.Date) any
}

// Where returns the WHERE clause (with a leading space, or "") and its
// arguments that select the incidents f selects, on the incidents
// table's columns (the values stored as Fold and Actors give them).
func Where(f store.Filter, d Dialect) (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		for _, v := range a {
			args = append(args, v)
			if d.Numbered {
				cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
			}
		}
		conds = append(conds, cond)
	}
	if f.Country != "" {
		add("country = ?", strings.ToUpper(f.Country))
	}
	if f.Admin1 != "" {
		add("admin1 = ?", Fold(f.Admin1))
	}
	if f.Actor != "" {
		add(d.Contains+"(actors, ?) > 0", strings.ToLower(f.Actor))
	}
	if f.AttackType != "" {
		add("attack_type = ?", string(f.AttackType))
	}
	if f.Status != "" {
		add("status = ?", string(f.Status))
	}
	if !f.Since.IsZero() {
		add("end_date >= ?", d.Date(f.Since))
	}
	if !f.Until.IsZero() {
		add("start_date <= ?", d.Date(f.Until))
	}
	if f.MinKilled > 0 {
		add("killed_best >= ?", f.MinKilled)
	}
	if f.After != "" {
		start, id, err := store.ParseCursor(f.After)
		if err != nil {
			return "", nil, fmt.Errorf("query incidents: %w", err)
		}
		switch {
		case f.Desc && start.IsZero():
			// Newest first, incidents of unknown date come last.
			add("start_date IS NULL AND id < ?", id)
		case f.Desc:
			// The incidents of unknown date that follow are Listing's
			// second query.
			add("(start_date, id) < (?, ?)", d.Date(start), id)
		case start.IsZero():
			// Incidents of unknown date sort first (NULL start).
			add("(start_date IS NOT NULL OR id > ?)", id)
		default:
			add("(start_date, id) > (?, ?)", d.Date(start), id)
		}
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// Listing returns the WHERE clauses, with their arguments, whose results,
// each in the order OrderBy gives and one after the other, list f in its
// sort order. It is one clause except newest first after a cursor of a
// dated incident: the dated incidents before the cursor, then those of
// unknown date, which sort last. (One clause with an OR would lose the
// index's order and sort the whole remainder.)
//
// floor, when not zero, is a date no later than the start of any incident
// f selects (see SinceFloor): the listing seeks the start index to it.
func Listing(f store.Filter, d Dialect, floor model.Date) ([]string, [][]any, error) {
	w, a, err := Where(f, d)
	if err != nil {
		return nil, nil, err
	}
	if !floor.IsZero() {
		w, a = and(w, "start_date >= ?", d), append(a, d.Date(floor))
	}
	if !f.Desc || f.After == "" {
		return []string{w}, [][]any{a}, nil
	}
	start, _, _ := store.ParseCursor(f.After)
	if start.IsZero() {
		return []string{w}, [][]any{a}, nil
	}
	g := f
	g.After = ""
	w2, a2, err := Where(g, d)
	if err != nil {
		return nil, nil, err
	}
	return []string{w, and(w2, "start_date IS NULL", d)}, [][]any{a, a2}, nil
}

// and adds a condition with at most one placeholder, numbered after the
// n already in where when the dialect numbers them, to a WHERE clause.
func and(where, cond string, d Dialect) string {
	if d.Numbered && strings.Contains(cond, "?") {
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(strings.Count(where, "$")+1), 1)
	}
	if where == "" {
		return " WHERE " + cond
	}
	return where + " AND " + cond
}

// Probe is how many incidents spanning several days SinceFloor reads in
// start order before it asks the index by end instead.
const Probe = 64

// SinceFloor is the start of the listing of incidents since a day: the
// earliest start of the incidents that straddle since (start before it,
// end on or after it), else since itself. A page since a recent day then
// seeks the start index instead of walking it from the oldest incident,
// whose end the filter tests one by one.
//
// first are the first spanning incidents starting before since, in start
// order, at most Probe of them (from the partial index
// incidents_spanning_start): the first of them that straddles since is
// the answer, and fewer than Probe without one mean there is none. Only
// when Probe of them end before since is byEnd called: the earliest start
// of those straddling since, found through incidents_spanning by end
// (zero when none), which is short then, as since is late.
func SinceFloor(since model.Date, first []Span, byEnd func() (model.Date, error)) (model.Date, error) {
	for _, sp := range first {
		if !sp.End.Before(since) {
			return sp.Start, nil
		}
	}
	if len(first) < Probe {
		return since, nil
	}
	d, err := byEnd()
	if err != nil || d.IsZero() {
		return since, err
	}
	return d, nil
}

// Span is an incident's start and end dates.
type Span struct{ Start, End model.Date }

// OrderBy is the ORDER BY clause (with a leading space) of a listing of
// f. nullsFirst is what the backend's ascending order needs to put
// incidents of unknown date first (" NULLS FIRST" in PostgreSQL, whose
// index is so ordered; "" in SQLite, where NULL is smallest).
func OrderBy(f store.Filter, nullsFirst string) string {
	if f.Desc {
		nullsLast := ""
		if nullsFirst != "" {
			nullsLast = " NULLS LAST"
		}
		return " ORDER BY start_date DESC" + nullsLast + ", id DESC"
	}
	return " ORDER BY start_date" + nullsFirst + ", id"
}
