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
	// Least is the function giving the smallest of its arguments: min in
	// SQLite, least in PostgreSQL.
	Least string
	// SpanStart is the earliest start of the incidents spanning several
	// days that end on or after its one argument, as the backend's
	// planner reads it from the partial index incidents_spanning: left to
	// themselves both planners walk the start index for min(start_date),
	// from the oldest incident, which is what the bound is to avoid.
	SpanStart string
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
		// The same set bounded on the start too, which the listing's
		// (start_date, id) index can seek to: without it a page since a
		// recent day walked the index from the oldest incident. Only an
		// incident spanning several days can end on or after Since and
		// start before it; the partial index incidents_spanning finds the
		// earliest such start at once.
		if d.Least != "" {
			since := d.Date(f.Since)
			add("start_date >= "+d.Least+"(?, coalesce(("+d.SpanStart+"), ?))", since, since, since)
		}
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
func Listing(f store.Filter, d Dialect) ([]string, [][]any, error) {
	w, a, err := Where(f, d)
	if err != nil {
		return nil, nil, err
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
	if w2 == "" {
		w2 = " WHERE start_date IS NULL"
	} else {
		w2 += " AND start_date IS NULL"
	}
	return []string{w, w2}, [][]any{a, a2}, nil
}

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
