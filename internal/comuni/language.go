package comuni

import "strings"

// Second official languages.
//
// A comune has a second official language, and may issue bilingual
// documents, by this rule:
//
//   - province BZ (South Tyrol / Südtirol): German, "de". Every comune of
//     the province; its German name is the archive's ALTRADENOMINAZIONE
//     (D.P.R. 31 agosto 1972, n. 670, Statuto di autonomia, art. 99-101;
//     D.P.R. 15 luglio 1988, n. 574). All 116 comuni in force have one.
//   - province AO (Valle d'Aosta / Vallée d'Aoste): French, "fr". Every
//     comune of the region (Statuto speciale, L. cost. 26 febbraio 1948,
//     n. 4, art. 38). The archive gives a French name only to AOSTA
//     ("AOSTE"): the other comuni's official names are French already, so
//     for the record in force the name is Name itself. Historic records get
//     no fallback, since from 1939 to 1946 the names were Italianised
//     ("CORMAIORE") and from 1927 to 1945 the province also held comuni of
//     the Canavese.
//   - provinces TS, GO, UD (Friuli-Venezia Giulia): Slovenian, "sl", for
//     the comuni whose ANPR record has a second-language name. The law
//     (L. 23 febbraio 2001, n. 38, art. 4 and 8) protects the Slovenian
//     minority in the comuni, or parts of comuni, listed in the table
//     approved by D.P.R. 12 settembre 2007 (G.U. n. 276 of 27 November
//     2007), about 32 comuni; the archive names only 12 of them (the six of
//     TS, four of GO, GRIMACCO and TARVISIO in UD). Comuni in the table but
//     without a Slovenian name in the archive (e.g. CORMONS, CIVIDALE DEL
//     FRIULI, RESIA) report none: the table is not in the archive, and
//     for several comuni it covers only some frazioni.
//
// In short: comuni whose ANPR record has a second-language name, language
// by province (BZ→de, AO→fr, TS/GO/UD→sl), plus every comune of AO in
// force. The codes are ANPR table 14's (tab_lingue: IT, DE, FR, SL), in
// lower case.
//
// Not reported: any record of province TN. Today the archive gives Ladin
// names to six comuni of the Val di Fassa there (CANAZEI → "CIANACEI"),
// and Ladin is not one of ANPR's document languages; its TN records of
// 1920-1948, when the province of Trento also held much of today's South
// Tyrol, mix German names with Ladin ones.
var secondLanguages = map[string]string{
	"BZ": "de",
	"AO": "fr",
	"TS": "sl",
	"GO": "sl",
	"UD": "sl",
}

// SecondLanguage returns the comune's second official language ("de",
// "fr" or "sl") and its name in that language, in capitals as the archive
// writes names ("BOZEN", "AOSTE", "DEVIN NABREŽINA"). ok is false for the
// comuni with Italian as their only official language. See
// secondLanguages for the rule and its sources.
//
// The name comes from the archive's ALTRADENOMINAZIONE (AltName). For four
// Slovenian comuni the archive writes the whole formula, "COMUNE DI
// DUINO AURISINA-OBCINA DEVIN NABREŽINA": SecondLanguage returns the part
// after "OBCINA". Several of those comuni have a bilingual official Name
// already ("DUINO AURISINA-DEVIN NABREŽINA").
func (c Comune) SecondLanguage() (lang, name string, ok bool) {
	lang, ok = secondLanguages[c.Province]
	if !ok {
		return "", "", false
	}
	name = c.AltName
	switch {
	case lang == "sl":
		name = slovenianName(name)
	case lang == "fr" && name == "" && c.InForce():
		name = c.Name
	}
	if name == "" {
		return "", "", false
	}
	return lang, name, true
}

// slovenianName extracts the Slovenian name from the archive's formula
// "COMUNE DI <Italian>-OBCINA <Slovenian>" (OBČINA, written without its
// caron); other names are returned as they are.
func slovenianName(alt string) string {
	if !strings.HasPrefix(alt, "COMUNE DI ") {
		return alt
	}
	const sep = "-OBCINA "
	if i := strings.LastIndex(alt, sep); i >= 0 {
		return strings.TrimSpace(alt[i+len(sep):])
	}
	return alt
}
