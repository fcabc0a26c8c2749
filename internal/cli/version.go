package cli

import (
	"context"
	"fmt"
	"runtime"
)

func runVersion(ctx context.Context, env Env, args []string) error {
	fmt.Fprintf(env.Stdout, "vigil %s (%s, %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
