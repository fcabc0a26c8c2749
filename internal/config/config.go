// Package config is vigil's one typed configuration: what every command
// and the server read, from flags first, then the environment (VIGIL_…),
// then an optional TOML file (--config vigil.toml, or VIGIL_CONFIG), then
// the defaults, which need nothing set for `make demo`.
//
// The struct below is the single source of truth: its tags give each
// setting's file key, environment variable, help and whether it is a
// secret, and Keys, Show and the documentation are made from them, so a
// new setting cannot be forgotten in one of them.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the effective configuration.
type Config struct {
	DB string `toml:"db" key:"db" env:"VIGIL_DB" secret:"url" help:"SQLite file path or postgres:// URL of the store"`

	Log struct {
		Format string `toml:"format" key:"log.format" env:"VIGIL_LOG_FORMAT" help:"log format: text or json"`
		Level  string `toml:"level" key:"log.level" env:"VIGIL_LOG_LEVEL" help:"least level logged: debug, info, warn or error"`
	} `toml:"log"`

	Serve struct {
		Addr string `toml:"addr" key:"serve.addr" env:"VIGIL_ADDR" help:"address vigil serve listens on (loopback unless told otherwise)"`
		Poll bool   `toml:"poll" key:"serve.poll" env:"VIGIL_POLL" help:"poll the followed feeds while serving"`
		// GenerationTTL bounds how stale a served answer may be.
		GenerationTTL   Duration `toml:"generation_ttl" key:"serve.generation_ttl" env:"VIGIL_GENERATION_TTL" help:"how long the store's generation is trusted before it is read again"`
		CacheMB         int      `toml:"cache_mb" key:"serve.cache_mb" env:"VIGIL_CACHE_MB" help:"memory for cached JSON answers, MiB (negative: no cache)"`
		Public          bool     `toml:"public" key:"serve.public" env:"VIGIL_PUBLIC" help:"let anyone read the dashboard, the API's reads and the facts pages without logging in"`
		InsecureCookies bool     `toml:"insecure_cookies" key:"serve.insecure_cookies" env:"VIGIL_INSECURE_COOKIES" help:"send the session cookie without Secure (plain HTTP on a host other than the loopback)"`
		TrustedProxies  string   `toml:"trusted_proxies" key:"serve.trusted_proxies" env:"VIGIL_TRUSTED_PROXIES" help:"reverse proxies whose X-Forwarded-For is believed, as comma-separated addresses or CIDRs (10.0.0.0/8, ::1); empty: the header is ignored"`
		NATS            string   `toml:"nats" key:"serve.nats" env:"VIGIL_NATS" secret:"url" help:"NATS JetStream URLs: publish due feeds to vigil worker instead of polling them in the server"`
		// AlertsEvery is how often serve evaluates the alert rules and
		// delivers what is due, so that alerts reach people with nothing
		// else running; 0 leaves it to `vigil worker --alerts` or a timer.
		AlertsEvery Duration `toml:"alerts_every" key:"serve.alerts_every" env:"VIGIL_ALERTS_EVERY" help:"how often vigil serve evaluates the alert rules and delivers alerts (0: not in serve; vigil worker --alerts or a timer does it)"`
	} `toml:"serve"`

	Alerts struct {
		WebhookSecret string `toml:"webhook_secret" key:"alerts.webhook_secret" env:"VIGIL_WEBHOOK_SECRET" secret:"yes" help:"HMAC key that signs webhooks"`
		SMTPAddr      string `toml:"smtp_addr" key:"alerts.smtp_addr" env:"VIGIL_SMTP_ADDR" help:"mail server host:port for e-mail alerts"`
		SMTPFrom      string `toml:"smtp_from" key:"alerts.smtp_from" env:"VIGIL_SMTP_FROM" help:"sender address of e-mail alerts"`
		SMTPUser      string `toml:"smtp_user" key:"alerts.smtp_user" env:"VIGIL_SMTP_USER" help:"mail server user name"`
		SMTPPassword  string `toml:"smtp_password" key:"alerts.smtp_password" env:"VIGIL_SMTP_PASSWORD" secret:"yes" help:"mail server password"`
		SMTPCA        string `toml:"smtp_ca" key:"alerts.smtp_ca" env:"VIGIL_SMTP_CA" help:"PEM file of certificates to trust for the mail server instead of the system's"`
	} `toml:"alerts"`

	Retention struct {
		RawDays int `toml:"raw_days" key:"retention.raw_days" env:"VIGIL_RETENTION_RAW_DAYS" help:"days raw report bodies are kept (claims and provenance stay); serve and worker prune older ones once a day; 0 keeps them forever"`
	} `toml:"retention"`
}

// Duration is a time.Duration written as "1s", "5m" in files and the
// environment.
type Duration struct{ time.Duration }

// UnmarshalText reads a duration such as "1s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("want a duration such as 1s or 5m, got %q", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Default returns the configuration with nothing set.
func Default() Config {
	var c Config
	c.DB = "vigil.db"
	c.Log.Format = "text"
	c.Log.Level = "warn"
	c.Serve.Addr = "127.0.0.1:8080"
	c.Serve.Poll = true
	c.Serve.GenerationTTL = Duration{time.Second}
	c.Serve.AlertsEvery = Duration{time.Minute}
	c.Serve.CacheMB = 64
	return c
}

// Source says where a setting's effective value came from.
type Source string

// The sources, from the weakest.
const (
	FromDefault Source = "default"
	FromFile    Source = "file"
	FromEnv     Source = "env"
	FromFlag    Source = "flag"
)

// Loaded is a configuration with where each setting came from.
type Loaded struct {
	Config
	// File is the configuration file read, "" for none.
	File string
	// Sources maps each key that did not come from the defaults to where
	// it came from.
	Sources map[string]Source
}

// Key describes one setting.
type Key struct {
	Name   string // in the file: "serve.addr"
	Env    string // "VIGIL_ADDR"
	Help   string
	Secret bool
	field  []int
}

// Keys lists every setting, in the struct's order.
func Keys() []Key {
	var out []Key
	var walk func(t reflect.Type, idx []int)
	walk = func(t reflect.Type, idx []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			path := append(append([]int(nil), idx...), i)
			if k, ok := f.Tag.Lookup("key"); ok {
				out = append(out, Key{Name: k, Env: f.Tag.Get("env"), Help: f.Tag.Get("help"), Secret: f.Tag.Get("secret") != "", field: path})
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, path)
			}
		}
	}
	walk(reflect.TypeFor[Config](), nil)
	return out
}

// Load reads the file (if file is not "") and the environment over the
// defaults, and validates the result. An error names the file and line or
// the environment variable, and the key.
func Load(file string, getenv func(string) string) (Loaded, error) {
	l := Loaded{Config: Default(), File: file, Sources: map[string]Source{}}
	keys := Keys()
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return l, fmt.Errorf("config %s: %w", file, err)
		}
		if err := l.readFile(file, b, keys); err != nil {
			return l, err
		}
	}
	for _, k := range keys {
		v := getenv(k.Env)
		if v == "" {
			continue
		}
		if err := l.Set(k.Name, v, FromEnv); err != nil {
			return l, fmt.Errorf("config: environment %s: %w", k.Env, err)
		}
	}
	if err := l.Validate(); err != nil {
		return l, err
	}
	return l, nil
}

// readFile decodes a TOML file strictly: an unknown key is an error, so
// that a misspelt setting does not pass for a default.
func (l *Loaded) readFile(file string, b []byte, keys []Key) error {
	var fromFile Config
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&fromFile)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			if pe.LastKey != "" {
				return fmt.Errorf("config %s:%d: %s: %s", file, pe.Position.Line, pe.LastKey, pe.Message)
			}
			return fmt.Errorf("config %s:%d: %s", file, pe.Position.Line, pe.Message)
		}
		return fmt.Errorf("config %s: %w", file, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		names := make([]string, len(und))
		for i, k := range und {
			names[i] = k.String()
		}
		return fmt.Errorf("config %s: unknown key %s (vigil config keys lists them)", file, strings.Join(names, ", "))
	}
	src := reflect.ValueOf(&fromFile).Elem()
	dst := reflect.ValueOf(&l.Config).Elem()
	for _, k := range keys {
		if !md.IsDefined(strings.Split(k.Name, ".")...) {
			continue
		}
		dst.FieldByIndex(k.field).Set(src.FieldByIndex(k.field))
		l.Sources[k.Name] = FromFile
	}
	return nil
}

// Set sets one key from its text form, as given by a flag or the
// environment, and records where it came from.
func (l *Loaded) Set(name, value string, from Source) error {
	for _, k := range Keys() {
		if k.Name != name {
			continue
		}
		f := reflect.ValueOf(&l.Config).Elem().FieldByIndex(k.field)
		if err := setText(f, value); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if l.Sources == nil {
			l.Sources = map[string]Source{}
		}
		l.Sources[name] = from
		return nil
	}
	return fmt.Errorf("no setting %q", name)
}

func setText(f reflect.Value, v string) error {
	if u, ok := f.Addr().Interface().(interface{ UnmarshalText([]byte) error }); ok {
		return u.UnmarshalText([]byte(v))
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(v)
	case reflect.Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		f.SetBool(b)
	case reflect.Int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("want a whole number, got %q", v)
		}
		f.SetInt(int64(n))
	default:
		return fmt.Errorf("cannot set a %s", f.Kind())
	}
	return nil
}

// Validate checks every setting, naming the key of the first bad one.
func (c Config) Validate() error {
	bad := func(key, format string, a ...any) error {
		return fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, a...))
	}
	if c.DB == "" {
		return bad("db", "empty: give a SQLite file path or a postgres:// URL")
	}
	if strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://") {
		if _, err := url.Parse(c.DB); err != nil {
			return bad("db", "not a URL: %v", redactErr(err, c.DB))
		}
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return bad("log.format", "%q: want text or json", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "%q: want debug, info, warn or error", c.Log.Level)
	}
	if _, _, err := net.SplitHostPort(c.Serve.Addr); err != nil {
		return bad("serve.addr", "%q: want host:port", c.Serve.Addr)
	}
	if e := c.Serve.AlertsEvery.Duration; e < 0 || e > 0 && e < time.Second {
		return bad("serve.alerts_every", "%v: want 0 (off) or at least 1s", c.Serve.AlertsEvery)
	}
	if _, err := ParsePrefixes(c.Serve.TrustedProxies); err != nil {
		return bad("serve.trusted_proxies", "%v", err)
	}
	if c.Serve.GenerationTTL.Duration < 0 {
		return bad("serve.generation_ttl", "%v: must not be negative", c.Serve.GenerationTTL)
	}
	if a := c.Alerts.SMTPAddr; a != "" {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return bad("alerts.smtp_addr", "%q: want host:port", a)
		}
		if c.Alerts.SMTPFrom == "" {
			return bad("alerts.smtp_from", "empty while alerts.smtp_addr is set: e-mail needs a sender")
		}
	}
	if d := c.Retention.RawDays; d < 0 {
		return bad("retention.raw_days", "%d: must not be negative (0 keeps raw bodies forever)", d)
	}
	if s := c.Alerts.WebhookSecret; s != "" && len(s) < 16 {
		return bad("alerts.webhook_secret", "%d characters: use at least 16 (a random string), or none", len(s))
	}
	return nil
}

// redactErr keeps a URL's password out of an error message.
func redactErr(err error, raw string) string {
	return strings.ReplaceAll(err.Error(), raw, mask(raw, "url"))
}

// Show writes the effective configuration as TOML that Load reads back,
// secrets masked, each line commented with where its value came from.
func (l Loaded) Show(w io.Writer) {
	v := reflect.ValueOf(l.Config)
	section := ""
	for _, k := range Keys() {
		sec, name, ok := strings.Cut(k.Name, ".")
		if !ok {
			sec, name = "", k.Name
		}
		if sec != section {
			fmt.Fprintf(w, "\n[%s]\n", sec)
			section = sec
		}
		val := v.FieldByIndex(k.field).Interface()
		var text string
		switch x := val.(type) {
		case string:
			if k.Secret {
				x = mask(x, reflect.TypeFor[Config]().FieldByIndex(k.field).Tag.Get("secret"))
			}
			text = strconv.Quote(x)
		case Duration:
			text = strconv.Quote(x.String())
		default:
			text = fmt.Sprint(x)
		}
		from := l.Sources[k.Name]
		if from == "" {
			from = FromDefault
		}
		fmt.Fprintf(w, "%s = %s  # %s, %s\n", name, text, from, k.Env)
	}
}

// mask hides a secret: all of it, or for a URL only its password.
func mask(s, kind string) string {
	if s == "" {
		return ""
	}
	if kind == "url" {
		u, err := url.Parse(s)
		if err != nil || u.User == nil {
			return s
		}
		if _, ok := u.User.Password(); !ok {
			return s
		}
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
		return u.String()
	}
	return "********"
}

// KeysText lists the settings for help pages: key, variable, help.
func KeysText() string {
	var b strings.Builder
	for _, k := range Keys() {
		fmt.Fprintf(&b, "  %-24s %-22s %s\n", k.Name, k.Env, k.Help)
	}
	return b.String()
}

// ParsePrefixes reads a comma-separated list of IP addresses and CIDR
// networks ("10.0.0.0/8, 192.0.2.7, ::1"); a bare address is a network of
// that one address.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q: want an address or a CIDR network (10.0.0.0/8)", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q: want an address or a CIDR network (10.0.0.0/8)", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
