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
		if start.IsZero() {
			// Incidents of unknown date sort first (NULL start).
			add("(start_date IS NOT NULL OR id > ?)", id)
		} else {
			add("(start_date, id) > (?, ?)", d.Date(start), id)
		}
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}
