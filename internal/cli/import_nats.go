package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/vigil-project/vigil/internal/queue"
)

// importChunk is how many records `vigil import --nats` puts in a
// message: the default of `vigil worker submit`, one worker's
// transaction.
const importChunk = 200

// importToQueue is `vigil import --nats`: the files are read here, as an
// import reads them (rows refused become rejections, stored by the
// workers with the records), and their records published as import
// messages for the workers, which store them in PostgreSQL and ask for
// their fusion. Nothing is written to a store here. The message ids are
// hashes of the records, so running the same command twice publishes
// nothing new within the stream's duplicate window, and stores nothing
// twice after it.
func importToQueue(ctx context.Context, env Env, natsURL string, open openFunc, fl importFlags, files []string) error {
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, file := range files {
		if _, err := os.Stat(file); err != nil {
			return fmt.Errorf("import %s: %w", file, err)
		}
	}
	q, err := queue.Connect(ctx, queue.Config{URL: natsURL, Name: "vigil import", Log: log})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer q.Close()
	for _, file := range files {
		n, jobs, err := submitDataset(ctx, env, q, open, fl, file, importChunk)
		if err != nil {
			return fmt.Errorf("import %s: %d records published in %d messages, then: %w", file, n, jobs, err)
		}
		fmt.Fprintf(env.Stdout, "%s: %d records in %d messages published for the workers\n", file, n, jobs)
	}
	return nil
}
