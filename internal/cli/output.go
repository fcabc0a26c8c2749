package cli

import (
	"encoding/json"
	"io"

	"github.com/vigil-project/vigil/internal/export"
)

// Most commands that list records write them as a table for a person or
// as JSON for a script; these are the pieces they share.

// tableOrJSON refuses, as a usage error naming the command, any --format
// but those two: the export formats (csv, geojson…) are for incidents.
func tableOrJSON(cmd string, cfg Config) error {
	if cfg.Format != export.Table && cfg.Format != export.JSON {
		return usagef("%s: --format %s not supported: use table or json", cmd, cfg.Format)
	}
	return nil
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeJSONList writes xs as an indented JSON array, [] when there are
// none: a script iterates over the answer without a null check.
func writeJSONList[T any](w io.Writer, xs []T) error {
	if xs == nil {
		xs = []T{}
	}
	return writeJSON(w, xs)
}
