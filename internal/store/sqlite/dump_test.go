package sqlite

import (
	"testing"

	"github.com/vigil-project/vigil/internal/store/storetest"
)

func TestDumpContract(t *testing.T) {
	storetest.RunDump(t, func(t *testing.T) storetest.DumpBackend { return open(t) })
}
