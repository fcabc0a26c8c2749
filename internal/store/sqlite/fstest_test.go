package sqlite

import (
	"io/fs"
	"testing/fstest"
)

// fstestMap is a file system of file names and contents.
type fstestMap map[string]string

func (m fstestMap) FS() fs.FS {
	fsys := fstest.MapFS{}
	for name, data := range m {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}
