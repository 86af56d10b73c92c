package anpr

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestCodeTables(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fn    func(int) (string, bool)
		code  int
		ok    bool
		label string
	}{
		{"civil status single", CivilStatus, 1, true, "Celibe/Nubile"},
		{"civil status married", CivilStatus, 2, true, "Coniugato/a"},
		{"civil status not known", CivilStatus, 9, true, "Non classificabile/ignoto/n.c"},
		{"civil status united", CivilStatus, 6, true, "Unito civilmente"},
		{"civil status 5 unused", CivilStatus, 5, false, ""},
		{"civil status 0", CivilStatus, 0, false, ""},
		{"kinship head", Kinship, 1, true, "Intestatario Scheda"},
		{"kinship child", Kinship, 3, true, "Figlio / Figlia"},
		{"kinship guardian, first row", Kinship, 26, true, "Tutore"},
		{"kinship takeover only", Kinship, 14, true, "Figliastro / Figliastra"},
		{"kinship adopted, takeover only", Kinship, 80, true, "Adottato"},
		{"kinship civil partner", Kinship, 28, true, "Unito civilmente"},
		{"kinship not defined", Kinship, 99, true, "Non definito/comunicato"},
		{"kinship 27 unused", Kinship, 27, false, ""},
		{"kinship negative", Kinship, -1, false, ""},
		{"convivenza responsible", CohabitationBond, 1, true, "Responsabile convivenza"},
		{"convivenza member", CohabitationBond, 2, true, "Membro della convivenza"},
		{"convivenza unknown", CohabitationBond, 9, true, "Ignoto"},
		{"convivenza 4", CohabitationBond, 4, false, ""},
		{"removal death", RemovalReason, 1, true, "Morte accertata"},
		{"removal AIRE", RemovalReason, 8, true, "Trasferimento di residenza (iscrizione AIRE)"},
		{"removal abroad, curly apostrophe", RemovalReason, 5, true, "Trasferimento di residenza all\u2019estero di uno straniero"},
		{"removal 14", RemovalReason, 14, false, ""},
		{"convivenza kind care", CohabitationKind, 2, true, "Di cura"},
		{"convivenza kind other", CohabitationKind, 6, true, "Altri"},
		{"convivenza kind 7", CohabitationKind, 7, false, ""},
		{"ending civil effects", MarriageEnding, 1, true, "Cessazione effetti civili"},
		{"ending with a dash in the label", MarriageEnding, 6, true, "Cessazione effetti civili - D.L. 12 settembre 2014"},
		{"ending nullity", MarriageEnding, 4, true, "Nullità"},
		{"ending other", MarriageEnding, 22, true, "Altro tipo di cessazione / scioglimento"},
		{"ending 11", MarriageEnding, 11, false, ""},
		{"certifiability none", Certifiability, 0, true, "NON CERTIFICABILE"},
		{"certifiability full", Certifiability, 2, true, "CERTIFICABILITA COMPLETA"},
		{"certifiability interdicted", Certifiability, 4, true, "INTERDETTO SOTTOPOSTO A TUTELA"},
		{"certifiability 5", Certifiability, 5, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.fn(tc.code)
			if ok != tc.ok || got != tc.label {
				t.Errorf("code %d = %q, %v; want %q, %v", tc.code, got, ok, tc.label, tc.ok)
			}
		})
	}
}

func TestKinshipTakeoverOnly(t *testing.T) {
	want := map[int]bool{14: true, 15: true, 19: true, 80: true}
	for _, e := range TabKinship.Entries() {
		if got := KinshipTakeoverOnly(e.Code); got != want[e.Code] {
			t.Errorf("KinshipTakeoverOnly(%d) = %v, want %v", e.Code, got, want[e.Code])
		}
		if e.TakeoverOnly != want[e.Code] {
			t.Errorf("entry %d TakeoverOnly = %v", e.Code, e.TakeoverOnly)
		}
	}
	e, _ := TabKinship.Lookup(19)
	if !e.ValidTo.Equal(time.Date(2015, 9, 15, 0, 0, 0, 0, time.UTC)) || e.Note != "Utilizzabile solo al subentro" {
		t.Errorf("entry 19 = %+v", e)
	}
	if e, _ := TabKinship.Lookup(1); !e.ValidTo.IsZero() || e.Note != "" {
		t.Errorf("entry 1 = %+v, want no end of validity", e)
	}
	if KinshipTakeoverOnly(1) || KinshipTakeoverOnly(1000) {
		t.Error("KinshipTakeoverOnly is true for a valid or unknown code")
	}
}

func TestCitizenshipState(t *testing.T) {
	for _, tc := range []struct {
		istat string
		ok    bool
		name  string
		cad   string
		iso   string
	}{
		{"100", true, "ITALIA", "", "ITA"},
		{"235", true, "ROMANIA", "Z129", "ROU"},
		{"201", true, "ALBANIA", "Z100", "ALB"},
		{"997", true, "In corso di definizione", "", ""},
		{"998", true, "NON ATTRIBUIBILE", "", ""},
		{"999", true, "APOLIDE", "", ""},
		{"520", false, "", "", ""}, // GROENLANDIA: a territory, no citizenship
		{"888", false, "", "", ""}, // Latvian non-citizens: no CITTADINANZA flag
		{"000", false, "", "", ""},
		{"1", false, "", "", ""},
		{"", false, "", "", ""},
		{"Z129", false, "", "", ""},
	} {
		t.Run(tc.istat, func(t *testing.T) {
			s, ok := CitizenshipState(tc.istat)
			if ok != tc.ok || s.Name != tc.name || s.Cadastral != tc.cad || s.ISOAlpha3 != tc.iso {
				t.Errorf("CitizenshipState(%q) = %+v, %v; want %q %q %q, %v", tc.istat, s, ok, tc.name, tc.cad, tc.iso, tc.ok)
			}
			if ok && (s.ISTAT != tc.istat || !s.Citizenship) {
				t.Errorf("CitizenshipState(%q) = %+v", tc.istat, s)
			}
		})
	}
	if s, ok := StateByISTAT("520"); !ok || s.Name != "GROENLANDIA" || s.Citizenship || s.Kind != "TERRITORIO" {
		t.Errorf("StateByISTAT(520) = %+v, %v", s, ok)
	}
	if s, ok := StateByISTAT("888"); !ok || s.Name != "Riconosciuti non cittadini (lettoni)" {
		t.Errorf("StateByISTAT(888) = %+v, %v", s, ok)
	}
	list := CitizenshipStates()
	if len(list) != 200 {
		t.Errorf("CitizenshipStates has %d states, want the 200 rows with CITTADINANZA: S", len(list))
	}
	for i := 1; i < len(list); i++ {
		if list[i-1].ISTAT >= list[i].ISTAT {
			t.Fatalf("CitizenshipStates not ordered at %d", i)
		}
	}
}

func TestTables(t *testing.T) {
	want := map[Table]struct {
		n     int
		title string
	}{
		TabCivilStatus:      {8, "Stato civile"},
		TabKinship:          {30, "Relazione di parentela - Famiglia"},
		TabCohabitationBond: {4, "Legame\u00a0 - Convivenza"},
		TabRemovalReason:    {13, "Motivi di cancellazione dall'Anagrafe"},
		TabCohabitationKind: {6, "Specie della convivenza"},
		TabMarriageEnding:   {11, "Tipo cessazione matrimonio"},
		TabCertifiability:   {5, "Motivi di non certificabilità"},
	}
	for _, tab := range Tables() {
		es := tab.Entries()
		if len(es) != want[tab].n || tab.Title() != want[tab].title {
			t.Errorf("%v: %d entries, title %q; want %d, %q", tab, len(es), tab.Title(), want[tab].n, want[tab].title)
		}
		for i := 1; i < len(es); i++ {
			if es[i-1].Code >= es[i].Code {
				t.Errorf("%v: entries not ordered", tab)
			}
		}
	}
	if TabStates.Title() != "Stati Esteri" {
		t.Errorf("table 2 title %q", TabStates.Title())
	}
	if _, ok := TabStates.Lookup(1); ok || TabStates.Entries() != nil {
		t.Error("table 2 answers integer lookups")
	}
	if _, ok := Table(3).Lookup(1); ok {
		t.Error("a table not embedded answers")
	}
	es := TabCivilStatus.Entries()
	es[0].Label = "changed"
	if l, _ := CivilStatus(1); l != "Celibe/Nubile" {
		t.Error("Entries returns the package's slice")
	}
}

func TestSplitAnnotations(t *testing.T) {
	for _, tc := range []struct {
		in, head string
		kv       map[string]string
	}{
		{"Coniugato/a", "Coniugato/a", nil},
		{"Separazione - D.L. 12 settembre 2014, n. 132", "Separazione - D.L. 12 settembre 2014, n. 132", nil},
		{"A - DATAFINEVALIDITA: 2015-09-15 00:00:00 - Note: solo al subentro", "A", map[string]string{"DATAFINEVALIDITA": "2015-09-15 00:00:00", "Note": "solo al subentro"}},
		{"- CODISTAT: 888 - FONTE: ISTAT", "", map[string]string{"CODISTAT": "888", "FONTE": "ISTAT"}},
		{"X - lower: no", "X - lower: no", nil},
	} {
		head, kv := splitAnnotations(tc.in)
		if head != tc.head || len(kv) != len(tc.kv) {
			t.Errorf("splitAnnotations(%q) = %q, %v", tc.in, head, kv)
			continue
		}
		for k, v := range tc.kv {
			if kv[k] != v {
				t.Errorf("splitAnnotations(%q)[%s] = %q, want %q", tc.in, k, kv[k], v)
			}
		}
	}
}

// TestGeneratedUpToDate checks that data/ holds exact copies of the
// reference tables, when they are present beside the repository.
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go run ./gen")
	}
	const src = "../../../shared/reference/anpr-tabelle"
	if _, err := os.Stat(src); err != nil {
		t.Skipf("reference tables not available: %v", err)
	}
	out := t.TempDir()
	if b, err := exec.Command("go", "run", "./gen", "-src", src, "-out", out).CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, b)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	embedded := map[string]string{
		"tab_stato_civile.tsv": tab01, "tab_stati_esteri.tsv": tab02,
		"tab_relazione_di_parentela___famiglia.tsv": tab05, "tab_legame____convivenza.tsv": tab06,
		"tab_motivi_di_cancellazione_dall_anagrafe.tsv": tab15, "tab_specie_della_convivenza.tsv": tab27,
		"tab_tipo_cessazione_matrimonio.tsv": tab31, "tab_motivi_di_non_certificabilit_.tsv": tab42,
	}
	if len(entries) != len(embedded) {
		t.Errorf("generator wrote %d files, the package embeds %d", len(entries), len(embedded))
	}
	for _, e := range entries {
		got, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, []byte(embedded[e.Name()])) {
			t.Errorf("%s is stale or not embedded: run go generate ./internal/anpr/", e.Name())
		}
	}
}

func BenchmarkLoadStates(b *testing.B) {
	for b.Loop() {
		if _, err := parseStates(tab02); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKinship(b *testing.B) {
	for b.Loop() {
		Kinship(23)
	}
}
