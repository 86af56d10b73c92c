package anpr

import (
	"strings"
	"testing"
	"time"
)

// TestCitizenshipAdjectives checks every code of the table of adjectives
// against table 2: a citizenship in force, listed once, in order.
func TestCitizenshipAdjectives(t *testing.T) {
	for i, a := range citizenshipAdjectives {
		if i > 0 && citizenshipAdjectives[i-1].code >= a.code {
			t.Errorf("adjectives not ordered at %s", a.code)
		}
		s, ok := CitizenshipState(a.code)
		if !ok {
			t.Errorf("%s %s: not a citizenship of table 2", a.code, a.text)
			continue
		}
		if !s.ValidTo.IsZero() {
			t.Errorf("%s %s: state %s not in force (ended %s)", a.code, a.text, s.Name, s.ValidTo.Format("2006-01-02"))
		}
		if a.text == "" || a.text != strings.ToUpper(a.text) || a.text != strings.TrimSpace(a.text) {
			t.Errorf("%s: text %q is not upper case", a.code, a.text)
		}
	}
}

// TestCitizenshipCoverage checks that the states that matter most have an
// adjective, finding them by ISO 3166 code, so that an ISTAT code given to
// the wrong state fails too.
func TestCitizenshipCoverage(t *testing.T) {
	want := map[string]string{
		// European Union.
		"AUT": "AUSTRIACA", "BEL": "BELGA", "BGR": "BULGARA", "HRV": "CROATA", "CYP": "CIPRIOTA",
		"CZE": "CECA", "DNK": "DANESE", "EST": "ESTONE", "FIN": "FINLANDESE", "FRA": "FRANCESE",
		"DEU": "TEDESCA", "GRC": "GRECA", "HUN": "UNGHERESE", "IRL": "IRLANDESE", "ITA": "ITALIANA",
		"LVA": "LETTONE", "LTU": "LITUANA", "LUX": "LUSSEMBURGHESE", "MLT": "MALTESE", "NLD": "OLANDESE",
		"POL": "POLACCA", "PRT": "PORTOGHESE", "ROU": "ROMENA", "SVK": "SLOVACCA", "SVN": "SLOVENA",
		"ESP": "SPAGNOLA", "SWE": "SVEDESE",
		// The rest of the G20.
		"ARG": "ARGENTINA", "AUS": "AUSTRALIANA", "BRA": "BRASILIANA", "CAN": "CANADESE", "CHN": "CINESE",
		"IND": "INDIANA", "IDN": "INDONESIANA", "JPN": "GIAPPONESE", "KOR": "SUDCOREANA", "MEX": "MESSICANA",
		"RUS": "RUSSA", "SAU": "SAUDITA", "ZAF": "SUDAFRICANA", "TUR": "TURCA", "GBR": "BRITANNICA",
		"USA": "STATUNITENSE",
		// The rest of Europe.
		"CHE": "SVIZZERA", "SMR": "SAMMARINESE", "VAT": "VATICANA", "NOR": "NORVEGESE", "ISL": "ISLANDESE",
		"AND": "ANDORRANA", "MCO": "MONEGASCA", "ALB": "ALBANESE", "BIH": "BOSNIACA", "MKD": "MACEDONE",
		"MDA": "MOLDAVA", "MNE": "MONTENEGRINA", "SRB": "SERBA", "KOS": "KOSOVARA", "UKR": "UCRAINA",
		"BLR": "BIELORUSSA",
		// The largest foreign citizenships resident in Italy not listed above.
		"MAR": "MAROCCHINA", "PHL": "FILIPPINA", "BGD": "BANGLADESE", "EGY": "EGIZIANA", "PAK": "PAKISTANA",
		"NGA": "NIGERIANA", "LKA": "SRILANKESE", "SEN": "SENEGALESE", "PER": "PERUVIANA", "TUN": "TUNISINA",
		"ECU": "ECUADORIANA", "GHA": "GHANESE", "DOM": "DOMINICANA", "CIV": "IVORIANA", "COL": "COLOMBIANA",
		"MLI": "MALIANA", "GMB": "GAMBIANA", "GEO": "GEORGIANA", "CUB": "CUBANA", "DZA": "ALGERINA",
		"VEN": "VENEZUELANA", "IRN": "IRANIANA", "SLV": "SALVADOREGNA", "BFA": "BURKINABÈ", "GIN": "GUINEANA",
		"ERI": "ERITREA", "CMR": "CAMERUNESE", "SOM": "SOMALA", "SYR": "SIRIANA", "AFG": "AFGHANA",
		"ETH": "ETIOPE", "THA": "THAILANDESE", "VNM": "VIETNAMITA", "IRQ": "IRACHENA", "HND": "HONDUREGNA",
		"BOL": "BOLIVIANA", "KAZ": "KAZAKA", "UZB": "UZBEKA", "TGO": "TOGOLESE", "BEN": "BENINESE",
		"NPL": "NEPALESE", "SDN": "SUDANESE", "KEN": "KENIOTA", "LBY": "LIBICA", "ARM": "ARMENA",
		"AZE": "AZERBAIGIANA", "KGZ": "KIRGHISA", "ISR": "ISRAELIANA", "LBN": "LIBANESE", "JOR": "GIORDANA",
		"PSE": "PALESTINESE", "PRY": "PARAGUAIANA", "URY": "URUGUAIANA", "CHL": "CILENA", "GTM": "GUATEMALTECA",
		"NIC": "NICARAGUENSE", "CRI": "COSTARICANA", "PAN": "PANAMENSE", "HTI": "HAITIANA", "JAM": "GIAMAICANA",
		"MUS": "MAURIZIANA", "CPV": "CAPOVERDIANA", "NER": "NIGERINA", "SLE": "SIERRALEONESE", "LBR": "LIBERIANA",
		"COG": "CONGOLESE", "AGO": "ANGOLANA", "MDG": "MALGASCIA", "TWN": "TAIWANESE", "MYS": "MALESE",
		"SGP": "SINGAPORIANA", "MMR": "BIRMANA", "KHM": "CAMBOGIANA", "MNG": "MONGOLA", "NZL": "NEOZELANDESE",
	}
	seen := map[string]bool{}
	for _, s := range CitizenshipStates() {
		w, ok := want[s.ISOAlpha3]
		if !ok {
			continue
		}
		seen[s.ISOAlpha3] = true
		if got, ok := CitizenshipText(s.ISTAT); !ok || got != w {
			t.Errorf("%s %s (%s) = %q, %v; want %q", s.ISTAT, s.Name, s.ISOAlpha3, got, ok, w)
		}
	}
	for iso := range want {
		if !seen[iso] {
			t.Errorf("no citizenship with ISO code %s in table 2", iso)
		}
	}
	n := 0
	for _, s := range CitizenshipStates() {
		if _, ok := CitizenshipText(s.ISTAT); ok {
			n++
		}
	}
	if n != len(citizenshipAdjectives) {
		t.Errorf("%d citizenships have an adjective, the table has %d", n, len(citizenshipAdjectives))
	}
	t.Logf("%d of %d citizenships of table 2 have an adjective", n, len(CitizenshipStates()))
}

func TestCitizenshipText(t *testing.T) {
	for _, tc := range []struct {
		code, text string
		ok         bool
	}{
		{"100", "ITALIANA", true},
		{"235", "ROMENA", true},
		{"246", "VATICANA", true},
		{"536", "STATUNITENSE", true},
		{"997", "IN CORSO DI DEFINIZIONE", true},
		{"998", "NON ATTRIBUIBILE", true},
		{"999", "APOLIDE", true},
		// No adjective: the state's name.
		{"731", "TUVALU", false},
		{"463", "REPUBBLICA DEMOCRATICA DEL CONGO", false},
		{"225", "LIECHTENSTEIN", false},
		// Not a citizenship.
		{"520", "", false}, // GROENLANDIA
		{"888", "", false},
		{"000", "", false},
		{"", "", false},
		{"Z129", "", false},
	} {
		if text, ok := CitizenshipText(tc.code); text != tc.text || ok != tc.ok {
			t.Errorf("CitizenshipText(%q) = %q, %v; want %q, %v", tc.code, text, ok, tc.text, tc.ok)
		}
	}
}

func TestStateValidTo(t *testing.T) {
	if s, _ := StateByISTAT("235"); !s.ValidTo.IsZero() {
		t.Errorf("ROMANIA ends %s, want in force", s.ValidTo)
	}
	st, err := parseStates("# Tabella 02 - Stati Esteri\nID\tDENOMINAZIONE\n" +
		"1\tJUGOSLAVIA - DATAFINEVALIDITA: 27/04/1992 - CODISTAT: 998 - CITTADINANZA: S\n" +
		"2\tROMANIA - DATAFINEVALIDITA: 31/12/9999 - CODISTAT: 235 - CITTADINANZA: S")
	if err != nil {
		t.Fatal(err)
	}
	if to := st.byISTAT["998"].ValidTo; !to.Equal(time.Date(1992, 4, 27, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ended state: ValidTo %s", to)
	}
	if to := st.byISTAT["235"].ValidTo; !to.IsZero() {
		t.Errorf("state in force: ValidTo %s", to)
	}
}

func BenchmarkCitizenshipText(b *testing.B) {
	for b.Loop() {
		CitizenshipText("436")
	}
}
