// Command vigil imports, fuses, analyses and serves incidents of terrorist
// and political violence from public data. main only wires: it parses
// nothing itself, calls cli.Run and turns its error into an exit code.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/vigil-project/vigil/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, cli.OSEnv(), os.Args[1:])
	stop()
	code := cli.ExitCode(err)
	if code != 0 {
		fmt.Fprintln(os.Stderr, "vigil: "+err.Error())
	}
	os.Exit(code)
}
