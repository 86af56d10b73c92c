package synth

// Italian surnames: the most common ones, plus a few with apostrophes,
// spaces and accents, as they are written in the registry.
var surnames = []string{
	"ROSSI", "RUSSO", "FERRARI", "ESPOSITO", "BIANCHI", "ROMANO", "COLOMBO", "RICCI",
	"MARINO", "GRECO", "BRUNO", "GALLO", "CONTI", "DE LUCA", "MANCINI", "COSTA",
	"GIORDANO", "RIZZO", "LOMBARDI", "MORETTI", "BARBIERI", "FONTANA", "SANTORO", "MARIANI",
	"RINALDI", "CARUSO", "FERRARA", "GALLI", "MARTINI", "LEONE", "LONGO", "GENTILE",
	"MARTINELLI", "VITALE", "D'ANGELO", "D'AMICO", "DELL'ACQUA", "CANTÙ", "DI STEFANO", "LO RUSSO",
}

// First names by sex and era: "older" names are given mostly to people
// born before 1975, "newer" ones mostly after.
var (
	maleOlder = []string{
		"GIUSEPPE", "GIOVANNI", "ANTONIO", "MARIO", "LUIGI", "FRANCESCO", "ANGELO", "VINCENZO",
		"PIETRO", "SALVATORE", "CARLO", "FRANCO", "DOMENICO", "BRUNO", "PAOLO", "MICHELE",
		"GIORGIO", "ALDO", "SERGIO", "LUCIANO",
	}
	maleNewer = []string{
		"MARCO", "ANDREA", "ALESSANDRO", "LUCA", "MATTEO", "LORENZO", "LEONARDO", "FEDERICO",
		"RICCARDO", "STEFANO", "DAVIDE", "SIMONE", "GABRIELE", "TOMMASO", "EDOARDO", "NICOLÒ",
		"MATTIA", "FILIPPO", "EMANUELE", "CHRISTIAN",
	}
	femaleOlder = []string{
		"MARIA", "ANNA", "GIUSEPPINA", "ROSA", "ANGELA", "GIOVANNA", "TERESA", "LUCIA",
		"CARMELA", "CATERINA", "FRANCESCA", "ANTONIETTA", "ELENA", "LAURA", "PAOLA", "RITA",
		"ANNA MARIA", "MARIA GRAZIA", "PATRIZIA", "GABRIELLA",
	}
	femaleNewer = []string{
		"GIULIA", "CHIARA", "SARA", "VALENTINA", "FEDERICA", "ALESSIA", "MARTINA", "GIORGIA",
		"SOFIA", "AURORA", "ALICE", "GINEVRA", "EMMA", "BEATRICE", "ELISA", "SILVIA",
		"ILARIA", "NOEMI", "ARIANNA", "BIANCA",
	}
)

// nationality is a foreign community: where its members were born, their
// citizenship as printed, and their names.
type nationality struct {
	state       string // cadastral code of the state of birth
	citizenship string
	weight      int // relative share among foreign households
	surnames    []string
	male        []string
	female      []string
}

// The largest foreign communities in Italy. The state codes are checked
// against the ANPR table when a generator starts.
var nationalities = []nationality{
	{
		state: "Z129", citizenship: "ROMENA", weight: 30,
		surnames: []string{"POPESCU", "IONESCU", "POPA", "CONSTANTIN", "STAN", "DUMITRU", "ȘERBAN"},
		male:     []string{"ION", "ANDREI", "MIHAI", "ALEXANDRU", "ȘTEFAN", "GHEORGHE"},
		female:   []string{"ELENA", "IOANA", "MARIA", "ANDREEA", "ALEXANDRA", "MIHAELA"},
	},
	{
		state: "Z100", citizenship: "ALBANESE", weight: 20,
		surnames: []string{"HOXHA", "SHEHU", "KOLA", "LEKA", "DOKA", "ÇELA"},
		male:     []string{"ARBEN", "GENTIAN", "ERION", "ILIR", "BESNIK", "FATMIR"},
		female:   []string{"ELIRA", "ANILA", "BLERINA", "ENKELEDA", "DORINA", "MIRELA"},
	},
	{
		state: "Z330", citizenship: "MAROCCHINA", weight: 20,
		surnames: []string{"EL AMRANI", "BENALI", "EL IDRISSI", "BOUZIDI", "ZAHIRI", "AIT OUALI"},
		male:     []string{"MOHAMED", "YOUSSEF", "AHMED", "HAMZA", "KARIM", "RACHID"},
		female:   []string{"FATIMA", "KHADIJA", "AICHA", "SALMA", "NADIA", "IMANE"},
	},
	{
		state: "Z138", citizenship: "UCRAINA", weight: 15,
		surnames: []string{"KOVALENKO", "SHEVCHENKO", "BONDARENKO", "TKACHENKO", "MELNYK", "BOYKO"},
		male:     []string{"OLEKSANDR", "ANDRIY", "SERHIY", "DMYTRO", "VOLODYMYR", "YURIY"},
		female:   []string{"OLENA", "NATALIYA", "IRYNA", "OKSANA", "TETYANA", "HALYNA"},
	},
	{
		state: "Z210", citizenship: "CINESE", weight: 15,
		surnames: []string{"HU", "CHEN", "WANG", "ZHANG", "LIU", "LIN", "ZHOU"},
		male:     []string{"WEI", "JUN", "HAO", "MING", "JIE", "YONG"},
		female:   []string{"LI", "YAN", "MEI", "XIN", "HUA", "YING"},
	},
}

// street is a street of the synthetic comune and its highest civic number.
type street struct {
	toponym, name string
	maxNumber     int
}

// Streets found in most Italian comuni.
var streets = []street{
	{"VIA", "ROMA", 180},
	{"VIA", "GIUSEPPE GARIBALDI", 150},
	{"VIA", "GIUSEPPE MAZZINI", 120},
	{"VIA", "CAMILLO BENSO DI CAVOUR", 90},
	{"CORSO", "VITTORIO EMANUELE II", 200},
	{"CORSO", "ITALIA", 160},
	{"PIAZZA", "DELLA VITTORIA", 30},
	{"PIAZZA", "DEL MUNICIPIO", 20},
	{"PIAZZA", "DANTE ALIGHIERI", 25},
	{"VIA", "GIACOMO MATTEOTTI", 110},
	{"VIA", "ANTONIO GRAMSCI", 100},
	{"VIA", "XX SETTEMBRE", 130},
	{"VIA", "IV NOVEMBRE", 80},
	{"VIA", "XXV APRILE", 90},
	{"VIALE", "DELLA REPUBBLICA", 140},
	{"VIA", "ALESSANDRO MANZONI", 70},
	{"VIA", "GIACOMO LEOPARDI", 60},
	{"VIA", "SAN FRANCESCO D'ASSISI", 75},
	{"VIA", "DEI MILLE", 85},
	{"VIALE", "EUROPA", 120},
	{"VIA", "ALDO MORO", 95},
	{"VIA", "PAPA GIOVANNI XXIII", 65},
	{"VIA", "DELLE ROSE", 40},
	{"VIA", "DEI TIGLI", 35},
	{"VIA", "CESARE BATTISTI", 70},
	{"VIA", "NAZARIO SAURO", 55},
	{"VIA", "GUGLIELMO MARCONI", 100},
	{"VIA", "FRATELLI ROSSELLI", 50},
	{"VIA", "PIAVE", 60},
	{"LARGO", "DEI CADUTI", 15},
	{"VICOLO", "DEL FORNO", 12},
	{"VIA", "DELLA STAZIONE", 45},
	{"VIALE", "DELLA LIBERTÀ", 110},
}

// Big cities where some residents were born, by cadastral code: Roma,
// Milano, Napoli, Torino, Palermo, Genova, Bologna, Firenze, Bari.
var bigCities = []string{"H501", "F205", "F839", "L219", "G273", "D969", "A944", "D612", "A662"}
