// Package demo bundles vigil's demo dataset, a curated list of attacks in
// Iran 2017–2024 in the generic CSV format, with its mapping file, so that
// `vigil demo` works from the binary alone. README.md beside this file
// describes the dataset and documents the mapping format.
package demo

import "embed"

// File names inside FS.
const (
	CSVName     = "iran_is_2017_2024.csv"
	MappingName = "iran_is_2017_2024.toml"
)

// FS holds the dataset (CSVName) and its mapping (MappingName).
//
//go:embed iran_is_2017_2024.csv iran_is_2017_2024.toml
var FS embed.FS
