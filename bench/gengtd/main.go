// Command gengtd makes a large GTD-format CSV for benchmarks by repeating
// the rows of a real GTD file with fresh eventids. With -mix, the country
// of each row is rotated through twenty countries so that a query for one
// country selects about a twentieth of the store.
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// mixCountries are GTD country_txt values with their GTD country codes.
var mixCountries = [][2]string{
	{"United States", "217"}, {"Iraq", "95"}, {"Afghanistan", "4"}, {"Pakistan", "153"}, {"India", "92"},
	{"Nigeria", "147"}, {"Philippines", "160"}, {"Somalia", "182"}, {"Yemen", "228"}, {"Syria", "200"},
	{"Iran", "94"}, {"Turkey", "209"}, {"Colombia", "45"}, {"Thailand", "205"}, {"Egypt", "60"},
	{"Libya", "113"}, {"Nepal", "141"}, {"Peru", "159"}, {"United Kingdom", "603"}, {"France", "69"},
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gengtd:", err)
		os.Exit(1)
	}
}

func run() error {
	in := flag.String("in", "", "a GTD CSV file to repeat")
	out := flag.String("out", "", "the file to write")
	n := flag.Int("n", 200000, "rows to write")
	mix := flag.Bool("mix", false, "rotate the country through twenty countries")
	flag.Parse()
	if *in == "" || *out == "" {
		return errors.New("usage: gengtd -in GTD.csv -out OUT.csv [-n 200000] [-mix]")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", *in, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", *in, err)
		}
		rows = append(rows, rec)
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: no rows", *in)
	}
	o, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := csv.NewWriter(o)
	w.UseCRLF = false
	if err := w.Write(header); err != nil {
		return err
	}
	row := make([]string, len(header))
	for i := 0; i < *n; i++ {
		copy(row, rows[i%len(rows)])
		// Fresh 12-digit ids keep the file's shape; "related" would point at
		// the originals, so it is cleared.
		row[col["eventid"]] = fmt.Sprintf("9%011d", i)
		row[col["related"]] = ""
		if *mix {
			c := mixCountries[i%len(mixCountries)]
			row[col["country_txt"]], row[col["country"]] = c[0], c[1]
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return o.Close()
}
