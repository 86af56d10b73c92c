// Command gen writes the data files embedded by package comuni from ANPR's
// archives. It is run by go generate in internal/comuni:
//
//	go generate ./internal/comuni/
//
// Inputs (read-only, CC BY 4.0, ANPR via github.com/italia/anpr):
//
//	<src>/ANPR_archivio_comuni.csv        every comune since 1861
//	<src>/anpr-tabelle/tab_stati_esteri.tsv  foreign states (table 2)
//
// Outputs, in <out>:
//
//	comuni.tsv.gz  cadastral, istat, name, altname, province, from, to
//	stati.tsv      cadastral, istat, name, iso3, from, to
//
// Dates are YYYY-MM-DD, both ends inclusive; an empty "to" means the record
// is still in force. Consecutive records of a comune that differ only in
// columns not kept here are merged into one. Rows are sorted by cadastral code, then by "from". The
// output is deterministic for a given input and Go version.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

const (
	comuniHeader = "cadastral\tistat\tname\taltname\tprovince\tfrom\tto"
	statiHeader  = "cadastral\tistat\tname\tiso3\tfrom\tto"
	openEnd      = "9999-12-31"
)

func main() {
	src := flag.String("src", "../../../shared/reference", "ANPR reference folder")
	out := flag.String("out", ".", "output folder")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("comuni/gen: ")

	comuni, skipped, err := readComuni(filepath.Join(*src, "ANPR_archivio_comuni.csv"))
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	// Zero gzip header (no name, no mtime) keeps the output reproducible.
	writeRows(zw, comuniHeader, comuni)
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "comuni.tsv.gz"), buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}

	stati, err := readStati(filepath.Join(*src, "anpr-tabelle", "tab_stati_esteri.tsv"))
	if err != nil {
		log.Fatal(err)
	}
	buf.Reset()
	writeRows(&buf, statiHeader, stati)
	if err := os.WriteFile(filepath.Join(*out, "stati.tsv"), buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %d comuni records (%d source rows without a cadastral code skipped) and %d states", len(comuni), skipped, len(stati))
}

func writeRows(w io.Writer, header string, rows [][]string) {
	fmt.Fprintln(w, header)
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
}

var (
	cadastralRE = regexp.MustCompile(`^[A-Z][0-9]{3}$`)
	istatRE     = regexp.MustCompile(`^[0-9]{6}$`)
	provinceRE  = regexp.MustCompile(`^[A-Z]{2}$`)
)

// readComuni returns the comuni rows sorted by cadastral code and start
// date, and the number of rows skipped because they have no cadastral code
// (ANPR marks those "ND").
func readComuni(path string) ([][]string, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		br.Discard(3)
	}
	r := csv.NewReader(br)
	header, err := r.Read()
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	need := []string{"DATAISTITUZIONE", "DATACESSAZIONE", "CODISTAT", "CODCATASTALE",
		"DENOMINAZIONE_IT", "ALTRADENOMINAZIONE", "SIGLAPROVINCIA"}
	for _, n := range need {
		if _, ok := col[n]; !ok {
			return nil, 0, fmt.Errorf("%s: missing column %s", path, n)
		}
	}
	var rows [][]string
	skipped := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		get := func(n string) string { return strings.TrimSpace(rec[col[n]]) }
		code := get("CODCATASTALE")
		if code == "ND" {
			skipped++
			continue
		}
		row := []string{code, get("CODISTAT"), get("DENOMINAZIONE_IT"), get("ALTRADENOMINAZIONE"),
			get("SIGLAPROVINCIA"), get("DATAISTITUZIONE"), get("DATACESSAZIONE")}
		if row[6] == openEnd {
			row[6] = ""
		}
		if err := checkComune(row); err != nil {
			return nil, 0, fmt.Errorf("%s: line %d: %w", path, lineOf(r), err)
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b []string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		if c := strings.Compare(a[5], b[5]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	// Records of one code should not overlap, so that a date picks one.
	// The archive has known exceptions; any new one stops the generator.
	for i := 1; i < len(rows); i++ {
		prev, cur := rows[i-1], rows[i]
		if prev[0] == cur[0] && (prev[6] == "" || cur[5] <= prev[6]) && !knownOverlap[cur[0]] {
			return nil, 0, fmt.Errorf("%s: overlapping records for %s from %s", path, cur[0], cur[5])
		}
	}
	return mergeContiguous(rows), skipped, nil
}

// mergeContiguous joins consecutive records of a code that differ only in
// columns we drop (the archive opens a new record for many administrative
// changes) and whose periods touch.
func mergeContiguous(rows [][]string) [][]string {
	var out [][]string
	for _, r := range rows {
		if n := len(out); n > 0 {
			p := out[n-1]
			if slices.Equal(p[:5], r[:5]) && p[6] != "" && nextDay(p[6]) == r[5] {
				p[6] = r[6]
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

func nextDay(d string) string {
	t, _ := time.Parse(time.DateOnly, d) // checked by checkDates
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

// knownOverlap lists the cadastral codes that the archive gives to two
// comuni at once: D588 is both FILAGO and MARNE from 1861 to 1928. The
// package returns the first record in file order (by start date, then
// ISTAT code).
var knownOverlap = map[string]bool{"D588": true}

func lineOf(r *csv.Reader) int {
	line, _ := r.FieldPos(0)
	return line
}

func checkComune(row []string) error {
	switch {
	case !cadastralRE.MatchString(row[0]):
		return fmt.Errorf("bad cadastral code %q", row[0])
	case !istatRE.MatchString(row[1]):
		return fmt.Errorf("bad ISTAT code %q", row[1])
	case row[2] == "":
		return errors.New("empty name")
	case !provinceRE.MatchString(row[4]):
		return fmt.Errorf("bad province %q", row[4])
	}
	if err := checkDates(row[5], row[6]); err != nil {
		return err
	}
	return checkFields(row)
}

func checkDates(from, to string) error {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return fmt.Errorf("bad start date %q", from)
	}
	if to == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return fmt.Errorf("bad end date %q", to)
	}
	if t.Before(f) {
		return fmt.Errorf("end date %s before start date %s", to, from)
	}
	return nil
}

func checkFields(row []string) error {
	for _, f := range row {
		if strings.ContainsAny(f, "\t\r\n") {
			return fmt.Errorf("field %q contains a tab or newline", f)
		}
	}
	return nil
}

// statoKeyRE splits a line of tab_stati_esteri.tsv: the Italian name comes
// first, then " - KEY: value" pairs.
var statoKeyRE = regexp.MustCompile(`(?:^| - )([A-Z][A-Z0-9_]*): `)

// readStati returns the states that have a cadastral (Z) code, sorted by it.
func readStati(path string) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows [][]string
	seen := map[string]bool{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "ID\t") {
			continue
		}
		_, rest, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("%s: line %d: no tab", path, i+1)
		}
		name, kv := splitStato(rest)
		code := kv["CODAT"]
		if code == "" {
			continue // not a place of birth with a cadastral code
		}
		row := []string{code, kv["CODISTAT"], name, kv["CODISO3166_1_ALPHA3"],
			itDate(kv["DATAINIZIOVALIDITA"]), itDate(kv["DATAFINEVALIDITA"])}
		if row[5] == openEnd {
			row[5] = ""
		}
		switch {
		case !cadastralRE.MatchString(code) || code[0] != 'Z':
			return nil, fmt.Errorf("%s: line %d: bad cadastral code %q", path, i+1, code)
		case seen[code]:
			return nil, fmt.Errorf("%s: line %d: duplicate cadastral code %s", path, i+1, code)
		case name == "":
			return nil, fmt.Errorf("%s: line %d: empty name", path, i+1)
		}
		if row[4] != "" {
			if err := checkDates(row[4], row[5]); err != nil {
				return nil, fmt.Errorf("%s: line %d: %w", path, i+1, err)
			}
		}
		if err := checkFields(row); err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, i+1, err)
		}
		seen[code] = true
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return rows, nil
}

func splitStato(s string) (string, map[string]string) {
	kv := map[string]string{}
	idx := statoKeyRE.FindAllStringSubmatchIndex(s, -1)
	name := s
	if len(idx) > 0 {
		name = s[:idx[0][0]]
	}
	for i, m := range idx {
		end := len(s)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		kv[s[m[2]:m[3]]] = strings.TrimSpace(s[m[1]:end])
	}
	return strings.TrimSpace(name), kv
}

// itDate turns "31/12/9999" into "9999-12-31"; anything else into "".
func itDate(s string) string {
	t, err := time.Parse("02/01/2006", s)
	if err != nil {
		return ""
	}
	return t.Format(time.DateOnly)
}
