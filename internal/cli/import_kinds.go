package cli

import (
	"bytes"
	"io"
	"os"

	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/acled"
	"github.com/vigil-project/vigil/internal/source/claims"
	"github.com/vigil-project/vigil/internal/source/csvmap"
	"github.com/vigil-project/vigil/internal/source/gdelt"
	"github.com/vigil-project/vigil/internal/source/gtd"
	"github.com/vigil-project/vigil/internal/source/ucdp"
)

func isZip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	return bytes.Equal(magic[:n], []byte("PK\x03\x04"))
}

func openGTD(path string, _ importFlags, opts source.Options, progress io.Writer) (source.Reader, io.Closer, error) {
	if isZip(path) { // the XLSX that GTD also ships; read by path for random access
		r, err := gtd.Open(path, opts)
		if err != nil {
			return nil, nil, err
		}
		return r, r, nil
	}
	in, closer, err := openPlain(path, progress)
	if err != nil {
		return nil, nil, err
	}
	r, err := gtd.NewReader(in, opts)
	if err != nil {
		closer.Close()
		return nil, nil, err
	}
	return r, closer, nil
}

func openACLED(path string, _ importFlags, opts source.Options, progress io.Writer) (source.Reader, io.Closer, error) {
	in, closer, err := openPlain(path, progress)
	if err != nil {
		return nil, nil, err
	}
	r, err := acled.NewReader(in, opts)
	if err != nil {
		closer.Close()
		return nil, nil, err
	}
	return r, closer, nil
}

func openUCDP(path string, _ importFlags, opts source.Options, progress io.Writer) (source.Reader, io.Closer, error) {
	in, closer, err := openPlain(path, progress)
	if err != nil {
		return nil, nil, err
	}
	r, err := ucdp.NewReader(in, opts)
	if err != nil {
		closer.Close()
		return nil, nil, err
	}
	return r, closer, nil
}

func openGDELT(path string, fl importFlags, opts source.Options, _ io.Writer) (source.Reader, io.Closer, error) {
	roots := parseList(fl.cameo)
	if len(roots) == 0 {
		return nil, nil, usagef("--cameo: no CAMEO root codes given")
	}
	r, closer, err := gdelt.Open(path, gdelt.Options{Options: opts, CAMEORoots: roots})
	if err != nil {
		return nil, nil, err
	}
	return r, closer, nil
}

func openCSV(path string, fl importFlags, opts source.Options, progress io.Writer) (source.Reader, io.Closer, error) {
	m, err := csvmap.LoadMapping(fl.mapFile)
	if err != nil {
		return nil, nil, err
	}
	in, closer, err := openPlain(path, progress)
	if err != nil {
		return nil, nil, err
	}
	r, err := csvmap.NewReader(in, m, opts)
	if err != nil {
		closer.Close()
		return nil, nil, err
	}
	return r, closer, nil
}

func openClaims(path string, fl importFlags, opts source.Options, progress io.Writer) (source.Reader, io.Closer, error) {
	in, closer, err := openPlain(path, progress)
	if err != nil {
		return nil, nil, err
	}
	r, err := claims.NewReader(in, claims.Options{Options: opts, Country: fl.country})
	if err != nil {
		closer.Close()
		return nil, nil, err
	}
	return r, closer, nil
}
