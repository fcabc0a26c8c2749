package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/auth"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/store"
)

const tokensUsage = "usage: vigil tokens add NAME --role ROLE | list | revoke ID"

func runTokens(ctx context.Context, env Env, args []string) error {
	return runSubcommands(ctx, env, args, "tokens", tokensUsage, []subcommand{
		{[]string{"add"}, runTokensAdd},
		{[]string{"list", "ls"}, runTokensList},
		{[]string{"revoke"}, runTokensRevoke},
	})
}

func runTokensAdd(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "tokens add", "NAME --role ROLE", &cfg, false, "")
	role := fs.String("role", "", "what the token may do: admin, analyst or viewer (required)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *role == "" {
		return usagef("usage: vigil tokens add NAME --role admin|analyst|viewer")
	}
	r, err := store.ParseRole(*role)
	if err != nil {
		return usagef("tokens add: %v", err)
	}
	st, err := openTeamStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	tok, hash := auth.NewToken()
	t, err := st.CreateToken(ctx, store.NewToken{Name: pos[0], Role: r, Hash: hash, Creator: audit.CLIActor(), Created: env.Now()})
	if err != nil {
		return fmt.Errorf("tokens add: %w", err)
	}
	fmt.Fprintf(env.Stdout, "added token %d (%s, %s)\n", t.ID, t.Name, t.Role)
	fmt.Fprintf(env.Stdout, "token (shown once, store it now): %s\n", tok)
	return record(ctx, env, st, audit.TokenAdd, strconv.FormatInt(t.ID, 10), map[string]any{"name": t.Name, "role": t.Role})
}

func runTokensList(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "tokens list", "", &cfg, true, export.Table)
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("tokens list takes no arguments")
	}
	if err := tableOrJSON("tokens list", cfg); err != nil {
		return err
	}
	st, err := openTeamStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	toks, err := st.Tokens(ctx)
	if err != nil {
		return fmt.Errorf("tokens list: %w", err)
	}
	if cfg.Format == export.JSON {
		return writeJSONList(env.Stdout, toks)
	}
	if len(toks) == 0 {
		fmt.Fprintln(env.Stdout, "no tokens: add one with 'vigil tokens add NAME --role viewer'")
		return nil
	}
	never := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format(time.RFC3339)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tBY\tLAST USED\tREVOKED")
	for _, t := range toks {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.Created.Format(time.RFC3339), t.Creator, never(t.LastUsed), never(t.Revoked))
	}
	return tw.Flush()
}

func runTokensRevoke(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "tokens revoke", "ID", &cfg, false, "")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: vigil tokens revoke ID")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id < 1 {
		return usagef("tokens revoke: %q is not a token id (see vigil tokens list)", pos[0])
	}
	st, err := openTeamStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RevokeToken(ctx, id, env.Now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("tokens revoke: no token %d", id)
		}
		return fmt.Errorf("tokens revoke: %w", err)
	}
	fmt.Fprintf(env.Stdout, "revoked token %d\n", id)
	return record(ctx, env, st, audit.TokenRevoke, pos[0], nil)
}
