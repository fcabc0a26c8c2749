// Package cli is vigil's command line: one file per subcommand, each a
// function that parses its flags and returns an error. Only main exits.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/config"
	"github.com/vigil-project/vigil/internal/export"
)

// Env is what a command may touch of the outside world, passed in so that
// tests run commands in-process with their own streams and clock.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
	Log    *slog.Logger
	// Conf is the configuration Run loaded (file, environment, defaults);
	// nil when a command is run without Run, which then loads it itself.
	Conf *config.Loaded
}

// OSEnv returns the process's real environment.
func OSEnv() Env {
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
}

// Config is what every command's flags set: --db and --format, and the
// effective configuration (flags first, then the environment, then the
// --config file, then the defaults) once parse has run.
type Config struct {
	DB     string        // SQLite file path or postgres:// URL
	Format export.Format // output format
	File   string        // --config
	Conf   config.Loaded
}

// UsageError is a mistake in how vigil was called: exit code 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }

// ExitCode maps an error returned by Run to the process exit code:
// 0 done (or help asked for), 1 failed, 2 usage.
func ExitCode(err error) int {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"import", "import a dataset file: gtd, acled, ucdp, gdelt or csv; or a dump: vigil DIR", runImport},
		{"incidents", "list incidents matching filters", runIncidents},
		{"incident", "show one incident with its claims and versions; merge, split or set it", runIncident},
		{"fuse", "fuse the claims not yet fused into incidents (--all: re-fuse everything)", runFuse},
		{"stats", "count what the store holds", runStats},
		{"rejections", "list rows that imports rejected, with file, line, field and reason", runRejections},
		{"analyze", "statistics on a selection: tempo, severity, tail, changepoints, hawkes, report (HTML)", runAnalyze},
		{"forecast", "risk of attacks per region for the next weeks (or months), from the model that backtests best", runForecast},
		{"backtest", "score the forecast models on the past with a rolling origin: Brier, log loss, precision, CRPS, calibration", runBacktest},
		{"prune", "remove raw report bodies older than an age (--raw-older-than 90d, --dry-run); claims and provenance stay", runPrune},
		{"backup", "copy the store, consistently, while it is in use: a SQLite file or a pg_dump archive", runBackup},
		{"restore", "check a backup and restore it into the store --db names (--force to replace one)", runRestore},
		{"export", "dump the whole store (--all DIR) as JSON lines, one file a table, for vigil import vigil DIR", runExport},
		{"feeds", "follow news feeds: add URL, list, rm NAME, poll", runFeeds},
		{"ingest", "store saved feeds, article pages, text files and JSON article lists (offline)", runIngest},
		{"alerts", "alert rules, checks, delivery (webhook, e-mail) and the Atom feed", runAlerts},
		{"demo", "import the bundled demo dataset and show it", runDemo},
		{"extract", "read incident claims from a news text or article list (English, Persian)", runExtract},
		{"worker", "take work from NATS JetStream (fetch, extract, import, fuse) into PostgreSQL; submit files; status", runWorker},
		{"users", "accounts of the web interface: add NAME --role ROLE, list, disable, enable, passwd, role", runUsers},
		{"tokens", "API tokens: add NAME --role ROLE (shown once), list, revoke ID", runTokens},
		{"audit", "list the audit log of changes (--since, --actor, --action) or --verify its hash chain", runAudit},
		{"serve", "serve the JSON API and the dashboard (default on 127.0.0.1:8080)", runServe},
		{"version", "print vigil's version and schema version", runVersion},
		{"completion", "print a shell completion script: bash, zsh or fish", runCompletion},
		{"config", "show the effective configuration (secrets masked), list the settings, check a file", runConfig},
	}
}

// Version is set at build time with -ldflags "-X …/cli.Version=…".
var Version = "dev"

// Run runs vigil with the arguments after the program name.
func Run(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && args[0] == "help" {
		return runHelp(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stderr)
		if len(args) == 0 {
			return usagef("no command given")
		}
		return nil
	}
	// The configuration is loaded before any command runs, so that a bad
	// key stops vigil at once and logging follows it from the start.
	if env.Conf == nil {
		l, err := config.Load(configFile(args, env), env.Getenv)
		if err != nil {
			return &UsageError{Msg: err.Error()}
		}
		env.Conf = &l
		if l.Sources["log.format"] != "" || l.Sources["log.level"] != "" {
			env.Log = newLogger(l.Config, env.Stderr)
		}
	}
	// Global flags may come before the command: vigil --db x.db stats.
	var global []string
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		a := args[0]
		args = args[1:]
		global = append(global, a)
		if !strings.Contains(a, "=") && len(args) > 0 && (a == "--db" || a == "-db" || a == "--format" || a == "-format" || a == "--config" || a == "-config") {
			global = append(global, args[0])
			args = args[1:]
		}
	}
	if len(args) == 0 {
		usage(env.Stderr)
		return usagef("no command given")
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, append(global, args[1:]...))
		}
	}
	usage(env.Stderr)
	return usagef("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "vigil — incidents of political violence from public data, verified and offline")
	fmt.Fprintln(w, "\nusage: vigil [--db PATH|URL] COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n--db takes a SQLite file path (default ./vigil.db) or a postgres:// URL; env VIGIL_DB.")
	fmt.Fprintln(w, "--config FILE (env VIGIL_CONFIG) reads settings from a TOML file; see 'vigil config keys'.")
	fmt.Fprintln(w, "Run 'vigil COMMAND -h' for a command's flags.")
}

// newFlags makes a command's flag set with the shared --db and, when
// withFormat, --format flags bound to cfg.
func newFlags(env Env, name, args string, cfg *Config, withFormat bool, defFormat export.Format) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.StringVar(&cfg.DB, "db", "", "SQLite file path or postgres:// URL (env VIGIL_DB; default ./vigil.db)")
	fs.StringVar(&cfg.File, "config", "", "TOML configuration file (env VIGIL_CONFIG; see vigil config keys)")
	if withFormat {
		cfg.Format = defFormat
		fs.Func("format", "output format: table, json, csv or geojson (default "+string(defFormat)+")", func(s string) error {
			f, err := export.ParseFormat(s)
			cfg.Format = f
			return err
		})
	}
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: vigil %s [flags] %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may come before, between or after positional
// arguments, and fills in configuration from the environment.
func parse(fs *flag.FlagSet, args []string, env Env, cfg *Config) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &UsageError{Msg: err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if env.Conf != nil && cfg.File == "" {
		cfg.Conf = *env.Conf
	} else {
		file := cfg.File
		if file == "" {
			file = env.Getenv("VIGIL_CONFIG")
		}
		l, err := config.Load(file, env.Getenv)
		if err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
		cfg.Conf = l
	}
	if cfg.DB != "" {
		if err := cfg.Conf.Set("db", cfg.DB, config.FromFlag); err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
	}
	cfg.DB = cfg.Conf.DB
	return pos, nil
}

// configFile finds the configuration file named by --config anywhere in
// args, or by VIGIL_CONFIG.
func configFile(args []string, env Env) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		for _, p := range []string{"--config", "-config"} {
			if v, ok := strings.CutPrefix(a, p+"="); ok {
				return v
			}
			if a == p && i+1 < len(args) {
				return args[i+1]
			}
		}
	}
	if env.Getenv == nil {
		return ""
	}
	return env.Getenv("VIGIL_CONFIG")
}

// newLogger makes the logger the configuration asks for, on w.
func newLogger(c config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Log.Level)) // validated by config.Load
	opts := &slog.HandlerOptions{Level: level}
	if c.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
