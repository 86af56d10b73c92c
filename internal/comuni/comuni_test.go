package comuni

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestByCadastral(t *testing.T) {
	for _, tc := range []struct {
		name     string
		code     string
		on       time.Time
		ok       bool
		wantName string
		wantAlt  string
		wantProv string
		wantIST  string
	}{
		{"Milano today", "F205", day(2024, 5, 1), true, "MILANO", "", "MI", "015146"},
		{"Milano in 1950", "F205", day(1950, 1, 1), true, "MILANO", "", "MI", "015146"},
		{"Milano before its first record", "F205", day(1873, 6, 22), false, "", "", "", ""},
		{"Milano on its first day", "F205", day(1873, 6, 23), true, "MILANO", "", "MI", "015146"},
		// A562 was renamed BAGNI SAN GIULIANO -> SAN GIULIANO TERME on 1935-07-31.
		{"A562 before the rename", "A562", day(1930, 3, 1), true, "BAGNI SAN GIULIANO", "", "PI", "050031"},
		{"A562 last day before the rename", "A562", day(1935, 7, 30), true, "BAGNI SAN GIULIANO", "", "PI", "050031"},
		{"A562 first day after the rename", "A562", day(1935, 7, 31), true, "SAN GIULIANO TERME", "", "PI", "050031"},
		{"A562 after the rename", "A562", day(1985, 12, 10), true, "SAN GIULIANO TERME", "", "PI", "050031"},
		{"Bari delle Puglie", "A662", day(1920, 1, 1), true, "BARI DELLE PUGLIE", "", "BA", "072006"},
		{"Bari", "A662", day(1990, 1, 1), true, "BARI", "", "BA", "072006"},
		// Monza moved from the province of Milano to Monza e Brianza.
		{"Monza in MI", "F704", day(2009, 6, 29), true, "MONZA", "", "MI", "015149"},
		{"Monza in MB", "F704", day(2009, 6, 30), true, "MONZA", "", "MB", "108033"},
		{"Bolzano has a German name", "A952", day(2000, 1, 1), true, "BOLZANO", "BOZEN", "BZ", "021008"},
		{"ceased comune while it existed", "A003", day(1900, 1, 1), true, "ABBADIA ALPINA", "", "TO", "001801"},
		{"ceased comune after it ceased", "A003", day(1950, 1, 1), false, "", "", "", ""},
		{"known overlap returns the first record", "D588", day(1900, 1, 1), true, "MARNE", "", "BG", "016098"},
		{"unknown code", "Y999", day(2000, 1, 1), false, "", "", "", ""},
		{"lower case is not matched", "f205", day(2000, 1, 1), false, "", "", "", ""},
		{"foreign code is not a comune", "Z129", day(2000, 1, 1), false, "", "", "", ""},
		{"empty code", "", day(2000, 1, 1), false, "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := ByCadastral(tc.code, tc.on)
			if ok != tc.ok {
				t.Fatalf("ByCadastral(%q, %s) ok = %v, want %v", tc.code, tc.on.Format(time.DateOnly), ok, tc.ok)
			}
			if !ok {
				if c != (Comune{}) {
					t.Errorf("got %+v with ok = false, want the zero Comune", c)
				}
				return
			}
			if c.Cadastral != tc.code || c.Name != tc.wantName || c.AltName != tc.wantAlt ||
				c.Province != tc.wantProv || c.ISTAT != tc.wantIST {
				t.Errorf("got %+v, want %s %q %q %s %s", c, tc.code, tc.wantName, tc.wantAlt, tc.wantProv, tc.wantIST)
			}
			if !c.ValidOn(tc.on) {
				t.Errorf("returned record %+v is not valid on %s", c, tc.on.Format(time.DateOnly))
			}
		})
	}
}

func TestByCadastralUsesTheDateInItsLocation(t *testing.T) {
	// 00:30 on 31 July 1935 in UTC+2 is still 30 July in UTC; the calendar
	// date of the value given is the one that counts.
	on := time.Date(1935, 7, 31, 0, 30, 0, 0, time.FixedZone("UTC+2", 2*3600))
	c, ok := ByCadastral("A562", on)
	if !ok || c.Name != "SAN GIULIANO TERME" {
		t.Errorf("ByCadastral(A562, %s) = %+v, %v; want SAN GIULIANO TERME", on, c, ok)
	}
}

func TestCurrent(t *testing.T) {
	for _, tc := range []struct {
		code     string
		ok       bool
		wantName string
		wantProv string
	}{
		{"F205", true, "MILANO", "MI"},
		{"A562", true, "SAN GIULIANO TERME", "PI"},
		{"F704", true, "MONZA", "MB"},
		{"D588", true, "FILAGO", "BG"},
		{"A003", false, "", ""}, // ceased in 1928
		{"Z129", false, "", ""},
		{"XXXX", false, "", ""},
	} {
		t.Run(tc.code, func(t *testing.T) {
			c, ok := Current(tc.code)
			if ok != tc.ok || c.Name != tc.wantName || c.Province != tc.wantProv {
				t.Fatalf("Current(%q) = %+v, %v; want %s %s, %v", tc.code, c, ok, tc.wantName, tc.wantProv, tc.ok)
			}
			if ok && (!c.InForce() || !c.ValidOn(time.Now())) {
				t.Errorf("Current(%q) = %+v is not in force", tc.code, c)
			}
		})
	}
}

func TestHistory(t *testing.T) {
	h := History("A562")
	if len(h) != 2 || h[0].Name != "BAGNI SAN GIULIANO" || h[1].Name != "SAN GIULIANO TERME" {
		t.Fatalf("History(A562) = %+v", h)
	}
	if !h[0].ValidTo.AddDate(0, 0, 1).Equal(h[1].ValidFrom) {
		t.Errorf("periods do not touch: %s and %s", h[0].ValidTo, h[1].ValidFrom)
	}
	// The result is a copy: changing it must not change the package data.
	h[0].Name = "CHANGED"
	if again := History("A562"); again[0].Name != "BAGNI SAN GIULIANO" {
		t.Errorf("History returned shared data: %+v", again[0])
	}
	if got := History("XXXX"); len(got) != 0 {
		t.Errorf("History(XXXX) = %+v, want none", got)
	}
}

func TestInProvince(t *testing.T) {
	has := func(cs []Comune, code string) bool {
		for _, c := range cs {
			if c.Cadastral == code {
				return true
			}
		}
		return false
	}
	mb := InProvince("MB", day(2020, 1, 1))
	if !has(mb, "F704") || has(mb, "F205") {
		t.Errorf("InProvince(MB, 2020) should hold Monza and not Milano")
	}
	if len(mb) < 50 || len(mb) > 60 {
		t.Errorf("InProvince(MB, 2020) has %d comuni, want about 55", len(mb))
	}
	if got := InProvince("MB", day(2000, 1, 1)); len(got) != 0 {
		t.Errorf("InProvince(MB, 2000) = %d comuni, want none (the province dates from 2009)", len(got))
	}
	if mi := InProvince("MI", day(2000, 1, 1)); !has(mi, "F704") || !has(mi, "F205") {
		t.Errorf("InProvince(MI, 2000) should hold Monza and Milano")
	}
	for _, c := range mb {
		if c.Province != "MB" || !c.ValidOn(day(2020, 1, 1)) {
			t.Errorf("InProvince(MB, 2020) returned %+v", c)
		}
	}
}

func TestStateByCadastral(t *testing.T) {
	for _, tc := range []struct {
		code, name, iso, istat string
		ok                     bool
	}{
		{"Z129", "ROMANIA", "ROU", "235", true},
		{"Z100", "ALBANIA", "ALB", "201", true},
		{"Z330", "MAROCCO", "MAR", "436", true},
		{"Z138", "UCRAINA", "UKR", "243", true},
		{"Z210", "REPUBBLICA POPOLARE CINESE", "CHN", "314", true},
		{"Z999", "", "", "", false},
		{"F205", "", "", "", false},
		{"z129", "", "", "", false},
	} {
		t.Run(tc.code, func(t *testing.T) {
			s, ok := StateByCadastral(tc.code)
			if ok != tc.ok || s.Name != tc.name || s.ISOAlpha3 != tc.iso || s.ISTAT != tc.istat {
				t.Fatalf("StateByCadastral(%q) = %+v, %v", tc.code, s, ok)
			}
			if ok && (s.Cadastral != tc.code || !s.ValidTo.Equal(openEnd) || s.ValidFrom.IsZero()) {
				t.Errorf("StateByCadastral(%q) = %+v: bad code or validity", tc.code, s)
			}
		})
	}
}

func TestIsForeign(t *testing.T) {
	for _, tc := range []struct {
		code string
		want bool
	}{
		{"Z129", true},
		{"Z999", true}, // well formed, though no such state
		{"F205", false},
		{"Z12", false},
		{"Z1290", false},
		{"ZA29", false},
		{"z129", false},
		{"", false},
	} {
		t.Run(tc.code, func(t *testing.T) {
			if got := IsForeign(tc.code); got != tc.want {
				t.Errorf("IsForeign(%q) = %v, want %v", tc.code, got, tc.want)
			}
		})
	}
}

func TestDataIntegrity(t *testing.T) {
	d := data()
	if n := len(d.comuni); n < 15000 {
		t.Fatalf("only %d comuni records", n)
	}
	inForce := 0
	for code, h := range d.byCode {
		if !wellFormedComune(code) {
			t.Errorf("bad code %q", code)
		}
		for i, c := range h {
			if c.ValidTo.Before(c.ValidFrom) || c.Name == "" || len(c.Province) != 2 || len(c.ISTAT) != 6 {
				t.Errorf("bad record %+v", c)
			}
			if i > 0 && !h[i-1].ValidTo.Before(c.ValidFrom) && code != "D588" {
				t.Errorf("%s: overlapping records %+v and %+v", code, h[i-1], c)
			}
			if c.InForce() {
				inForce++
				if i != len(h)-1 {
					t.Errorf("%s: record in force is not the last", code)
				}
			}
		}
	}
	// About 7,900 comuni exist today.
	if inForce < 7800 || inForce > 8000 {
		t.Errorf("%d comuni in force, want about 7,900", inForce)
	}
	if n := len(d.states); n < 190 {
		t.Errorf("only %d states", n)
	}
}

// wellFormedComune reports whether code is a letter other than Z and
// three digits.
func wellFormedComune(code string) bool {
	return len(code) == 4 && code[0] >= 'A' && code[0] < 'Z' && isDigits(code[1:])
}

func TestParseRejectsBadData(t *testing.T) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		io.WriteString(w, s)
		w.Close()
		return b.Bytes()
	}
	okStati := statiHeader + "\nZ129\t235\tROMANIA\tROU\t1900-01-01\t\n"
	okRow := "F205\t015146\tMILANO\t\tMI\t1873-06-23\t\n"
	for _, tc := range []struct {
		name   string
		comuni []byte
		stati  string
	}{
		{"not gzip", []byte("F205"), okStati},
		{"bad header", gz("code\tistat\n" + okRow), okStati},
		{"too few fields", gz(comuniHeader + "\nF205\t015146\tMILANO\n"), okStati},
		{"too many fields", gz(comuniHeader + "\nF205\t015146\tMILANO\t\tMI\t1873-06-23\t\tX\n"), okStati},
		{"bad date", gz(comuniHeader + "\nF205\t015146\tMILANO\t\tMI\t1873-02-30\t\n"), okStati},
		{"end before start", gz(comuniHeader + "\nF205\t015146\tMILANO\t\tMI\t1873-06-23\t1870-01-01\n"), okStati},
		{"code not contiguous", gz(comuniHeader + "\n" + okRow + "A001\t028001\tABANO\t\tPD\t1866-11-19\t\n" + okRow), okStati},
		{"bad state code", gz(comuniHeader + "\n" + okRow), statiHeader + "\nF205\t1\tX\t\t\t\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parse(tc.comuni, tc.stati); err == nil {
				t.Error("parse succeeded, want an error")
			}
		})
	}
	if _, err := parse(gz(comuniHeader+"\n"+okRow), okStati); err != nil {
		t.Errorf("parse of good data: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if _, ok := ByCadastral("F205", day(2000, 1, 1)); !ok {
					t.Error("Milano not found")
					return
				}
				StateByCadastral("Z129")
			}
		})
	}
	wg.Wait()
}

// TestGeneratedUpToDate runs the generator on the reference archives, when
// they are present beside the repository, and compares its output with the
// checked-in files.
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go run ./gen")
	}
	const src = "../../../shared/reference"
	if _, err := os.Stat(filepath.Join(src, "ANPR_archivio_comuni.csv")); err != nil {
		t.Skipf("reference archives not available: %v", err)
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./gen", "-src", src, "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, b)
	}
	unzip := func(b []byte) []byte {
		t.Helper()
		r, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		u, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	got, err := os.ReadFile(filepath.Join(out, "comuni.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	// Compare the content: gzip bytes may differ between Go versions.
	if !bytes.Equal(unzip(got), unzip(comuniGz)) {
		t.Error("comuni.tsv.gz is stale: run go generate ./internal/comuni/")
	}
	gotStati, err := os.ReadFile(filepath.Join(out, "stati.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if string(gotStati) != statiTSV {
		t.Error("stati.tsv is stale: run go generate ./internal/comuni/")
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := parse(comuniGz, statiTSV); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkByCadastral(b *testing.B) {
	data()
	on := day(1985, 12, 10)
	for b.Loop() {
		if _, ok := ByCadastral("H501", on); !ok {
			b.Fatal("Roma not found")
		}
	}
}
