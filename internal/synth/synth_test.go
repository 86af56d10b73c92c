package synth

import (
	"reflect"
	"regexp"
	"testing"
	"time"

	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/comuni"
	"certa.example/certa/internal/registry"
)

var now = time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)

func today() time.Time { return time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC) }

// monza is the demo comune of these tests: it moved from the province of
// Milano (MI) to Monza e Brianza (MB) in 2009, so births in its province
// carry either abbreviation.
func monza(t testing.TB) comuni.Comune {
	t.Helper()
	c, ok := comuni.Current("F704")
	if !ok {
		t.Fatal("Monza (F704) not found")
	}
	return c
}

func generate(t testing.TB, seed int64, households int) []registry.Household {
	t.Helper()
	hs, err := Generate(seed, monza(t), "20900", households, now)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if len(hs) != households {
		t.Fatalf("Generate made %d households, want %d", len(hs), households)
	}
	return hs
}

func TestDeterministic(t *testing.T) {
	a := generate(t, 42, 200)
	b := generate(t, 42, 200)
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs with the same seed differ")
	}
	c := generate(t, 43, 200)
	if reflect.DeepEqual(a, c) {
		t.Error("runs with different seeds are equal")
	}
	// Households are drawn one after the other: the first ones do not
	// depend on how many are asked for.
	d := generate(t, 42, 10)
	if !reflect.DeepEqual(a[:10], d) {
		t.Error("the first households depend on how many are asked for")
	}
}

// population is the population the consistency tests check.
func population(t *testing.T) []registry.Household {
	return generate(t, 1, 1000)
}

func TestHouseholds(t *testing.T) {
	idRE := regexp.MustCompile(`^F[0-9]{6}$`)
	ids := map[string]bool{}
	addrs := map[registry.Address]bool{}
	for _, h := range population(t) {
		if !idRE.MatchString(h.ID) || ids[h.ID] {
			t.Errorf("household ID %q is malformed or repeated", h.ID)
		}
		ids[h.ID] = true
		a := h.Address
		if a.Toponym == "" || a.Street == "" || a.Number == "" || a.PostalCode != "20900" || addrs[a] {
			t.Errorf("household %s: bad or repeated address %+v", h.ID, a)
		}
		addrs[a] = true
		if len(h.Members) == 0 || h.Members[0].Kinship != registry.KinHead {
			t.Errorf("household %s: the head is not first", h.ID)
			continue
		}
		heads := 0
		for _, m := range h.Members {
			if m.Kinship == registry.KinHead {
				heads++
			}
			if m.HouseholdID != h.ID {
				t.Errorf("household %s: member has HouseholdID %q", h.ID, m.HouseholdID)
			}
		}
		if heads != 1 {
			t.Errorf("household %s has %d heads", h.ID, heads)
		}
		if h.Head().FiscalCode != h.Members[0].FiscalCode {
			t.Errorf("household %s: Head() is not the first member", h.ID)
		}
	}
}

func TestFiscalCodes(t *testing.T) {
	seen := map[string]bool{}
	for _, h := range population(t) {
		for _, p := range h.Members {
			if seen[p.FiscalCode] {
				t.Errorf("fiscal code %s repeated", p.FiscalCode)
			}
			seen[p.FiscalCode] = true
			cf, err := codicefiscale.Parse(p.FiscalCode)
			if err != nil {
				t.Errorf("%s: %v", p.FiscalCode, err)
				continue
			}
			if cf.String() != p.FiscalCode {
				t.Errorf("%s is not canonical", p.FiscalCode)
			}
			if cf.Sex() != p.Sex {
				t.Errorf("%s: sex %s, person %s", cf, cf.Sex(), p.Sex)
			}
			if b := cf.BirthDate(now); !b.Equal(p.BirthDate) {
				t.Errorf("%s: birth %s, person %s", cf, b, p.BirthDate)
			}
			code := cf.PlaceCode()
			if p.BirthPlace.ComuneCode != "" {
				if code != p.BirthPlace.ComuneCode {
					t.Errorf("%s: place %s, person %s", cf, code, p.BirthPlace.ComuneCode)
				}
			} else if s, ok := comuni.StateByCadastral(code); !ok || s.Name != p.BirthPlace.Country {
				t.Errorf("%s: place %s (%+v), person born in %q", cf, code, s, p.BirthPlace.Country)
			}
			// The code is the one computed from the data, or an omocodia
			// variant of it.
			want, err := codicefiscale.Compute(p.Surname, p.Name, p.Sex, p.BirthDate, code)
			if err != nil || codicefiscale.Omocodia(cf, 0) != want {
				t.Errorf("%s: computed from the data: %s, %v", cf, want, err)
			}
		}
	}
}

func TestBirthPlaces(t *testing.T) {
	home := monza(t)
	var total, abroad, atHome, elsewhere int
	for _, h := range population(t) {
		for _, p := range h.Members {
			total++
			bp := p.BirthPlace
			if bp.ComuneCode == "" {
				abroad++
				if bp.Country == "" || bp.Name != bp.Country || bp.Province != "" {
					t.Errorf("born abroad with place %+v", bp)
				}
				if p.Citizenship == Italian || p.Citizenship == "" {
					t.Errorf("born in %s with citizenship %q", bp.Country, p.Citizenship)
				}
				continue
			}
			if bp.Country != "" {
				t.Errorf("born in Italy with country %q", bp.Country)
			}
			// The name and province are those in force on the birth date.
			c, ok := comuni.ByCadastral(bp.ComuneCode, p.BirthDate)
			if !ok || c.Name != bp.Name || c.Province != bp.Province {
				t.Errorf("born in %+v on %s; archive: %+v, %v", bp, p.BirthDate.Format(time.DateOnly), c, ok)
			}
			if bp.ComuneCode == home.Cadastral {
				atHome++
				// Monza was in the province of Milano until 2009-06-29.
				wantProv := "MB"
				if p.BirthDate.Before(time.Date(2009, 6, 30, 0, 0, 0, 0, time.UTC)) {
					wantProv = "MI"
				}
				if bp.Province != wantProv {
					t.Errorf("born in Monza on %s in province %s", p.BirthDate.Format(time.DateOnly), bp.Province)
				}
			} else {
				elsewhere++
			}
		}
	}
	share := float64(abroad) / float64(total)
	t.Logf("%d residents: %d born abroad (%.1f%%), %d in the comune, %d elsewhere in Italy",
		total, abroad, 100*share, atHome, elsewhere)
	if share < 0.05 || share > 0.11 {
		t.Errorf("%.1f%% born abroad, want about 8%%", 100*share)
	}
	if atHome < total/3 || elsewhere < total/10 {
		t.Errorf("born in the comune: %d, elsewhere in Italy: %d, of %d", atHome, elsewhere, total)
	}
}

func TestCitizenship(t *testing.T) {
	allowed := map[string]bool{Italian: true}
	for _, n := range nationalities {
		allowed[n.citizenship] = true
	}
	for _, h := range population(t) {
		head := h.Members[0]
		for _, p := range h.Members {
			if !allowed[p.Citizenship] {
				t.Errorf("citizenship %q", p.Citizenship)
			}
			// Households are of one nationality.
			if p.Citizenship != head.Citizenship {
				t.Errorf("household %s mixes %s and %s", h.ID, head.Citizenship, p.Citizenship)
			}
		}
	}
}

func TestKinshipAndCivilStatus(t *testing.T) {
	validStatus := map[int]bool{
		registry.CivilSingle: true, registry.CivilMarried: true, registry.CivilWidowed: true,
		registry.CivilDivorced: true, registry.CivilUnited: true, registry.CivilUnionDeadPar: true,
		registry.CivilUnionDissolv: true,
	}
	kinds := map[int]int{}
	for _, h := range population(t) {
		head := h.Members[0]
		for _, p := range h.Members {
			kinds[p.Kinship]++
			if !validStatus[p.CivilStatus] {
				t.Errorf("%s: civil status %d", p.FiscalCode, p.CivilStatus)
			}
			if age(p.BirthDate, today()) < 18 && p.CivilStatus != registry.CivilSingle {
				t.Errorf("%s: minor with civil status %d", p.FiscalCode, p.CivilStatus)
			}
			switch p.Kinship {
			case registry.KinHead:
			case registry.KinSpouse:
				if p.CivilStatus != registry.CivilMarried || head.CivilStatus != registry.CivilMarried || p.Sex == head.Sex {
					t.Errorf("household %s: spouses %d/%s and %d/%s", h.ID, head.CivilStatus, head.Sex, p.CivilStatus, p.Sex)
				}
			case registry.KinCivilPartner:
				if p.CivilStatus != registry.CivilUnited || head.CivilStatus != registry.CivilUnited || p.Sex != head.Sex {
					t.Errorf("household %s: civil partners %d/%s and %d/%s", h.ID, head.CivilStatus, head.Sex, p.CivilStatus, p.Sex)
				}
			case registry.KinCohabitant:
				for _, s := range []int{head.CivilStatus, p.CivilStatus} {
					if s == registry.CivilMarried || s == registry.CivilUnited {
						t.Errorf("household %s: cohabitant with civil status %d", h.ID, s)
					}
				}
			case registry.KinChild:
				if p.CivilStatus != registry.CivilSingle {
					t.Errorf("%s: child at home with civil status %d", p.FiscalCode, p.CivilStatus)
				}
			case registry.KinParent, registry.KinParentInLaw:
				if p.CivilStatus != registry.CivilWidowed {
					t.Errorf("%s: parent with civil status %d", p.FiscalCode, p.CivilStatus)
				}
			default:
				t.Errorf("%s: kinship %d", p.FiscalCode, p.Kinship)
			}
		}
	}
	// Every kinship the generator knows shows up in 1000 households.
	for _, k := range []int{registry.KinHead, registry.KinSpouse, registry.KinChild, registry.KinParent,
		registry.KinParentInLaw, registry.KinCohabitant, registry.KinCivilPartner} {
		if kinds[k] == 0 {
			t.Errorf("no member with kinship %d", k)
		}
	}
}

func TestAges(t *testing.T) {
	var widowedAlone, withThreeChildren int
	for _, h := range population(t) {
		var parents, children []registry.Person
		for _, p := range h.Members {
			if p.BirthDate.After(today()) {
				t.Errorf("%s born after now", p.FiscalCode)
			}
			if a := age(p.BirthDate, today()); a >= 100 || a < 0 {
				t.Errorf("%s is %d years old", p.FiscalCode, a)
			}
			if !p.BirthDate.Equal(time.Date(p.BirthDate.Year(), p.BirthDate.Month(), p.BirthDate.Day(), 0, 0, 0, 0, time.UTC)) {
				t.Errorf("%s: birth date %s is not midnight UTC", p.FiscalCode, p.BirthDate)
			}
			switch p.Kinship {
			case registry.KinHead, registry.KinSpouse, registry.KinCohabitant:
				parents = append(parents, p)
				if a := age(p.BirthDate, today()); a < 20 {
					t.Errorf("household %s: adult member is %d", h.ID, a)
				}
			case registry.KinChild:
				children = append(children, p)
			}
		}
		head := h.Members[0]
		for _, p := range h.Members[1:] {
			// Spouses and partners are of similar age.
			switch p.Kinship {
			case registry.KinSpouse, registry.KinCivilPartner, registry.KinCohabitant:
				if d := age(head.BirthDate, today()) - age(p.BirthDate, today()); d < -11 || d > 11 {
					t.Errorf("household %s: partners %d years apart", h.ID, d)
				}
			case registry.KinParent, registry.KinParentInLaw:
				if d := age(p.BirthDate, today()) - age(head.BirthDate, today()); d < 12 {
					t.Errorf("household %s: parent only %d years older than the head", h.ID, d)
				}
			}
		}
		for _, c := range children {
			for _, p := range parents {
				if a := age(p.BirthDate, c.BirthDate); a < 20 || a > 45 {
					t.Errorf("household %s: parent was %d at a child's birth", h.ID, a)
				}
			}
		}
		if len(h.Members) == 1 && head.CivilStatus == registry.CivilWidowed && age(head.BirthDate, today()) >= 65 {
			widowedAlone++
		}
		if len(children) == 3 {
			withThreeChildren++
		}
	}
	if widowedAlone == 0 || withThreeChildren == 0 {
		t.Errorf("%d elderly widow(er)s alone, %d couples with three children; want some", widowedAlone, withThreeChildren)
	}
}

func TestUniqueUsesOmocodia(t *testing.T) {
	seen := map[codicefiscale.Code]bool{}
	base, err := codicefiscale.Compute("ROSSI", "MARIO", registry.Male, time.Date(1985, 12, 10, 0, 0, 0, 0, time.UTC), "A562")
	if err != nil {
		t.Fatal(err)
	}
	// The same data eight times get the base code, then levels 1 to 7;
	// the ninth finds nothing left.
	for level := range codicefiscale.MaxOmocodia + 1 {
		got, ok := unique(seen, base)
		if want := codicefiscale.Omocodia(base, level); !ok || got != want {
			t.Fatalf("clash %d: got %s, %v; want %s", level, got, ok, want)
		}
	}
	if got, ok := unique(seen, base); ok {
		t.Errorf("ninth clash got %s", got)
	}
}

func TestNewComune(t *testing.T) {
	// Valsamoggia (BO) exists since 2014: residents born before then were
	// born elsewhere, in comuni in force at the time.
	c, ok := comuni.Current("M320")
	if !ok {
		t.Fatal("Valsamoggia (M320) not found")
	}
	hs, err := Generate(7, c, "40053", 100, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		for _, p := range h.Members {
			bp := p.BirthPlace
			if bp.ComuneCode == "" {
				continue
			}
			if _, ok := comuni.ByCadastral(bp.ComuneCode, p.BirthDate); !ok {
				t.Errorf("born on %s in %s, not in force then", p.BirthDate.Format(time.DateOnly), bp.ComuneCode)
			}
			if bp.ComuneCode == "M320" && p.BirthDate.Year() < 2014 {
				t.Errorf("born in Valsamoggia in %d", p.BirthDate.Year())
			}
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	good := monza(t)
	old, ok := comuni.ByCadastral("F704", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	if !ok {
		t.Fatal("Monza in 2000 not found")
	}
	for _, tc := range []struct {
		name       string
		comune     comuni.Comune
		postalCode string
		households int
	}{
		{"negative households", good, "20900", -1},
		{"too many households", good, "20900", MaxHouseholds + 1},
		{"short postal code", good, "2090", 10},
		{"letters in postal code", good, "2090A", 10},
		{"zero comune", comuni.Comune{}, "20900", 10},
		{"comune not in force", old, "20900", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Generate(1, tc.comune, tc.postalCode, tc.households, now); err == nil {
				t.Error("Generate succeeded, want an error")
			}
		})
	}
	if hs, err := Generate(1, good, "20900", 0, now); err != nil || len(hs) != 0 {
		t.Errorf("Generate(0 households) = %d, %v", len(hs), err)
	}
}

func BenchmarkGenerate300(b *testing.B) {
	c := monza(b)
	comuni.ByCadastral("F704", now) // load the data outside the loop
	for b.Loop() {
		if _, err := Generate(1, c, "20900", 300, now); err != nil {
			b.Fatal(err)
		}
	}
}
