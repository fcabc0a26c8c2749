package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vigil-project/vigil/internal/store"
)

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

func TestLoad(t *testing.T) {
	ms, err := Load(mapFS(map[string]string{
		"migrations/0002_b.sql": "B", "migrations/0001_a.sql": "A", "migrations/README": "not sql",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 1 || ms[0].SQL != "A" || ms[1].Name != "0002_b.sql" {
		t.Errorf("got %+v, want 0001_a then 0002_b", ms)
	}
	for name, files := range map[string]map[string]string{
		"gap":        {"migrations/0001_a.sql": "", "migrations/0003_c.sql": ""},
		"unnumbered": {"migrations/init.sql": ""},
		"zero":       {"migrations/0000_a.sql": ""},
		"twice":      {"migrations/0001_a.sql": "", "migrations/1_b.sql": ""},
	} {
		if _, err := Load(mapFS(files)); err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}

// fake is a Target in memory that can fail a given version.
type fake struct {
	version int
	ran     []string
	fail    int
}

func (f *fake) Init(context.Context) error           { return nil }
func (f *fake) Version(context.Context) (int, error) { return f.version, nil }
func (f *fake) Apply(_ context.Context, m Migration) (bool, error) {
	if m.Version == f.fail {
		return false, errors.New("syntax error")
	}
	if f.version >= m.Version {
		return false, nil
	}
	f.ran = append(f.ran, m.Name)
	f.version = m.Version
	return true, nil
}

func TestRun(t *testing.T) {
	ms := []Migration{{1, "0001_a.sql", ""}, {2, "0002_b.sql", ""}, {3, "0003_c.sql", ""}}
	ctx := context.Background()

	f := &fake{version: 1}
	if n, err := Run(ctx, f, ms); err != nil || n != 2 || strings.Join(f.ran, ",") != "0002_b.sql,0003_c.sql" {
		t.Errorf("from version 1: applied %d %v, err %v; want 2: 0002, 0003", n, f.ran, err)
	}
	if n, err := Run(ctx, f, ms); err != nil || n != 0 {
		t.Errorf("again: applied %d, err %v; want 0", n, err)
	}
	if _, err := Run(ctx, &fake{version: 4}, ms); !errors.Is(err, store.ErrSchemaTooNew) {
		t.Errorf("newer database: got %v, want ErrSchemaTooNew", err)
	}
	f = &fake{fail: 2}
	n, err := Run(ctx, f, ms)
	if err == nil || !strings.Contains(err.Error(), "0002_b.sql") || n != 1 || f.version != 1 {
		t.Errorf("failing migration: applied %d, version %d, err %v; want 1 applied, stopped at version 1, an error naming 0002_b.sql", n, f.version, err)
	}
}
