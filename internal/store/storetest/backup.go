package storetest

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// BackupUnderLoad checks a backend's backup: src is a fresh store;
// backup takes a backup of it while another goroutine imports batch
// after batch, and restored opens that backup as a store. The backup must
// hold whole batches only (a consistent snapshot), at least one, and every
// incident in it must equal the source's, with its reports readable.
func BackupUnderLoad(t *testing.T, src Backend, backup func() error, restored func() Backend) {
	t.Helper()
	ctx := t.Context()
	ensure(t, src, GTD)
	const batch, batches = 300, 12
	first := make(chan struct{})
	var wg sync.WaitGroup
	var importErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range batches {
			if _, err := src.ImportBatch(ctx, Synthetic("gtd", i*batch, batch, fetched), at1); err != nil {
				importErr = err
				return
			}
			if i == 1 {
				close(first)
			}
		}
	}()
	<-first
	if err := backup(); err != nil {
		wg.Wait()
		t.Fatalf("backup under load: %v", err)
	}
	wg.Wait()
	if importErr != nil {
		t.Fatalf("import beside the backup: %v", importErr)
	}

	dst := restored()
	got := all(t, dst, store.Filter{})
	if len(got) < 2*batch || len(got)%batch != 0 {
		t.Fatalf("backup holds %d incidents, want a positive multiple of the batch size %d (whole batches only)", len(got), batch)
	}
	t.Logf("backup taken with %d of %d incidents stored", len(got), batch*batches)
	for _, inc := range got {
		want, err := src.Incident(ctx, inc.ID)
		if err != nil {
			t.Fatalf("incident %s of the backup is not in the source: %v", inc.ID, err)
		}
		a, _ := json.Marshal(inc)
		b, _ := json.Marshal(want)
		if string(a) != string(b) {
			t.Fatalf("incident %s differs:\nbackup %s\nsource %s", inc.ID, a, b)
		}
	}
	st, err := dst.Stats(ctx)
	if err != nil || st.Reports != len(got) || st.Claims != len(got) {
		t.Errorf("backup stats %+v, %v; want %d reports and claims", st, err, len(got))
	}
	// Raw reports live in compressed chunks: one from the last batch in
	// the backup must read back exactly.
	last := Synthetic("gtd", len(got)-1, 1, fetched)[0]
	rep, err := dst.Report(ctx, last.Report.ID)
	if err != nil || string(rep.Raw) != string(last.Report.Raw) {
		t.Errorf("report %s from the backup: %v; raw equal %v", last.Report.ID, err, err == nil && string(rep.Raw) == string(last.Report.Raw))
	}
	// The backup is a store like any other: it takes new imports.
	if c, err := dst.ImportBatch(ctx, []model.Record{Synthetic("gtd", batch*batches, 1, fetched)[0]}, at2); err != nil || c.New != 1 {
		t.Errorf("import into the restored store: %+v, %v", c, err)
	}
}
