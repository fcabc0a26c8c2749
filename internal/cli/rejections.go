package cli

import (
	"context"
	"fmt"

	"github.com/vigil-project/vigil/internal/export"
)

func runRejections(ctx context.Context, env Env, args []string) error {
	var cfg Config
	var src string
	var limit int
	fs := newFlags(env, "rejections", "", &cfg, true, export.Table)
	fs.StringVar(&src, "source", "", "only this source (gtd, acled, ucdp, gdelt, csv:NAME)")
	fs.IntVar(&limit, "limit", 100, "at most this many (0 for all)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("rejections takes no arguments")
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	rs, err := st.Rejections(ctx, src, limit)
	if err != nil {
		return fmt.Errorf("rejections: %w", err)
	}
	if cfg.Format == export.JSON {
		return writeJSON(env.Stdout, rs)
	}
	if len(rs) == 0 {
		fmt.Fprintln(env.Stdout, "no rejected rows")
	}
	for _, r := range rs {
		field := r.Field
		if field != "" {
			field += ": "
		}
		fmt.Fprintf(env.Stdout, "%s:%d: %s%s  [%s]\n", r.File, r.Line, field, r.Reason, r.Source)
	}
	return nil
}
