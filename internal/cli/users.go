package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/auth"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/store"
)

// teamStore is what the users, tokens and audit commands need of a
// store; both backends have these methods.
type teamStore interface {
	backend
	CreateUser(ctx context.Context, u store.NewUser) (store.User, error)
	User(ctx context.Context, name string) (store.User, error)
	Users(ctx context.Context) ([]store.User, error)
	UpdateUser(ctx context.Context, name string, up store.UserUpdate) (store.User, error)
	CreateToken(ctx context.Context, t store.NewToken) (store.APIToken, error)
	Tokens(ctx context.Context) ([]store.APIToken, error)
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	Audit(ctx context.Context, f store.AuditFilter, fn func(store.AuditEntry) error) error
}

// openTeamStore opens the store a --db value names, as a teamStore.
func openTeamStore(ctx context.Context, dsn string) (teamStore, error) {
	st, err := openStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	ts, ok := st.(teamStore)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("store %T cannot hold accounts", st)
	}
	return ts, nil
}

// subcommand is one word of a command with subcommands (users add, …).
type subcommand struct {
	names []string
	run   func(ctx context.Context, env Env, args []string) error
}

// runSubcommands finds the subcommand in args, after the global flags
// Run put first, and runs it with the other arguments. -h prints every
// subcommand's flags, which `vigil help CMD` and the completions read.
func runSubcommands(ctx context.Context, env Env, args []string, cmd, usageLine string, subs []subcommand) error {
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-h" && args[i] != "--help" {
		if !strings.Contains(args[i], "=") {
			i++
		}
		i++
	}
	if i >= len(args) {
		return usagef("%s", usageLine)
	}
	sub, rest := args[i], append(append([]string{}, args[:i]...), args[i+1:]...)
	if sub == "-h" || sub == "--help" || sub == "help" {
		fmt.Fprintln(env.Stderr, usageLine)
		for _, s := range subs {
			fmt.Fprintln(env.Stderr)
			s.run(ctx, env, []string{"-h"})
		}
		return flag.ErrHelp
	}
	for _, s := range subs {
		for _, n := range s.names {
			if n == sub {
				return s.run(ctx, env, rest)
			}
		}
	}
	return usagef("%s: unknown subcommand %q\n%s", cmd, sub, usageLine)
}

const usersUsage = "usage: vigil users add NAME --role ROLE [--password-stdin] | list | disable NAME | enable NAME | passwd NAME [--password-stdin] | role NAME ROLE"

func runUsers(ctx context.Context, env Env, args []string) error {
	return runSubcommands(ctx, env, args, "users", usersUsage, []subcommand{
		{[]string{"add"}, runUsersAdd},
		{[]string{"list", "ls"}, runUsersList},
		{[]string{"disable"}, func(ctx context.Context, env Env, args []string) error {
			return runUsersSetDisabled(ctx, env, args, true)
		}},
		{[]string{"enable"}, func(ctx context.Context, env Env, args []string) error {
			return runUsersSetDisabled(ctx, env, args, false)
		}},
		{[]string{"passwd"}, runUsersPasswd},
		{[]string{"role"}, runUsersRole},
	})
}

// readPassword reads a password from the first line of stdin, so that it
// never appears in the process list or the shell's history.
func readPassword(env Env) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(env.Stdin, auth.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := auth.CheckPassword(pw); err != nil {
		return "", usagef("--password-stdin: %v", err)
	}
	return pw, nil
}

// newPassword returns the password to set and whether it was generated.
func newPassword(env Env, fromStdin bool) (string, bool, error) {
	if fromStdin {
		pw, err := readPassword(env)
		return pw, false, err
	}
	return auth.GeneratePassword(), true, nil
}

func runUsersAdd(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "users add", "NAME --role ROLE", &cfg, false, "")
	role := fs.String("role", "", "the account's role: admin, analyst or viewer (required)")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin (else one is generated and printed once)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *role == "" {
		return usagef("usage: vigil users add NAME --role admin|analyst|viewer [--password-stdin]")
	}
	r, err := store.ParseRole(*role)
	if err != nil {
		return usagef("users add: %v", err)
	}
	name, err := auth.CheckName(pos[0])
	if err != nil {
		return usagef("users add: %v", err)
	}
	pw, generated, err := newPassword(env, *stdin)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	st, err := openTeamStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.Users(ctx)
	if err != nil {
		return fmt.Errorf("users add: %w", err)
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Name
	}
	if other, ok := auth.LookAlike(name, names); ok {
		return fmt.Errorf("users add: name %q: %w %q", name, auth.ErrLookAlike, other)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Name: name, Role: r, PasswordHash: hash, Created: env.Now()})
	if errors.Is(err, store.ErrExists) {
		return fmt.Errorf("users add: an account named %q exists already", name)
	}
	if err != nil {
		return fmt.Errorf("users add: %w", err)
	}
	fmt.Fprintf(env.Stdout, "added %s %s\n", u.Role, u.Name)
	if generated {
		fmt.Fprintf(env.Stdout, "password (shown once, store it now): %s\n", pw)
	}
	return record(ctx, env, st, audit.UserAdd, u.Name, map[string]any{"role": u.Role, "password_generated": generated})
}

func runUsersList(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "users list", "", &cfg, true, export.Table)
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("users list takes no arguments")
	}
	if err := tableOrJSON("users list", cfg); err != nil {
		return err
	}
	st, err := openTeamStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.Users(ctx)
	if err != nil {
		return fmt.Errorf("users list: %w", err)
	}
	if cfg.Format == export.JSON {
		return writeJSONList(env.Stdout, users)
	}
	if len(users) == 0 {
		fmt.Fprintln(env.Stdout, "no accounts: add one with 'vigil users add NAME --role admin'")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tSTATE\tCREATED")
	for _, u := range users {
		state := "active"
		if u.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, state, u.Created.Format(time.RFC3339))
	}
	return tw.Flush()
}

// updateUser applies up to the named account and records action.
func updateUser(ctx context.Context, env Env, cfg Config, cmd, name string, up store.UserUpdate, action string, details func(old store.User) any) (store.User, error) {
	st, err := openTeamStore(ctx, cfg.DB)
	if err != nil {
		return store.User{}, err
	}
	defer st.Close()
	old, err := st.User(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, fmt.Errorf("%s: no account named %q", cmd, name)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("%s: %w", cmd, err)
	}
	u, err := st.UpdateUser(ctx, name, up)
	if err != nil {
		return store.User{}, fmt.Errorf("%s: %w", cmd, err)
	}
	return u, record(ctx, env, st, action, name, details(old))
}

func runUsersSetDisabled(ctx context.Context, env Env, args []string, disabled bool) error {
	verb, action := "enable", audit.UserEnable
	if disabled {
		verb, action = "disable", audit.UserDisable
	}
	var cfg Config
	fs := newFlags(env, "users "+verb, "NAME", &cfg, false, "")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: vigil users %s NAME", verb)
	}
	if _, err := updateUser(ctx, env, cfg, "users "+verb, pos[0], store.UserUpdate{Disabled: &disabled}, action,
		func(old store.User) any { return map[string]bool{"was_disabled": old.Disabled} }); err != nil {
		return err
	}
	if disabled {
		fmt.Fprintf(env.Stdout, "disabled %s: its sessions are ended and it cannot log in\n", pos[0])
	} else {
		fmt.Fprintf(env.Stdout, "enabled %s\n", pos[0])
	}
	return nil
}

func runUsersPasswd(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "users passwd", "NAME", &cfg, false, "")
	stdin := fs.Bool("password-stdin", false, "read the new password from the first line of stdin (else one is generated and printed once)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: vigil users passwd NAME [--password-stdin]")
	}
	pw, generated, err := newPassword(env, *stdin)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	if _, err := updateUser(ctx, env, cfg, "users passwd", pos[0], store.UserUpdate{PasswordHash: &hash}, audit.UserPassword,
		func(store.User) any { return map[string]bool{"password_generated": generated} }); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "changed the password of %s: its sessions are ended\n", pos[0])
	if generated {
		fmt.Fprintf(env.Stdout, "password (shown once, store it now): %s\n", pw)
	}
	return nil
}

func runUsersRole(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "users role", "NAME ROLE", &cfg, false, "")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("usage: vigil users role NAME admin|analyst|viewer")
	}
	r, err := store.ParseRole(pos[1])
	if err != nil {
		return usagef("users role: %v", err)
	}
	if _, err := updateUser(ctx, env, cfg, "users role", pos[0], store.UserUpdate{Role: &r}, audit.UserRole,
		func(old store.User) any { return map[string]store.Role{"from": old.Role, "to": r} }); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s is now %s\n", pos[0], r)
	return nil
}
