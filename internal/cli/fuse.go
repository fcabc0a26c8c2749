package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// fuseBackend is what the fusion commands need of a store beyond backend.
type fuseBackend interface {
	backend
	fuse.Store
	RetiredIncident(ctx context.Context, id string) (fuse.Retired, error)
	IncidentHistory(ctx context.Context, id string) ([]store.Version, error)
	Report(ctx context.Context, id string) (model.Report, error)
}

// asFuse returns the store's fusion methods; both backends have them.
func asFuse(st backend) (fuseBackend, error) {
	fb, ok := st.(fuseBackend)
	if !ok {
		return nil, fmt.Errorf("store %T cannot fuse", st)
	}
	return fb, nil
}

func runFuse(ctx context.Context, env Env, args []string) error {
	var cfg Config
	var all bool
	fs := newFlags(env, "fuse", "", &cfg, true, export.Table)
	fs.BoolVar(&all, "all", false, "re-fuse every claim from scratch (EM training, clustering, reconciliation) instead of only the claims not yet fused")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("fuse takes no arguments, got %q", pos[0])
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	fb, err := asFuse(st)
	if err != nil {
		return err
	}
	opts := fuse.RunOptions{At: env.Now()}
	var sum fuse.Summary
	if all {
		sum, err = fuse.All(ctx, fb, opts)
	} else {
		sum, err = fuse.Incremental(ctx, fb, opts)
	}
	if err != nil {
		return err
	}
	if cfg.Format == export.JSON {
		err = json.NewEncoder(env.Stdout).Encode(sum)
	} else {
		printFuseSummary(env, sum)
	}
	if sum.Claims > 0 || sum.Full {
		err = errors.Join(err, record(ctx, env, st, audit.Fuse, "", fuseDetails(sum)))
	}
	return err
}

func printFuseSummary(env Env, sum fuse.Summary) {
	if sum.Full {
		fmt.Fprintf(env.Stdout, "re-fused %d claims into %d incidents: %d versions written, %d incidents merged into others\n",
			sum.Claims, sum.Incidents, sum.Versions, sum.Retired)
		return
	}
	fmt.Fprintf(env.Stdout, "fused %d claims: %d joined another incident, %d on their own; %d versions written, %d incidents merged into others\n",
		sum.Claims, sum.Attached, sum.Alone, sum.Versions, sum.Retired)
}

// fuseAfterImport fuses what an import stored; the summary line goes to
// stdout in table format only, so that --format json stays one object a file.
func fuseAfterImport(ctx context.Context, env Env, st backend, f export.Format) error {
	fb, err := asFuse(st)
	if err != nil {
		return err
	}
	sum, err := fuse.Incremental(ctx, fb, fuse.RunOptions{At: env.Now()})
	if err != nil {
		return fmt.Errorf("fuse after import: %w", err)
	}
	if sum.Claims == 0 {
		return nil
	}
	if f != export.JSON {
		printFuseSummary(env, sum)
	}
	return record(ctx, env, st, audit.Fuse, "", fuseDetails(sum))
}

// constraintError maps a refused correction to a usage error.
func constraintError(err error) error {
	if errors.Is(err, fuse.ErrConstraint) {
		return usagef("%v", err)
	}
	return err
}
