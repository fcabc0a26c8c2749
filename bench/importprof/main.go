// Command importprof runs one vigil command (as cli.Run does for the
// binary) under the CPU profiler, to see where an import's time goes:
//
//	go run ./bench/importprof -cpu cpu.prof -- --db x.db import gtd --no-fuse FILE
//	go tool pprof -top cpu.prof
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"runtime/trace"

	"github.com/vigil-project/vigil/internal/cli"
)

func main() {
	cpu := flag.String("cpu", "", "write a CPU profile to this file")
	tr := flag.String("trace", "", "write an execution trace to this file")
	flag.Parse()
	if err := run(*cpu, *tr, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "importprof:", err)
		os.Exit(1)
	}
}

func run(cpu, tr string, args []string) error {
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if tr != "" {
		f, err := os.Create(tr)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			return err
		}
		defer trace.Stop()
	}
	return cli.Run(context.Background(), cli.OSEnv(), args)
}
