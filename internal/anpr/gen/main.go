// Command gen copies the ANPR code tables that package anpr embeds from the
// reference folder into ../data. It is run by go generate in internal/anpr:
//
//	go generate ./internal/anpr/
//
// The files are copied byte for byte, so that their first line keeps the
// table's title and its source and licence (italia/anpr src/tab, CC BY 4.0).
// Before writing anything the generator checks each file's layout: a title
// line "# Tabella NN - ...", a header line naming the ID column, then rows of
// an integer code, a tab and a non-empty description, with no duplicate
// code. A table whose layout changed upstream stops the generator instead
// of reaching the package.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tables lists the files copied, by ANPR table number. Keep it in step
// with the go:embed directives in ../tables.go.
var tables = map[int]string{
	1:  "tab_stato_civile.tsv",
	2:  "tab_stati_esteri.tsv",
	5:  "tab_relazione_di_parentela___famiglia.tsv",
	6:  "tab_legame____convivenza.tsv",
	15: "tab_motivi_di_cancellazione_dall_anagrafe.tsv",
	27: "tab_specie_della_convivenza.tsv",
	31: "tab_tipo_cessazione_matrimonio.tsv",
	42: "tab_motivi_di_non_certificabilit_.tsv",
}

func main() {
	src := flag.String("src", "../../../shared/reference/anpr-tabelle", "folder of ANPR's tables")
	out := flag.String("out", "data", "output folder")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("anpr/gen: ")

	files := map[string][]byte{}
	for n, name := range tables {
		b, err := os.ReadFile(filepath.Join(*src, name))
		if err != nil {
			log.Fatal(err)
		}
		if err := check(n, b); err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		files[name] = b
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(*out, name), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("copied %d tables to %s", len(files), *out)
}

// check verifies the layout package anpr parses.
func check(n int, b []byte) error {
	if !bytes.HasSuffix(b, []byte("\n")) {
		return fmt.Errorf("no final newline")
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) < 3 {
		return fmt.Errorf("want a title, a header and rows; have %d lines", len(lines))
	}
	title := fmt.Sprintf("# Tabella %02d - ", n)
	if !strings.HasPrefix(lines[0], title) || !strings.Contains(lines[0], "CC-BY 4.0") {
		return fmt.Errorf("line 1: want a title %q... naming the CC-BY 4.0 licence", title)
	}
	if h := lines[1]; h != "\tID" && !strings.HasPrefix(h, "ID\t") {
		return fmt.Errorf("line 2: unexpected header %q", h)
	}
	seen := map[int]bool{}
	for i, l := range lines[2:] {
		code, desc, ok := strings.Cut(l, "\t")
		c, err := strconv.Atoi(code)
		switch {
		case !ok || strings.Contains(desc, "\t"):
			return fmt.Errorf("line %d: want two tab-separated fields", i+3)
		case err != nil || c < 0 || code != strconv.Itoa(c):
			return fmt.Errorf("line %d: code %q is not a non-negative integer", i+3, code)
		case seen[c]:
			return fmt.Errorf("line %d: duplicate code %d", i+3, c)
		case strings.TrimSpace(desc) == "":
			return fmt.Errorf("line %d: empty description", i+3)
		case strings.ContainsAny(desc, "\r"):
			return fmt.Errorf("line %d: carriage return", i+3)
		}
		seen[c] = true
	}
	return nil
}
