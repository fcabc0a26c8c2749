package cli

import (
	"context"
	"fmt"

	"github.com/vigil-project/vigil/internal/config"
)

const configUsage = `usage: vigil config show|keys|check [--config FILE]

  show    print the effective configuration as TOML, each value with where it
          came from (flag, env, file, default); secrets are masked
  keys    list every setting: file key, environment variable, meaning
  check   load and validate the configuration; nothing printed when good

Settings come from flags first, then the environment (VIGIL_…), then the
file named by --config or VIGIL_CONFIG, then the defaults.
`

func runConfig(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "config", "show|keys|check", &cfg, false, "")
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, configUsage+"\nSettings (file key, environment variable, meaning):\n\n"+config.KeysText())
	}
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprint(env.Stderr, configUsage)
		return usagef("config: want one of show, keys, check")
	}
	switch pos[0] {
	case "show":
		if cfg.Conf.File != "" {
			fmt.Fprintf(env.Stdout, "# vigil configuration: flags, environment, %s, defaults\n", cfg.Conf.File)
		} else {
			fmt.Fprintln(env.Stdout, "# vigil configuration: flags, environment, defaults (no file)")
		}
		cfg.Conf.Show(env.Stdout)
		return nil
	case "keys":
		fmt.Fprint(env.Stdout, config.KeysText())
		return nil
	case "check":
		// parse has loaded and validated it already.
		return nil
	}
	return usagef("config: unknown subcommand %q: want show, keys or check", pos[0])
}
