package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsValid(t *testing.T) {
	l, err := Load("", env(nil))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if l.DB != "vigil.db" || l.Serve.Addr != "127.0.0.1:8080" || !l.Serve.Poll || l.Serve.GenerationTTL.Duration != time.Second {
		t.Errorf("got %+v, want the documented defaults", l.Config)
	}
	if len(l.Sources) != 0 {
		t.Errorf("sources %v, want none but defaults", l.Sources)
	}
}

func TestFileThenEnv(t *testing.T) {
	l, err := Load("testdata/full.toml", env(map[string]string{"VIGIL_ADDR": "127.0.0.1:7070", "VIGIL_LOG_LEVEL": "debug"}))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		key       string
		got, want any
		from      Source
	}{
		{"db", l.DB, "postgres://vigil:hunter2hunter2@127.0.0.1:5432/vigil", FromFile},
		{"log.format", l.Log.Format, "json", FromFile},
		{"log.level", l.Log.Level, "debug", FromEnv},
		{"serve.addr", l.Serve.Addr, "127.0.0.1:7070", FromEnv},
		{"serve.poll", l.Serve.Poll, false, FromFile},
		{"serve.generation_ttl", l.Serve.GenerationTTL.Duration, 5 * time.Second, FromFile},
		{"serve.cache_mb", l.Serve.CacheMB, 128, FromFile},
		{"alerts.smtp_password", l.Alerts.SMTPPassword, "mail-secret", FromFile},
	}
	for _, c := range checks {
		if c.got != c.want || l.Sources[c.key] != c.from {
			t.Errorf("%s = %v from %q, want %v from %q", c.key, c.got, l.Sources[c.key], c.want, c.from)
		}
	}
	// A flag outranks both.
	if err := l.Set("serve.addr", "127.0.0.1:1", FromFlag); err != nil || l.Serve.Addr != "127.0.0.1:1" || l.Sources["serve.addr"] != FromFlag {
		t.Errorf("flag: %v, addr %q from %q", err, l.Serve.Addr, l.Sources["serve.addr"])
	}
}

func TestBadInputNamesKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		file string
		env  map[string]string
		want []string // all in the error
	}{
		{"unknown key", write("a.toml", "[serve]\nadr = \"x:1\"\n"), nil, []string{"a.toml", "unknown key serve.adr"}},
		{"syntax", write("b.toml", "db = \"x\"\n[serve\n"), nil, []string{"b.toml:", "table name"}},
		{"wrong type", write("c.toml", "[serve]\npoll = \"sometimes\"\n"), nil, []string{"c.toml", "poll"}},
		{"bad duration", write("d.toml", "[serve]\ngeneration_ttl = \"soon\"\n"), nil, []string{"d.toml", "generation_ttl"}},
		{"bad value", write("e.toml", "[log]\nformat = \"xml\"\n"), nil, []string{"log.format", "xml"}},
		{"env bool", "", map[string]string{"VIGIL_POLL": "maybe"}, []string{"VIGIL_POLL", "serve.poll", "true or false"}},
		{"env addr", "", map[string]string{"VIGIL_ADDR": "8080"}, []string{"serve.addr", "host:port"}},
		{"env int", "", map[string]string{"VIGIL_CACHE_MB": "lots"}, []string{"VIGIL_CACHE_MB", "whole number"}},
		{"mail without sender", "", map[string]string{"VIGIL_SMTP_ADDR": "mail:25"}, []string{"alerts.smtp_from"}},
		{"short secret", "", map[string]string{"VIGIL_WEBHOOK_SECRET": "abc"}, []string{"alerts.webhook_secret", "16"}},
		{"negative retention", "", map[string]string{"VIGIL_RETENTION_RAW_DAYS": "-1"}, []string{"retention.raw_days", "negative"}},
		{"retention not a number", write("f.toml", "[retention]\nraw_days = \"90d\"\n"), nil, []string{"f.toml", "raw_days"}},
		{"alert loop too often", "", map[string]string{"VIGIL_ALERTS_EVERY": "10ms"}, []string{"serve.alerts_every", "at least 1s"}},
		{"alert loop negative", write("g.toml", "[serve]\nalerts_every = \"-1m\"\n"), nil, []string{"serve.alerts_every"}},
		{"bad proxy", write("h.toml", "[serve]\ntrusted_proxies = \"10.0.0.0/8, proxy.local\"\n"), nil, []string{"serve.trusted_proxies", "proxy.local"}},
		{"env bad CIDR", "", map[string]string{"VIGIL_TRUSTED_PROXIES": "10.0.0.0/33"}, []string{"serve.trusted_proxies", "10.0.0.0/33"}},
		{"missing file", filepath.Join(dir, "none.toml"), nil, []string{"none.toml"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(c.file, env(c.env))
			if err == nil {
				t.Fatalf("got no error, want one with %q", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

// TestShowMasksAndRoundTrips: what `vigil config show` prints hides every
// secret, and read back as a file it gives the same configuration
// (secrets aside).
func TestShowMasksAndRoundTrips(t *testing.T) {
	l, err := Load("testdata/full.toml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	l.Show(&b)
	out := b.String()
	for _, secret := range []string{"hunter2hunter2", "mail-secret", "0123456789abcdef0123"} {
		if strings.Contains(out, secret) {
			t.Errorf("show prints the secret %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{`addr = "0.0.0.0:9090"  # file, VIGIL_ADDR`, "postgres://vigil:xxxxx@127.0.0.1:5432/vigil", `format = "json"`} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	// Masked secrets are not what they stand for: leave them out.
	var kept []string
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, "********") {
			kept = append(kept, line)
		}
	}
	p := filepath.Join(t.TempDir(), "shown.toml")
	if err := os.WriteFile(p, []byte(strings.Join(kept, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	back, err := Load(p, env(nil))
	if err != nil {
		t.Fatalf("show's output does not load: %v\n%s", err, out)
	}
	if back.DB != "postgres://vigil:xxxxx@127.0.0.1:5432/vigil" {
		t.Errorf("db read back %q, want the masked URL", back.DB)
	}
	back.Alerts.WebhookSecret, back.Alerts.SMTPPassword, back.DB = l.Alerts.WebhookSecret, l.Alerts.SMTPPassword, l.DB
	if back.Config != l.Config {
		t.Errorf("round trip got %+v, want %+v", back.Config, l.Config)
	}
}

func TestEveryKeyHasEnvAndHelp(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Keys() {
		if k.Env == "" || k.Help == "" || !strings.HasPrefix(k.Env, "VIGIL_") {
			t.Errorf("key %s: env %q help %q, want both, env VIGIL_…", k.Name, k.Env, k.Help)
		}
		if seen[k.Env] || seen[k.Name] {
			t.Errorf("key %s / %s twice", k.Name, k.Env)
		}
		seen[k.Env], seen[k.Name] = true, true
	}
}

func FuzzLoad(f *testing.F) {
	b, _ := os.ReadFile("testdata/full.toml")
	f.Add(string(b))
	f.Add("[serve]\npoll = 1\n")
	f.Fuzz(func(t *testing.T, body string) {
		p := filepath.Join(t.TempDir(), "f.toml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := Load(p, env(nil))
		if err == nil {
			if verr := l.Validate(); verr != nil {
				t.Errorf("Load passed a configuration that Validate refuses: %v", verr)
			}
		}
	})
}

// TestPackagedSample: the sample configuration shipped in packaging/
// loads and keeps the server on loopback.
func TestPackagedSample(t *testing.T) {
	l, err := Load("../../packaging/vigil.toml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if host, _, _ := strings.Cut(l.Serve.Addr, ":"); host != "127.0.0.1" {
		t.Errorf("sample serves on %q, want loopback", l.Serve.Addr)
	}
	if l.Alerts.SMTPPassword != "" || l.Alerts.WebhookSecret != "" {
		t.Error("the sample holds a secret; secrets belong in the environment file")
	}
}

func TestParsePrefixes(t *testing.T) {
	got, err := ParsePrefixes(" 10.0.0.0/8, 192.0.2.7 ,::1, 2001:db8::/32, 10.1.2.3/8,")
	want := "10.0.0.0/8 192.0.2.7/32 ::1/128 2001:db8::/32 10.0.0.0/8"
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	if err != nil || strings.Join(s, " ") != want {
		t.Errorf("got %v (%v), want %s", s, err, want)
	}
	if got, err := ParsePrefixes(""); err != nil || len(got) != 0 {
		t.Errorf("empty: got %v, %v; want none", got, err)
	}
	for _, bad := range []string{"localhost", "10.0.0.0/33", "10.0.0.300", "10.0.0.0/8;1.2.3.4"} {
		if _, err := ParsePrefixes(bad); err == nil || !strings.Contains(err.Error(), "CIDR") {
			t.Errorf("ParsePrefixes(%q): got %v, want an error", bad, err)
		}
	}
}

// FuzzParsePrefixes: any text either parses into networks that print back
// as CIDRs, or is refused with an error; never a panic.
func FuzzParsePrefixes(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8, ::1", "192.0.2.7", "", "x/y", "::ffff:10.0.0.1/104"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParsePrefixes(s)
		if err != nil {
			return
		}
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("ParsePrefixes(%q): %v is not a masked network", s, p)
			}
		}
	})
}
