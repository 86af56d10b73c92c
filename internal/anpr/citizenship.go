package anpr

import (
	"slices"
	"strings"
)

// CitizenshipText returns a citizenship as certificates print it after
// "cittadinanza:", for an ISTAT code of table 2 usable as a citizenship
// (see CitizenshipState).
//
// When the code is in the table of adjectives below, CitizenshipText
// returns the Italian adjective in the feminine singular, agreeing with
// "cittadinanza", in upper case, and true: "ITALIANA" for "100",
// "ROMENA" for "235", "STATUNITENSE" for "536", "VATICANA" for "246".
// The special codes read "IN CORSO DI DEFINIZIONE" (997), "NON
// ATTRIBUIBILE" (998) and "APOLIDE" (999).
//
// Otherwise it reports false, and the text is the fallback: the state's
// name as table 2 gives it, upper-cased, e.g. "TUVALU" or "REPUBBLICA
// DEMOCRATICA DEL CONGO", printed as "cittadinanza: TUVALU": where the
// adjective is uncommon or ambiguous the state's name reads correctly
// and cannot be misread. For a code that is not a citizenship (unknown,
// or a territory such as "520") the text is empty.
//
// Looking up a code with an adjective does not parse table 2.
func CitizenshipText(code string) (text string, ok bool) {
	if i, found := slices.BinarySearchFunc(citizenshipAdjectives, code, func(a citizenshipAdjective, c string) int {
		return strings.Compare(a.code, c)
	}); found {
		return citizenshipAdjectives[i].text, true
	}
	if s, isCitizenship := CitizenshipState(code); isCitizenship {
		return strings.ToUpper(s.Name), false
	}
	return "", false
}

type citizenshipAdjective struct{ code, text string }

// citizenshipAdjectives maps the ISTAT codes of table 2 (CODISTAT) that
// are citizenships to the Italian adjective of the citizenship, feminine
// singular, upper case, ordered by code.
//
// Sources and method: ANPR and ISTAT publish no adjectives (table 2 has
// the names of the states only), so the list was compiled by hand for
// certa from standard Italian usage (the adjectives of nationality of the
// Italian dictionaries, as used on Italian civil-registry certificates),
// starting from the states of table 2 with CITTADINANZA S. It covers every
// state of the European Union and of the G20, the other European states
// (Switzerland, San Marino, the Vatican City, the United Kingdom, ...),
// the largest foreign citizenships resident in Italy by ISTAT's counts
// and most other states, plus 100 and the special codes 997-999. States
// whose adjective is rare or unsettled in Italian are left out on purpose
// and print their name (see CitizenshipText): e.g. LIECHTENSTEIN,
// BOTSWANA, LESOTHO, GUINEA BISSAU, GUINEA EQUATORIALE, the small island
// states of the Caribbean and the Pacific, and 463 REPUBBLICA
// DEMOCRATICA DEL CONGO, whose adjective would be the same as 418
// CONGO's. Where usage varies, the form chosen is the one common in
// Italian registry practice: OLANDESE (Paesi Bassi), BANGLADESE,
// SRILANKESE, MALESE (Malaysia), BIRMANA (Myanmar), MACEDONE (Macedonia
// del Nord), BOSNIACA (Bosnia-Erzegovina).
//
// TestCitizenshipAdjectives checks that each code is a citizenship of
// table 2 in force and that the list is sorted.
var citizenshipAdjectives = []citizenshipAdjective{
	{"100", "ITALIANA"},
	{"201", "ALBANESE"},
	{"202", "ANDORRANA"},
	{"203", "AUSTRIACA"},
	{"206", "BELGA"},
	{"209", "BULGARA"},
	{"212", "DANESE"},
	{"214", "FINLANDESE"},
	{"215", "FRANCESE"},
	{"216", "TEDESCA"},
	{"219", "BRITANNICA"},
	{"220", "GRECA"},
	{"221", "IRLANDESE"},
	{"223", "ISLANDESE"},
	{"226", "LUSSEMBURGHESE"},
	{"227", "MALTESE"},
	{"229", "MONEGASCA"},
	{"231", "NORVEGESE"},
	{"232", "OLANDESE"},
	{"233", "POLACCA"},
	{"234", "PORTOGHESE"},
	{"235", "ROMENA"},
	{"236", "SAMMARINESE"},
	{"239", "SPAGNOLA"},
	{"240", "SVEDESE"},
	{"241", "SVIZZERA"},
	{"243", "UCRAINA"},
	{"244", "UNGHERESE"},
	{"245", "RUSSA"},
	{"246", "VATICANA"},
	{"247", "ESTONE"},
	{"248", "LETTONE"},
	{"249", "LITUANA"},
	{"250", "CROATA"},
	{"251", "SLOVENA"},
	{"252", "BOSNIACA"},
	{"253", "MACEDONE"},
	{"254", "MOLDAVA"},
	{"255", "SLOVACCA"},
	{"256", "BIELORUSSA"},
	{"257", "CECA"},
	{"270", "MONTENEGRINA"},
	{"271", "SERBA"},
	{"272", "KOSOVARA"},
	{"301", "AFGHANA"},
	{"302", "SAUDITA"},
	{"304", "BAHREINITA"},
	{"305", "BANGLADESE"},
	{"306", "BHUTANESE"},
	{"307", "BIRMANA"},
	{"309", "BRUNEIANA"},
	{"310", "CAMBOGIANA"},
	{"311", "SRILANKESE"},
	{"314", "CINESE"},
	{"315", "CIPRIOTA"},
	{"319", "NORDCOREANA"},
	{"320", "SUDCOREANA"},
	{"322", "EMIRATINA"},
	{"323", "FILIPPINA"},
	{"324", "PALESTINESE"},
	{"326", "GIAPPONESE"},
	{"327", "GIORDANA"},
	{"330", "INDIANA"},
	{"331", "INDONESIANA"},
	{"332", "IRANIANA"},
	{"333", "IRACHENA"},
	{"334", "ISRAELIANA"},
	{"335", "KUWAITIANA"},
	{"336", "LAOTIANA"},
	{"337", "LIBANESE"},
	{"338", "TIMORESE"},
	{"339", "MALDIVIANA"},
	{"340", "MALESE"},
	{"341", "MONGOLA"},
	{"342", "NEPALESE"},
	{"343", "OMANITA"},
	{"344", "PAKISTANA"},
	{"345", "QATARIOTA"},
	{"346", "SINGAPORIANA"},
	{"348", "SIRIANA"},
	{"349", "THAILANDESE"},
	{"351", "TURCA"},
	{"353", "VIETNAMITA"},
	{"354", "YEMENITA"},
	{"356", "KAZAKA"},
	{"357", "UZBEKA"},
	{"358", "ARMENA"},
	{"359", "AZERBAIGIANA"},
	{"360", "GEORGIANA"},
	{"361", "KIRGHISA"},
	{"362", "TAGIKA"},
	{"363", "TAIWANESE"},
	{"364", "TURKMENA"},
	{"401", "ALGERINA"},
	{"402", "ANGOLANA"},
	{"404", "IVORIANA"},
	{"406", "BENINESE"},
	{"409", "BURKINABÈ"},
	{"410", "BURUNDESE"},
	{"411", "CAMERUNESE"},
	{"413", "CAPOVERDIANA"},
	{"414", "CENTRAFRICANA"},
	{"415", "CIADIANA"},
	{"417", "COMORIANA"},
	{"418", "CONGOLESE"},
	{"419", "EGIZIANA"},
	{"420", "ETIOPE"},
	{"421", "GABONESE"},
	{"422", "GAMBIANA"},
	{"423", "GHANESE"},
	{"424", "GIBUTIANA"},
	{"425", "GUINEANA"},
	{"428", "KENIOTA"},
	{"430", "LIBERIANA"},
	{"431", "LIBICA"},
	{"432", "MALGASCIA"},
	{"434", "MALAWIANA"},
	{"435", "MALIANA"},
	{"436", "MAROCCHINA"},
	{"437", "MAURITANA"},
	{"438", "MAURIZIANA"},
	{"440", "MOZAMBICANA"},
	{"441", "NAMIBIANA"},
	{"442", "NIGERINA"},
	{"443", "NIGERIANA"},
	{"446", "RUANDESE"},
	{"450", "SENEGALESE"},
	{"451", "SIERRALEONESE"},
	{"453", "SOMALA"},
	{"454", "SUDAFRICANA"},
	{"455", "SUDANESE"},
	{"457", "TANZANIANA"},
	{"458", "TOGOLESE"},
	{"460", "TUNISINA"},
	{"461", "UGANDESE"},
	{"464", "ZAMBIANA"},
	{"465", "ZIMBABWEANA"},
	{"466", "ERITREA"},
	{"509", "CANADESE"},
	{"513", "COSTARICANA"},
	{"514", "CUBANA"},
	{"516", "DOMINICANA"},
	{"517", "SALVADOREGNA"},
	{"518", "GIAMAICANA"},
	{"523", "GUATEMALTECA"},
	{"524", "HAITIANA"},
	{"525", "HONDUREGNA"},
	{"527", "MESSICANA"},
	{"529", "NICARAGUENSE"},
	{"530", "PANAMENSE"},
	{"536", "STATUNITENSE"},
	{"602", "ARGENTINA"},
	{"604", "BOLIVIANA"},
	{"605", "BRASILIANA"},
	{"606", "CILENA"},
	{"608", "COLOMBIANA"},
	{"609", "ECUADORIANA"},
	{"612", "GUYANESE"},
	{"614", "PARAGUAIANA"},
	{"615", "PERUVIANA"},
	{"616", "SURINAMESE"},
	{"618", "URUGUAIANA"},
	{"619", "VENEZUELANA"},
	{"701", "AUSTRALIANA"},
	{"703", "FIGIANA"},
	{"719", "NEOZELANDESE"},
	{"727", "SAMOANA"},
	{"730", "TONGANA"},
	{"997", "IN CORSO DI DEFINIZIONE"},
	{"998", "NON ATTRIBUIBILE"},
	{"999", "APOLIDE"},
}
