package demo

import (
	"os"
	"testing"
)

// The embedded files must be the ones on disk, byte for byte.
func TestFS(t *testing.T) {
	for _, name := range []string{CSVName, MappingName} {
		got, err := FS.ReadFile(name)
		if err != nil {
			t.Fatalf("embedded %s: %v", name, err)
		}
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("embedded %s: got %d bytes, want the %d on disk", name, len(got), len(want))
		}
	}
}
