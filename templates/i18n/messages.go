package i18n

// The catalogue. Each text lists Italian, German, French, Slovenian, in
// that order; "masculine|feminine" where a language distinguishes them.
// Arguments are strings (%s, or %[n]s to reorder them).
//
// The translations are unreviewed drafts: see the package documentation.
// Notes for the reviewer:
//   - German follows South Tyrol's administrative usage as far as known
//     (Meldeamt, Melderegister, Familienbogen, Ansässigkeitsbescheinigung,
//     Steuernummer, GvD for D.Lgs.). Statements continue "dass" (for
//     "che"), so their verbs come last; where a value follows the
//     statement on its own line they end with a colon.
//   - French follows Valle d'Aosta's usage as far as known; "Anagrafe" is
//     rendered "registre de la population".
//   - Slovenian avoids inflecting names it cannot decline: "v kraju X"
//     (in the place X), "z osebo X" (with the person X), "družina osebe X".
//   - Italian legal abbreviations (D.P.R., D.Lgs.) are kept in French and
//     Slovenian, as names of Italian acts.

// Keys of the page frame: header, closing, QR block.
const (
	DemoBanner         Key = "header.demo"        // DOCUMENTO DIMOSTRATIVO - ...
	ComuneOf           Key = "header.comune"      // COMUNE DI %s (the comune's name in that language)
	OfficeAnagrafe     Key = "header.office"      // Ufficio Anagrafe (the usual Issuer.Office)
	Official           Key = "header.official"    // L'UFFICIALE D'ANAGRAFE (also above the seal)
	BasedOnRecords     Key = "header.records"     // in base alle risultanze degli atti anagrafici
	Certifies          Key = "header.certifies"   // CERTIFICA
	IssuedForLawfulUse Key = "closing.use"        // Si rilascia per gli usi consentiti dalla legge.
	NotForPublicBodies Key = "closing.art40"      // Il presente certificato non può essere prodotto ...
	ValidityUnlimited  Key = "closing.unlimited"  // Validità illimitata ...
	ValiditySixMonths  Key = "closing.sixmonths"  // Validità: sei mesi ..., fino al %s ...
	SealNote           Key = "closing.seal"       // Documento firmato digitalmente con sigillo ...
	VerificationCode   Key = "qr.code"            // Codice di verifica
	VerifyHow          Key = "qr.instructions"    // Inquadrare il codice QR o aprire %s ...
	Footer             Key = "qr.footer"          // %s - codice %s - rilasciato il %s (title, code, date)
	AddressNumber      Key = "address.number"     // n. %s (house number)
	AddressInternal    Key = "address.internal"   // int. %s (flat)
	RecordNumber       Key = "record.number"      // n. %s (of a civil-status act)
	RecordPart         Key = "record.part"        // parte %s
	RecordSeries       Key = "record.series"      // serie %s
	RecordVolume       Key = "record.volume"      // volume %s
	RecordYear         Key = "record.year"        // anno %s
	EventPlaceDate     Key = "event.placedate"    // a %s il %s. (place, date; marriage, civil union)
	That               Key = "person.that"        // che
	BornIn             Key = "person.born"        // nato a | nata a (label)
	BornOn             Key = "person.born.value"  // %s il %s (place, date: the label's value)
	FiscalCode         Key = "person.fiscalcode"  // codice fiscale (label; also the family table's note)
	Citizenship        Key = "person.citizenship" // cittadinanza (label)
	HeadName           Key = "table.name"         // Cognome e nome
	HeadBirth          Key = "table.birth"        // Luogo e data di nascita
	HeadKinship        Key = "table.kinship"      // Relazione di parentela
	HeadCivilStatus    Key = "table.civilstatus"  // Stato civile
	HeadCitizenship    Key = "table.citizenship"  // Cittadinanza
	HeadFrom           Key = "table.from"         // Dal
	HeadTo             Key = "table.to"           // Al
	HeadAddress        Key = "table.address"      // Indirizzo
	Ongoing            Key = "table.ongoing"      // in corso
	KinOther           Key = "kinship.other"      // Altro (kinship not named)
	NotClassifiable    Key = "civilstatus.9"      // Non classificabile
)

// Keys of the bodies' statements, by certificate type.
const (
	ResidentStatement     Key = "residenza.statement"                // è iscritto/a nell'Anagrafe ... ed è residente in
	BornStatement         Key = "nascita.statement"                  // è nato/a a %s il %s.
	BirthRecord           Key = "nascita.record"                     // Atto di nascita %s.
	DiedStatement         Key = "morte.statement"                    // è deceduto/a a %s il %s.
	MarriedTo             Key = "matrimonio.statement"               // ha contratto matrimonio con
	MarriageRecord        Key = "matrimonio.record"                  // Atto di matrimonio %s.
	RemovedStatement      Key = "cancellazione.statement"            // è stato/a cancellato/a ... in data %s ...:
	ItalianCitizen        Key = "cittadinanza.italian"               // è cittadino/a italiano/a.
	AlsoCitizenship       Key = "cittadinanza.also"                  // Possiede inoltre la cittadinanza: %s.
	HasCitizenship        Key = "cittadinanza.has"                   // è in possesso della cittadinanza:
	CitizenshipHistory    Key = "storico_cittadinanza.statement"     // ha posseduto e possiede le seguenti cittadinanze:
	AliveStatement        Key = "esistenza_in_vita.statement"        // è in vita alla data odierna, %s.
	ResidenceHistory      Key = "storico_residenza.statement"        // ha avuto in questo Comune le seguenti residenze:
	ResidentOnDate        Key = "storico_residenza_data.resident"    // alla data del %s era residente in questo Comune in
	NotResidentOnDate     Key = "storico_residenza_data.notresident" // alla data del %s non risultava residente ...
	AIREStatement         Key = "residenza_aire.statement"           // è iscritto/a nell'A.I.R.E. ... dal %s ed è residente in
	Consulate             Key = "residenza_aire.consulate"           // Ufficio consolare di riferimento: %s.
	CivilStatusIs         Key = "stato_civile.statement"             // è di stato civile:
	FreeStatus            Key = "stato_libero.statement"             // è di stato libero, essendo di stato civile:
	CivilUnionWith        Key = "unione_civile.statement"            // ha costituito unione civile (L. ...) con
	CivilUnionRecord      Key = "unione_civile.record"               // Atto di unione civile %s.
	ContractWith          Key = "contratto_convivenza.statement"     // ha stipulato un contratto di convivenza (...) con
	ContractDates         Key = "contratto_convivenza.dates"         // in data %s, registrato in anagrafe il %s
	ContractAuthenticated Key = "contratto_convivenza.authenticated" // , autenticato da %s
	CohabitationStatement Key = "residenza_convivenza.statement"     // è iscritto/a ... nella convivenza anagrafica
	CohabitationPlace     Key = "residenza_convivenza.place"         // in %s. (comune, address)
	FamilyIntro           Key = "stato_famiglia.intro"               // che la famiglia anagrafica di %s, residente in %s, ...
	FamilyAIREIntro       Key = "stato_famiglia_aire.intro"          // che la famiglia di %s, iscritta nell'A.I.R.E. ... %s, ...
)

var messages = map[Key]text{
	// Page frame.
	DemoBanner: {
		"DOCUMENTO DIMOSTRATIVO - FIRMATO CON CHIAVE DI PROVA - PRIVO DI VALORE LEGALE",
		"MUSTERDOKUMENT - MIT TESTSCHLÜSSEL UNTERZEICHNET - OHNE RECHTSWIRKUNG",
		"DOCUMENT DE DÉMONSTRATION - SIGNÉ AVEC UNE CLÉ DE TEST - SANS VALEUR LÉGALE",
		"DEMONSTRACIJSKI DOKUMENT - PODPISAN S TESTNIM KLJUČEM - BREZ PRAVNE VELJAVE",
	},
	ComuneOf:       {"COMUNE DI %s", "GEMEINDE %s", "COMMUNE DE %s", "OBČINA %s"},
	OfficeAnagrafe: {"Ufficio Anagrafe", "Meldeamt", "Bureau du registre de la population", "Matični urad"},
	Official:       {"L'UFFICIALE D'ANAGRAFE", "DER MELDEBEAMTE", "L'OFFICIER DU REGISTRE DE LA POPULATION", "MATIČNI URADNIK"},
	BasedOnRecords: {
		"in base alle risultanze degli atti anagrafici",
		"aufgrund der Eintragungen im Melderegister",
		"sur la base des actes du registre de la population",
		"na podlagi podatkov iz registra prebivalstva",
	},
	Certifies:          {"CERTIFICA", "BESCHEINIGT", "CERTIFIE", "POTRJUJE"},
	IssuedForLawfulUse: {"Si rilascia per gli usi consentiti dalla legge.", "Wird für die gesetzlich zulässigen Zwecke ausgestellt.", "Délivré pour les usages autorisés par la loi.", "Izdaja se za zakonsko dovoljene namene."},
	NotForPublicBodies: {
		"Il presente certificato non può essere prodotto agli organi della pubblica amministrazione o ai privati gestori di pubblici servizi (art. 40, comma 01, D.P.R. 28 dicembre 2000, n. 445).",
		"Diese Bescheinigung darf den Organen der öffentlichen Verwaltung und den privaten Betreibern öffentlicher Dienste nicht vorgelegt werden (Art. 40 Abs. 01 DPR vom 28. Dezember 2000, Nr. 445).",
		"Le présent certificat ne peut être produit auprès des organes de l'administration publique ni des gestionnaires privés de services publics (art. 40, alinéa 01, D.P.R. du 28 décembre 2000, n° 445).",
		"Tega potrdila ni dovoljeno predložiti organom javne uprave ali zasebnim upravljavcem javnih služb (40. člen, odstavek 01, D.P.R. z dne 28. decembra 2000, št. 445).",
	},
	ValidityUnlimited: {
		"Validità illimitata (art. 41, comma 1, D.P.R. 445/2000).",
		"Unbeschränkte Gültigkeit (Art. 41 Abs. 1 DPR 445/2000).",
		"Validité illimitée (art. 41, alinéa 1, D.P.R. 445/2000).",
		"Neomejena veljavnost (41. člen, 1. odstavek, D.P.R. 445/2000).",
	},
	ValiditySixMonths: {
		"Validità: sei mesi dalla data di rilascio, fino al %s (art. 41 D.P.R. 445/2000).",
		"Gültigkeit: sechs Monate ab dem Ausstellungsdatum, bis zum %s (Art. 41 DPR 445/2000).",
		"Validité : six mois à compter de la date de délivrance, jusqu'au %s (art. 41 D.P.R. 445/2000).",
		"Veljavnost: šest mesecev od datuma izdaje, do %s (41. člen D.P.R. 445/2000).",
	},
	SealNote: {
		"Documento firmato digitalmente con sigillo elettronico del Comune (artt. 20 e 24 D.Lgs. 82/2005)",
		"Mit dem elektronischen Siegel der Gemeinde digital unterzeichnetes Dokument (Art. 20 und 24 GvD 82/2005)",
		"Document signé numériquement avec le cachet électronique de la Commune (art. 20 et 24 D.Lgs. 82/2005)",
		"Dokument, digitalno podpisan z elektronskim žigom občine (20. in 24. člen D.Lgs. 82/2005)",
	},
	VerificationCode: {"Codice di verifica", "Prüfcode", "Code de vérification", "Koda za preverjanje"},
	VerifyHow: {
		"Inquadrare il codice QR o aprire %s per verificare l'autenticità e la validità del certificato. La copia stampata è copia analogica di documento informatico sigillato (art. 23 D.Lgs. 82/2005).",
		"QR-Code scannen oder %s öffnen, um die Echtheit und die Gültigkeit der Bescheinigung zu prüfen. Der Ausdruck ist eine analoge Kopie eines versiegelten elektronischen Dokuments (Art. 23 GvD 82/2005).",
		"Scanner le code QR ou ouvrir %s pour vérifier l'authenticité et la validité du certificat. La copie imprimée est une copie analogique d'un document informatique scellé (art. 23 D.Lgs. 82/2005).",
		"Skenirajte kodo QR ali odprite %s, da preverite verodostojnost in veljavnost potrdila. Natisnjeni izvod je analogna kopija elektronskega dokumenta, opremljenega z žigom (23. člen D.Lgs. 82/2005).",
	},
	Footer:          {"%s - codice %s - rilasciato il %s", "%s - Code %s - ausgestellt am %s", "%s - code %s - délivré le %s", "%s - koda %s - izdano dne %s"},
	AddressNumber:   {"n. %s", "Nr. %s", "n° %s", "št. %s"},
	AddressInternal: {"int. %s", "Whg. %s", "app. %s", "stan. %s"},
	RecordNumber:    {"n. %s", "Nr. %s", "n° %s", "št. %s"},
	RecordPart:      {"parte %s", "Teil %s", "partie %s", "del %s"},
	RecordSeries:    {"serie %s", "Serie %s", "série %s", "serija %s"},
	RecordVolume:    {"volume %s", "Band %s", "volume %s", "zvezek %s"},
	RecordYear:      {"anno %s", "Jahr %s", "année %s", "leto %s"},
	EventPlaceDate:  {"a %s il %s.", "am %[2]s in %[1]s.", "à %s le %s.", "v kraju %s dne %s."},

	// The holder.
	That:        {"che", "dass", "que", "da"},
	BornIn:      {"nato a|nata a", "geboren in", "né à|née à", "rojen v kraju|rojena v kraju"},
	BornOn:      {"%s il %s", "%[1]s am %[2]s", "%s le %s", "%s dne %s"},
	FiscalCode:  {"codice fiscale", "Steuernummer", "code fiscal", "davčna številka"},
	Citizenship: {"cittadinanza", "Staatsbürgerschaft", "citoyenneté", "državljanstvo"},

	// Tables.
	HeadName:        {"Cognome e nome", "Nachname und Vorname", "Nom et prénom", "Priimek in ime"},
	HeadBirth:       {"Luogo e data di nascita", "Geburtsort und -datum", "Lieu et date de naissance", "Kraj in datum rojstva"},
	HeadKinship:     {"Relazione di parentela", "Verwandtschaftsverhältnis", "Lien de parenté", "Sorodstveno razmerje"},
	HeadCivilStatus: {"Stato civile", "Familienstand", "État civil", "Osebni stan"},
	HeadCitizenship: {"Cittadinanza", "Staatsbürgerschaft", "Citoyenneté", "Državljanstvo"},
	HeadFrom:        {"Dal", "Ab", "Du", "Od"},
	HeadTo:          {"Al", "Bis", "Au", "Do"},
	HeadAddress:     {"Indirizzo", "Anschrift", "Adresse", "Naslov"},
	Ongoing:         {"in corso", "laufend", "en cours", "v teku"},

	// Statements.
	ResidentStatement: {
		"è iscritto nell'Anagrafe della Popolazione Residente di questo Comune ed è residente in|è iscritta nell'Anagrafe della Popolazione Residente di questo Comune ed è residente in",
		"im Melderegister der ansässigen Bevölkerung dieser Gemeinde eingetragen ist und an folgender Anschrift wohnt:",
		"est inscrit au registre de la population résidente de cette Commune et réside à|est inscrite au registre de la population résidente de cette Commune et réside à",
		"je vpisan v register stalnega prebivalstva te občine in stalno prebiva na naslovu:|je vpisana v register stalnega prebivalstva te občine in stalno prebiva na naslovu:",
	},
	BornStatement: {
		"è nato a %s il %s.|è nata a %s il %s.",
		"am %[2]s in %[1]s geboren ist.",
		"est né à %s le %s.|est née à %s le %s.",
		"je bil rojen v kraju %s dne %s.|je bila rojena v kraju %s dne %s.",
	},
	BirthRecord: {"Atto di nascita %s.", "Geburtsakt %s.", "Acte de naissance %s.", "Rojstni akt %s."},
	DiedStatement: {
		"è deceduto a %s il %s.|è deceduta a %s il %s.",
		"am %[2]s in %[1]s verstorben ist.",
		"est décédé à %s le %s.|est décédée à %s le %s.",
		"je umrl v kraju %s dne %s.|je umrla v kraju %s dne %s.",
	},
	MarriedTo: {
		"ha contratto matrimonio con",
		"die Ehe geschlossen hat mit",
		"a contracté mariage avec",
		"je sklenil zakonsko zvezo z osebo|je sklenila zakonsko zvezo z osebo",
	},
	MarriageRecord: {"Atto di matrimonio %s.", "Heiratsakt %s.", "Acte de mariage %s.", "Poročni akt %s."},
	RemovedStatement: {
		"è stato cancellato dall'Anagrafe della Popolazione Residente di questo Comune in data %s per il seguente motivo:|è stata cancellata dall'Anagrafe della Popolazione Residente di questo Comune in data %s per il seguente motivo:",
		"am %s aus folgendem Grund aus dem Melderegister der ansässigen Bevölkerung dieser Gemeinde gestrichen worden ist:",
		"a été radié du registre de la population résidente de cette Commune le %s pour le motif suivant :|a été radiée du registre de la population résidente de cette Commune le %s pour le motif suivant :",
		"je bil dne %s izbrisan iz registra stalnega prebivalstva te občine iz naslednjega razloga:|je bila dne %s izbrisana iz registra stalnega prebivalstva te občine iz naslednjega razloga:",
	},
	ItalianCitizen: {
		"è cittadino italiano.|è cittadina italiana.",
		"die italienische Staatsbürgerschaft besitzt.",
		"est citoyen italien.|est citoyenne italienne.",
		"je italijanski državljan.|je italijanska državljanka.",
	},
	AlsoCitizenship: {
		"Possiede inoltre la cittadinanza: %s.",
		"Weitere Staatsbürgerschaft: %s.",
		"Possède en outre la citoyenneté : %s.",
		"Ima tudi državljanstvo: %s.",
	},
	HasCitizenship: {"è in possesso della cittadinanza:", "folgende Staatsbürgerschaft besitzt:", "possède la citoyenneté :", "ima državljanstvo:"},
	CitizenshipHistory: {
		"ha posseduto e possiede le seguenti cittadinanze:",
		"folgende Staatsbürgerschaften besessen hat und besitzt:",
		"a possédé et possède les citoyennetés suivantes :",
		"je imel in ima naslednja državljanstva:|je imela in ima naslednja državljanstva:",
	},
	AliveStatement: {
		"è in vita alla data odierna, %s.",
		"am heutigen Tag, %s, am Leben ist.",
		"est en vie à la date de ce jour, %s.",
		"je na današnji dan, %s, živ.|je na današnji dan, %s, živa.",
	},
	ResidenceHistory: {
		"ha avuto in questo Comune le seguenti residenze:",
		"in dieser Gemeinde folgende Wohnsitze hatte:",
		"a eu dans cette Commune les résidences suivantes :",
		"je imel v tej občini naslednja stalna prebivališča:|je imela v tej občini naslednja stalna prebivališča:",
	},
	ResidentOnDate: {
		"alla data del %s era residente in questo Comune in",
		"am %s in dieser Gemeinde an folgender Anschrift wohnhaft war:",
		"à la date du %s résidait dans cette Commune à l'adresse suivante :",
		"je na dan %s stalno prebival v tej občini na naslovu:|je na dan %s stalno prebivala v tej občini na naslovu:",
	},
	NotResidentOnDate: {
		"alla data del %s non risultava residente in questo Comune.",
		"am %s nicht als in dieser Gemeinde ansässig aufschien.",
		"ne figurait pas comme résident de cette Commune à la date du %s.|ne figurait pas comme résidente de cette Commune à la date du %s.",
		"na dan %s ni bil vpisan kot stalni prebivalec te občine.|na dan %s ni bila vpisana kot stalna prebivalka te občine.",
	},
	AIREStatement: {
		"è iscritto nell'Anagrafe degli Italiani Residenti all'Estero (A.I.R.E.) di questo Comune dal %s ed è residente in|è iscritta nell'Anagrafe degli Italiani Residenti all'Estero (A.I.R.E.) di questo Comune dal %s ed è residente in",
		"seit %s im Verzeichnis der im Ausland ansässigen Italiener (A.I.R.E.) dieser Gemeinde eingetragen ist und an folgender Anschrift wohnt:",
		"est inscrit au registre des Italiens résidant à l'étranger (A.I.R.E.) de cette Commune depuis le %s et réside à|est inscrite au registre des Italiens résidant à l'étranger (A.I.R.E.) de cette Commune depuis le %s et réside à",
		"je od %s vpisan v register Italijanov, ki prebivajo v tujini (A.I.R.E.), te občine in prebiva na naslovu:|je od %s vpisana v register Italijanov, ki prebivajo v tujini (A.I.R.E.), te občine in prebiva na naslovu:",
	},
	Consulate:     {"Ufficio consolare di riferimento: %s.", "Zuständige konsularische Vertretung: %s.", "Bureau consulaire de référence : %s.", "Pristojni konzularni urad: %s."},
	CivilStatusIs: {"è di stato civile:", "folgenden Familienstand hat:", "a l'état civil suivant :", "ima osebni stan:"},
	FreeStatus: {
		"è di stato libero, essendo di stato civile:",
		"weder verheiratet noch in eingetragener Partnerschaft ist und folgenden Familienstand hat:",
		"est libre de tout lien de mariage ou d'union civile, son état civil étant :",
		"je samskega stanu, ker ima osebni stan:",
	},
	CivilUnionWith: {
		"ha costituito unione civile (L. 20 maggio 2016, n. 76) con",
		"eine eingetragene Partnerschaft (Gesetz vom 20. Mai 2016, Nr. 76) begründet hat mit",
		"a constitué une union civile (loi du 20 mai 2016, n° 76) avec",
		"je sklenil partnersko zvezo (zakon z dne 20. maja 2016, št. 76) z osebo|je sklenila partnersko zvezo (zakon z dne 20. maja 2016, št. 76) z osebo",
	},
	CivilUnionRecord: {"Atto di unione civile %s.", "Akt der eingetragenen Partnerschaft %s.", "Acte d'union civile %s.", "Akt o partnerski zvezi %s."},
	ContractWith: {
		"ha stipulato un contratto di convivenza (art. 1, commi 50 e seguenti, L. 20 maggio 2016, n. 76) con",
		"einen Vertrag über das Zusammenleben (Art. 1 Abs. 50 ff. Gesetz vom 20. Mai 2016, Nr. 76) abgeschlossen hat mit",
		"a conclu un contrat de cohabitation (art. 1, alinéas 50 et suivants, loi du 20 mai 2016, n° 76) avec",
		"je sklenil pogodbo o skupnem življenju (1. člen, 50. in naslednji odstavki, zakon z dne 20. maja 2016, št. 76) z osebo|je sklenila pogodbo o skupnem življenju (1. člen, 50. in naslednji odstavki, zakon z dne 20. maja 2016, št. 76) z osebo",
	},
	ContractDates: {
		"in data %s, registrato in anagrafe il %s",
		"am %s, im Melderegister eingetragen am %s",
		"le %s, enregistré au registre de la population le %s",
		"dne %s, vpisana v register prebivalstva dne %s",
	},
	ContractAuthenticated: {", autenticato da %s", ", beglaubigt von %s", ", authentifié par %s", ", overitelj: %s"},
	CohabitationStatement: {
		"è iscritto nell'Anagrafe della Popolazione Residente di questo Comune ed è residente nella convivenza anagrafica|è iscritta nell'Anagrafe della Popolazione Residente di questo Comune ed è residente nella convivenza anagrafica",
		"im Melderegister der ansässigen Bevölkerung dieser Gemeinde eingetragen ist und in folgendem Anstaltshaushalt wohnt:",
		"est inscrit au registre de la population résidente de cette Commune et réside dans la collectivité|est inscrite au registre de la population résidente de cette Commune et réside dans la collectivité",
		"je vpisan v register stalnega prebivalstva te občine in stalno prebiva v skupnosti:|je vpisana v register stalnega prebivalstva te občine in stalno prebiva v skupnosti:",
	},
	CohabitationPlace: {"in %s.", "in %s.", "à %s.", "na naslovu %s."},
	FamilyIntro: {
		"che la famiglia anagrafica di %s, residente in %s, è così composta:",
		"dass die meldeamtliche Familie von %s, wohnhaft in %s, wie folgt zusammengesetzt ist:",
		"que la famille de %s, inscrite au registre de la population et résidant à %s, est composée comme suit :",
		"da je družina osebe %s, s stalnim prebivališčem na naslovu %s, sestavljena takole:",
	},
	FamilyAIREIntro: {
		"che la famiglia di %s, iscritta nell'Anagrafe degli Italiani Residenti all'Estero (A.I.R.E.) di questo Comune e residente in %s, è così composta:",
		"dass die Familie von %s, eingetragen im Verzeichnis der im Ausland ansässigen Italiener (A.I.R.E.) dieser Gemeinde und wohnhaft in %s, wie folgt zusammengesetzt ist:",
		"que la famille de %s, inscrite au registre des Italiens résidant à l'étranger (A.I.R.E.) de cette Commune et résidant à %s, est composée comme suit :",
		"da je družina osebe %s, vpisana v register Italijanov, ki prebivajo v tujini (A.I.R.E.), te občine, s prebivališčem na naslovu %s, sestavljena takole:",
	},

	// Titles of the certificate types (templates/catalog.go), by API name.
	"title.nascita":                     {"CERTIFICATO ANAGRAFICO DI NASCITA", "MELDEAMTLICHE GEBURTSBESCHEINIGUNG", "CERTIFICAT DE NAISSANCE", "POTRDILO O ROJSTVU"},
	"title.morte":                       {"CERTIFICATO ANAGRAFICO DI MORTE", "MELDEAMTLICHE STERBEBESCHEINIGUNG", "CERTIFICAT DE DÉCÈS", "POTRDILO O SMRTI"},
	"title.matrimonio":                  {"CERTIFICATO ANAGRAFICO DI MATRIMONIO", "MELDEAMTLICHE HEIRATSBESCHEINIGUNG", "CERTIFICAT DE MARIAGE", "POTRDILO O SKLENITVI ZAKONSKE ZVEZE"},
	"title.cancellazione":               {"CERTIFICATO DI CANCELLAZIONE ANAGRAFICA", "BESCHEINIGUNG ÜBER DIE STREICHUNG AUS DEM MELDEREGISTER", "CERTIFICAT DE RADIATION DU REGISTRE DE LA POPULATION", "POTRDILO O IZBRISU IZ REGISTRA PREBIVALSTVA"},
	"title.cittadinanza":                {"CERTIFICATO DI CITTADINANZA", "STAATSBÜRGERSCHAFTSBESCHEINIGUNG", "CERTIFICAT DE CITOYENNETÉ", "POTRDILO O DRŽAVLJANSTVU"},
	"title.storico_cittadinanza":        {"CERTIFICATO STORICO DI CITTADINANZA", "HISTORISCHE STAATSBÜRGERSCHAFTSBESCHEINIGUNG", "CERTIFICAT HISTORIQUE DE CITOYENNETÉ", "ZGODOVINSKO POTRDILO O DRŽAVLJANSTVU"},
	"title.esistenza_in_vita":           {"CERTIFICATO DI ESISTENZA IN VITA", "LEBENSBESCHEINIGUNG", "CERTIFICAT DE VIE", "POTRDILO O ŽIVLJENJU"},
	"title.residenza":                   {"CERTIFICATO DI RESIDENZA", "ANSÄSSIGKEITSBESCHEINIGUNG", "CERTIFICAT DE RÉSIDENCE", "POTRDILO O BIVANJU"},
	"title.storico_residenza":           {"CERTIFICATO STORICO DI RESIDENZA", "HISTORISCHE ANSÄSSIGKEITSBESCHEINIGUNG", "CERTIFICAT HISTORIQUE DE RÉSIDENCE", "ZGODOVINSKO POTRDILO O BIVANJU"},
	"title.residenza_aire":              {"CERTIFICATO DI RESIDENZA AIRE", "ANSÄSSIGKEITSBESCHEINIGUNG AIRE", "CERTIFICAT DE RÉSIDENCE AIRE", "POTRDILO O BIVANJU AIRE"},
	"title.stato_civile":                {"CERTIFICATO DI STATO CIVILE", "FAMILIENSTANDSBESCHEINIGUNG", "CERTIFICAT D'ÉTAT CIVIL", "POTRDILO O OSEBNEM STANU"},
	"title.stato_famiglia":              {"CERTIFICATO DI STATO DI FAMIGLIA", "FAMILIENBOGEN", "CERTIFICAT D'ÉTAT DE FAMILLE", "POTRDILO O DRUŽINSKEM STANJU"},
	"title.stato_famiglia_stato_civile": {"CERTIFICATO DI STATO DI FAMIGLIA E DI STATO CIVILE", "FAMILIENBOGEN MIT FAMILIENSTAND", "CERTIFICAT D'ÉTAT DE FAMILLE ET D'ÉTAT CIVIL", "POTRDILO O DRUŽINSKEM STANJU IN OSEBNEM STANU"},
	"title.residenza_convivenza":        {"CERTIFICATO DI RESIDENZA IN CONVIVENZA", "ANSÄSSIGKEITSBESCHEINIGUNG IN EINEM ANSTALTSHAUSHALT", "CERTIFICAT DE RÉSIDENCE EN COLLECTIVITÉ", "POTRDILO O BIVANJU V SKUPNOSTI"},
	"title.stato_famiglia_aire":         {"CERTIFICATO DI STATO DI FAMIGLIA AIRE", "FAMILIENBOGEN AIRE", "CERTIFICAT D'ÉTAT DE FAMILLE AIRE", "POTRDILO O DRUŽINSKEM STANJU AIRE"},
	"title.stato_famiglia_parentela":    {"CERTIFICATO DI STATO DI FAMIGLIA CON RAPPORTI DI PARENTELA", "FAMILIENBOGEN MIT VERWANDTSCHAFTSVERHÄLTNISSEN", "CERTIFICAT D'ÉTAT DE FAMILLE AVEC LIENS DE PARENTÉ", "POTRDILO O DRUŽINSKEM STANJU S SORODSTVENIMI RAZMERJI"},
	"title.stato_libero":                {"CERTIFICATO DI STATO LIBERO", "BESCHEINIGUNG DES FREIEN STANDES", "CERTIFICAT D'ÉTAT LIBRE", "POTRDILO O SAMSKEM STANU"},
	"title.unione_civile":               {"CERTIFICATO ANAGRAFICO DI UNIONE CIVILE", "MELDEAMTLICHE BESCHEINIGUNG DER EINGETRAGENEN PARTNERSCHAFT", "CERTIFICAT D'UNION CIVILE", "POTRDILO O PARTNERSKI ZVEZI"},
	"title.contratto_convivenza":        {"CERTIFICATO DI CONTRATTO DI CONVIVENZA", "BESCHEINIGUNG ÜBER DEN VERTRAG ÜBER DAS ZUSAMMENLEBEN", "CERTIFICAT DE CONTRAT DE COHABITATION", "POTRDILO O POGODBI O SKUPNEM ŽIVLJENJU"},
	"title.storico_residenza_data":      {"CERTIFICATO STORICO DI RESIDENZA ALLA DATA", "HISTORISCHE ANSÄSSIGKEITSBESCHEINIGUNG ZUM STICHTAG", "CERTIFICAT HISTORIQUE DE RÉSIDENCE À UNE DATE DONNÉE", "ZGODOVINSKO POTRDILO O BIVANJU NA DOLOČEN DAN"},

	// ANPR table 1, stato civile, in the person's gender, as the templates
	// print it (before upper-casing). 9 is NotClassifiable.
	"civilstatus.1": {"Celibe|Nubile", "Ledig", "Célibataire", "Samski|Samska"},
	"civilstatus.2": {"Coniugato|Coniugata", "Verheiratet", "Marié|Mariée", "Poročen|Poročena"},
	"civilstatus.3": {"Vedovo|Vedova", "Verwitwet", "Veuf|Veuve", "Vdovec|Vdova"},
	"civilstatus.4": {"Divorziato|Divorziata", "Geschieden", "Divorcé|Divorcée", "Razvezan|Razvezana"},
	"civilstatus.6": {"Unito civilmente|Unita civilmente", "In eingetragener Partnerschaft", "Uni civilement|Unie civilement", "V partnerski zvezi"},
	"civilstatus.7": {"Stato libero a seguito di decesso della parte unita civilmente", "Eingetragene Partnerschaft durch Tod aufgelöst", "Libre à la suite du décès du partenaire d'union civile", "Samski stan po smrti partnerja iz partnerske zveze"},
	"civilstatus.8": {"Stato libero a seguito di scioglimento dell'unione", "Eingetragene Partnerschaft aufgelöst", "Libre à la suite de la dissolution de l'union civile", "Samski stan po razvezi partnerske zveze"},
	NotClassifiable: {"Non classificabile", "Nicht bestimmbar", "Non classable", "Ni mogoče razvrstiti"},

	// ANPR table 5, relazione di parentela, in the member's gender: the
	// codes the templates name (registry.Kin*); others print KinOther.
	"kinship.1":  {"Intestatario|Intestataria", "Inhaber des Familienbogens|Inhaberin des Familienbogens", "Titulaire de la fiche de famille", "Nosilec družinskega lista|Nosilka družinskega lista"},
	"kinship.2":  {"Marito|Moglie", "Ehemann|Ehefrau", "Époux|Épouse", "Mož|Žena"},
	"kinship.3":  {"Figlio|Figlia", "Sohn|Tochter", "Fils|Fille", "Sin|Hči"},
	"kinship.4":  {"Nipote (discendente)", "Enkel|Enkelin", "Petit-fils|Petite-fille", "Vnuk|Vnukinja"},
	"kinship.6":  {"Padre|Madre", "Vater|Mutter", "Père|Mère", "Oče|Mati"},
	"kinship.9":  {"Fratello|Sorella", "Bruder|Schwester", "Frère|Sœur", "Brat|Sestra"},
	"kinship.16": {"Genero|Nuora", "Schwiegersohn|Schwiegertochter", "Gendre|Belle-fille", "Zet|Snaha"},
	"kinship.17": {"Suocero|Suocera", "Schwiegervater|Schwiegermutter", "Beau-père|Belle-mère", "Tast/svekar|Tašča/svekrva"},
	"kinship.23": {"Convivente", "Mitbewohner|Mitbewohnerin", "Cohabitant|Cohabitante", "Sostanovalec|Sostanovalka"},
	"kinship.28": {"Unito civilmente|Unita civilmente", "Eingetragener Partner|Eingetragene Partnerin", "Partenaire d'union civile", "Partner iz partnerske zveze|Partnerka iz partnerske zveze"},
	KinOther:     {"Altro", "Sonstige", "Autre", "Drugo"},

	// ANPR table 15, motivi di cancellazione, as published (the templates
	// print them in capitals).
	"removal.1":  {"Morte accertata", "Festgestellter Tod", "Décès constaté", "Ugotovljena smrt"},
	"removal.2":  {"Morte presunta giudizialmente dichiarata", "Gerichtliche Todeserklärung", "Décès présumé déclaré par jugement", "Sodno razglašena domnevna smrt"},
	"removal.3":  {"Trasferimento di residenza in comune non subentrato", "Wohnsitzverlegung in eine noch nicht an ANPR angeschlossene Gemeinde", "Transfert de résidence dans une commune pas encore rattachée à l'ANPR", "Preselitev v občino, ki še ni vključena v ANPR"},
	"removal.4":  {"Trasferimento di domicilio (senza fissa dimora)", "Verlegung des Domizils (ohne festen Wohnsitz)", "Transfert de domicile (sans domicile fixe)", "Sprememba naslova (brez stalnega bivališča)"},
	"removal.5":  {"Trasferimento di residenza all’estero di uno straniero", "Wohnsitzverlegung eines Ausländers ins Ausland", "Transfert de résidence à l'étranger d'un ressortissant étranger", "Preselitev tujca v tujino"},
	"removal.6":  {"Irreperibilita", "Unauffindbarkeit", "Personne introuvable", "Neizsledljivost"},
	"removal.7":  {"Mancato rinnovo dimora abituale/permesso di soggiorno", "Fehlende Erneuerung der Erklärung des gewöhnlichen Aufenthalts/der Aufenthaltsgenehmigung", "Non-renouvellement de la déclaration de demeure habituelle/du titre de séjour", "Neobnovitev izjave o običajnem prebivališču/dovoljenja za prebivanje"},
	"removal.8":  {"Trasferimento di residenza (iscrizione AIRE)", "Wohnsitzverlegung (Eintragung in das AIRE)", "Transfert de résidence (inscription à l'AIRE)", "Preselitev (vpis v AIRE)"},
	"removal.9":  {"Rettifiche post censuarie", "Berichtigungen nach der Volkszählung", "Rectifications post-recensement", "Popravki po popisu prebivalstva"},
	"removal.10": {"Doppia iscrizione", "Doppelte Eintragung", "Double inscription", "Dvojni vpis"},
	"removal.11": {"Perdita della cittadinanza italiana", "Verlust der italienischen Staatsbürgerschaft", "Perte de la citoyenneté italienne", "Izguba italijanskega državljanstva"},
	"removal.12": {"Ripristino posizione precedente", "Wiederherstellung der vorherigen Position", "Rétablissement de la situation précédente", "Ponovna vzpostavitev prejšnjega stanja"},
	"removal.13": {"Altro", "Sonstiges", "Autre", "Drugo"},

	// ANPR table 27, specie della convivenza, as published (the templates
	// print them in lower case, in brackets after the convivenza's name).
	"cohabitation.1": {"Motivi religiosi", "Religiöse Gemeinschaft", "Motifs religieux", "Verski razlogi"},
	"cohabitation.2": {"Di cura", "Pflege- und Heilanstalt", "De soins", "Zdravstvena oskrba"},
	"cohabitation.3": {"Di assistenza", "Fürsorgeeinrichtung", "D'assistance", "Socialna oskrba"},
	"cohabitation.4": {"Militari", "Militärische Einrichtung", "Militaires", "Vojaška"},
	"cohabitation.5": {"Di pena", "Strafvollzugsanstalt", "Pénitentiaire", "Kazenska"},
	"cohabitation.6": {"Altri", "Sonstige", "Autres", "Druge"},
}
