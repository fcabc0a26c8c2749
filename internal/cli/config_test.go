package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfigPrecedence: a flag outranks the environment, which outranks
// the file, which outranks the defaults — on the store a command opens.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "vigil.toml")
	fileDB := filepath.Join(dir, "from-file.db")
	if err := os.WriteFile(file, []byte("db = \""+fileDB+"\"\n[serve]\naddr = \"127.0.0.1:9999\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	envDB := filepath.Join(dir, "from-env.db")
	flagDB := filepath.Join(dir, "from-flag.db")
	run := func(vars map[string]string, args ...string) (string, error) {
		var out, errb bytes.Buffer
		env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] },
			Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
		err := Run(context.Background(), env, args)
		return out.String() + errb.String(), err
	}
	cases := []struct {
		name   string
		vars   map[string]string
		args   []string
		wantDB string
	}{
		{"file by flag", nil, []string{"--config", file, "stats"}, fileDB},
		{"file by env", map[string]string{"VIGIL_CONFIG": file}, []string{"stats"}, fileDB},
		{"env over file", map[string]string{"VIGIL_CONFIG": file, "VIGIL_DB": envDB}, []string{"stats"}, envDB},
		{"flag over env", map[string]string{"VIGIL_CONFIG": file, "VIGIL_DB": envDB}, []string{"stats", "--db", flagDB}, flagDB},
		{"config after the command", nil, []string{"stats", "--config=" + file}, fileDB},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if out, err := run(c.vars, c.args...); err != nil {
				t.Fatalf("vigil %v: %v\n%s", c.args, err, out)
			}
			if _, err := os.Stat(c.wantDB); err != nil {
				t.Errorf("store %s not opened: %v", c.wantDB, err)
			}
			for _, db := range []string{fileDB, envDB, flagDB} {
				os.Remove(db)
			}
		})
	}

	out, err := run(map[string]string{"VIGIL_CONFIG": file, "VIGIL_ADDR": "127.0.0.1:7000", "VIGIL_SMTP_PASSWORD": "pw-not-shown"}, "config", "show")
	if err != nil {
		t.Fatalf("config show: %v\n%s", err, out)
	}
	for _, want := range []string{`addr = "127.0.0.1:7000"  # env, VIGIL_ADDR`, `db = "` + fileDB + `"  # file`, `smtp_password = "********"  # env`} {
		if !strings.Contains(out, want) {
			t.Errorf("config show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pw-not-shown") {
		t.Errorf("config show prints a secret:\n%s", out)
	}
}

// TestConfigBadKeyStops: a bad setting stops every command before it
// touches the store, with a usage error naming the key.
func TestConfigBadKeyStops(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(file, []byte("[serve]\npoll = \"often\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "untouched.db")
	for _, args := range [][]string{{"--config", file, "stats"}, {"--config", file, "config", "check"}} {
		_, _, err := vigil(t, db, args...)
		if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), "bad.toml") || !strings.Contains(err.Error(), "poll") {
			t.Errorf("vigil %v: got %v (exit %d), want a usage error naming bad.toml and poll", args, err, ExitCode(err))
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a command with a bad configuration created the store (%v)", err)
	}
}

// TestConfigLogFormat: log.format = json makes the server's logs JSON
// lines, at the level asked for.
func TestConfigLogFormat(t *testing.T) {
	var errb syncBuffer
	db := filepath.Join(t.TempDir(), "v.db")
	mustVigil(t, db, "demo")
	vars := map[string]string{"VIGIL_LOG_FORMAT": "json", "VIGIL_LOG_LEVEL": "info", "VIGIL_DB": db}
	env := Env{Stdin: strings.NewReader(""), Stdout: &syncBuffer{}, Stderr: &errb, Getenv: func(k string) string { return vars[k] }, Now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := Run(ctx, env, []string{"serve", "--public", "--addr", "127.0.0.1:0", "--poll=false"}); err != nil {
		t.Fatalf("serve: %v\n%s", err, errb.String())
	}
	var jsonLines int
	for _, line := range strings.Split(strings.TrimSpace(errb.String()), "\n") {
		if strings.HasPrefix(line, `{"time":`) && strings.Contains(line, `"level":"INFO"`) {
			jsonLines++
		}
	}
	if jsonLines == 0 {
		t.Errorf("no JSON info line on stderr with log.format json, log.level info:\n%s", errb.String())
	}
}
