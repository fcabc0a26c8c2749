// Package actors is vigil's one list of the armed groups and state forces
// it knows by name, with their aliases in every script, their branches
// (the Khorasan Province of the Islamic State) and whether they are state
// forces. Extraction finds these names in text; fusion compares the
// perpetrators of claims through them. Keeping a single embedded table
// means a new alias added for one step is known to the other.
//
// The package sits low in the flow: it imports nothing of vigil and holds
// no state that changes.
package actors

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
)

//go:embed actors.tsv
var actorsTSV string

// maxDepth bounds how deep branches nest.
const maxDepth = 8

// Actor is one group or state force.
type Actor struct {
	// Key is the canonical key (lower-case ASCII, underscores).
	Key string
	// Parent is the key of the group this one is a branch of, "" for none.
	Parent string
	// Name is the display name (the first name of its line).
	Name string
	// State marks a state force, whose strikes are state actions.
	State bool
	// Names are all its names, the display name first.
	Names []Name
}

// Name is one name of an actor.
type Name struct {
	Text string
	// FieldOnly names are matched only as a whole value (a dataset's
	// perpetrator column), never searched for in running text: "IS" is
	// also an English verb.
	FieldOnly bool
}

// All returns the embedded table in file order. The table is compiled in
// and checked by the package's tests; should it ever fail to parse, All
// returns the actors read before the bad line rather than panicking.
func All() []Actor {
	return table().list
}

// ByKey returns the actor with that key.
func ByKey(key string) (Actor, bool) {
	i, ok := table().byKey[key]
	if !ok {
		return Actor{}, false
	}
	return table().list[i], true
}

// Root returns the key of the outermost group that key is a branch of
// (key itself when it is no branch, or unknown).
func Root(key string) string {
	for i := 0; i < maxDepth; i++ {
		a, ok := ByKey(key)
		if !ok || a.Parent == "" {
			break
		}
		key = a.Parent
	}
	return key
}

type parsed struct {
	list  []Actor
	byKey map[string]int
}

var table = sync.OnceValue(func() parsed {
	list, _ := Parse(actorsTSV)
	p := parsed{list: list, byKey: make(map[string]int, len(list))}
	for i, a := range list {
		p.byKey[a.Key] = i
	}
	return p
})

// Parse reads a table in the format of actors.tsv (described at its top).
// It checks that keys are unique, that a name names one actor only
// (compared case- and punctuation-insensitively), that parents exist and
// that branches do not nest in a cycle. On an error it returns the actors
// read so far and an error naming the line.
func Parse(s string) ([]Actor, error) {
	var out []Actor
	keys := map[string]int{}     // key → line
	names := map[string]string{} // folded name → key
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) != 4 {
			return out, fmt.Errorf("actors.tsv:%d: %d fields, want 4 (key, parent, state, names)", line, len(f))
		}
		a := Actor{Key: strings.TrimSpace(f[0]), Parent: strings.TrimSpace(f[1])}
		if !validKey(a.Key) {
			return out, fmt.Errorf("actors.tsv:%d: key %q: want lower-case ASCII letters, digits and underscores", line, a.Key)
		}
		if a.Parent == "-" {
			a.Parent = ""
		}
		switch strings.TrimSpace(f[2]) {
		case "1":
			a.State = true
		case "0":
		default:
			return out, fmt.Errorf("actors.tsv:%d: state %q, want 0 or 1", line, f[2])
		}
		if prev, dup := keys[a.Key]; dup {
			return out, fmt.Errorf("actors.tsv:%d: key %q already on line %d", line, a.Key, prev)
		}
		for n := range strings.SplitSeq(f[3], "|") {
			nm := Name{Text: strings.TrimSpace(n)}
			if rest, ok := strings.CutPrefix(nm.Text, "="); ok {
				nm = Name{Text: strings.TrimSpace(rest), FieldOnly: true}
			}
			k := fold(nm.Text)
			if k == "" {
				return out, fmt.Errorf("actors.tsv:%d: %s: an empty name", line, a.Key)
			}
			if o, dup := names[k]; dup && o != a.Key {
				return out, fmt.Errorf("actors.tsv:%d: name %q already names %s", line, nm.Text, o)
			}
			names[k] = a.Key
			a.Names = append(a.Names, nm)
		}
		a.Name = a.Names[0].Text
		keys[a.Key] = line
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("actors.tsv:%d: %w", line+1, err)
	}
	parent := map[string]string{}
	for _, a := range out {
		parent[a.Key] = a.Parent
	}
	for _, a := range out {
		if a.Parent == "" {
			continue
		}
		if _, ok := keys[a.Parent]; !ok {
			return out, fmt.Errorf("actors.tsv:%d: %s: parent %q is not a key", keys[a.Key], a.Key, a.Parent)
		}
		p, n := a.Key, 0
		for ; parent[p] != "" && n <= maxDepth; n++ {
			p = parent[p]
		}
		if n > maxDepth {
			return out, fmt.Errorf("actors.tsv:%d: %s: branches nest deeper than %d or form a cycle", keys[a.Key], a.Key, maxDepth)
		}
	}
	return out, nil
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// fold is the key under which Parse checks that a name names one actor:
// lower case, letters and digits only. Extraction and fusion normalise
// names further (Arabic letter variants, diacritics) for their own
// matching, and check the table against that in their tests.
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// AliasLines returns the table as "perpetrator" lines of fusion's alias
// format (kind, key, parent, names: the display name first), so that
// fusion reads its groups from here and keeps only places of its own.
func AliasLines() string {
	var b strings.Builder
	for _, a := range All() {
		parent := a.Parent
		if parent == "" {
			parent = "-"
		}
		b.WriteString("perpetrator\t" + a.Key + "\t" + parent + "\t")
		for i, n := range a.Names {
			if i > 0 {
				b.WriteByte('|')
			}
			b.WriteString(n.Text)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
