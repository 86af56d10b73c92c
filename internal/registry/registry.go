// Package registry holds certa's model of the anagrafe (the civil registry)
// as far as the certificates need it, and the read interface the engine uses.
//
// Codes follow ANPR's tables (../shared/reference/anpr-tabelle): civil
// status (table 1), kinship to the head of household (table 5). Dates are
// calendar dates carried as time.Time at midnight UTC.
package registry

import (
	"context"
	"time"
)

// Sex as recorded in the registry and in the codice fiscale.
type Sex string

const (
	Male   Sex = "M"
	Female Sex = "F"
)

// Civil status, ANPR table 1.
const (
	CivilSingle       = 1 // Celibe/Nubile
	CivilMarried      = 2 // Coniugato/a
	CivilWidowed      = 3 // Vedovo/a
	CivilDivorced     = 4 // Divorziato/a
	CivilNotKnown     = 9 // Non classificabile/ignoto/n.c.
	CivilUnited       = 6 // Unito civilmente
	CivilUnionDeadPar = 7 // Stato libero a seguito di decesso della parte unita civilmente
	CivilUnionDissolv = 8 // Stato libero a seguito di scioglimento dell'unione
)

// Kinship to the head of household, ANPR table 5 (the codes certa uses).
const (
	KinHead         = 1  // Intestatario Scheda
	KinSpouse       = 2  // Marito / Moglie
	KinChild        = 3  // Figlio / Figlia
	KinGrandchild   = 4  // Nipote (discendente)
	KinParent       = 6  // Padre / Madre
	KinSibling      = 9  // Fratello / Sorella
	KinSonInLaw     = 16 // Genero / Nuora
	KinParentInLaw  = 17 // Suocero / Suocera
	KinCohabitant   = 23 // Convivente (con vincoli di adozione o affettivi)
	KinCivilPartner = 28 // Unito civilmente
)

// Kinship within an institutional cohabitation (convivenza), ANPR table 6.
const (
	CohabResponsible = 1 // Responsabile convivenza
	CohabMember      = 2 // Membro della convivenza
)

// Certifiability of a person, ANPR table 42.
const (
	CertNone           = 0 // non certificabile
	CertPartial        = 1 // solo residenza e stato di famiglia
	CertFull           = 2 // certificabilità completa (the default)
	CertNotRegistrable = 3 // soggetto non iscrivibile
	CertInterdicted    = 4 // interdetto sottoposto a tutela
)

// Reasons for removal from the register, ANPR table 15 (the codes certa
// distinguishes; any code of the table is stored).
const (
	RemovalDeath          = 1 // morte accertata
	RemovalPresumedDeath  = 2 // morte presunta giudizialmente dichiarata
	RemovalMovedOut       = 3 // trasferimento di residenza in altro comune
	RemovalNoFixedAbode   = 4 // trasferimento di domicilio (senza fissa dimora)
	RemovalUntraceable    = 6 // irreperibilità
	RemovalMovedAbroadIta = 8 // trasferimento di residenza all'estero (iscrizione AIRE)
)

// Citizenship state codes (ISTAT) with a special meaning.
const (
	StateItaly           = "100"
	StateStateless       = "999" // apolide
	StateBeingDetermined = "997" // in corso di definizione
	StateNotAttributable = "998" // non attribuibile
)

// Place is a birthplace or an event's place: an Italian comune (by
// cadastral code) or a foreign state.
type Place struct {
	// ComuneCode is the cadastral (Belfiore) code valid on the event's date,
	// e.g. "F205" for Milano; empty abroad.
	ComuneCode string
	// Name is the comune's name as printed (valid on the date), or for a
	// place abroad the locality if known, else the state's name.
	Name string
	// Province is the two-letter province code on the date; empty abroad.
	Province string
	// StateCode is the foreign state's cadastral Z-code ("Z129"); empty
	// for Italy.
	StateCode string
	// Country is the foreign state's name, empty for Italy.
	Country string
}

// Abroad reports whether the place is outside Italy.
func (p Place) Abroad() bool { return p.StateCode != "" || p.Country != "" }

// Address is a registered address: in the issuing comune for residents, or
// abroad for AIRE households (Country set, Locality the foreign town).
type Address struct {
	Toponym    string // DUG: "VIA", "PIAZZA", "CORSO", ...
	Street     string // "GIUSEPPE GARIBALDI"
	Number     string // civic number, e.g. "12" or "12/A"
	Internal   string // interior/flat, optional
	PostalCode string // CAP (or foreign postcode)
	Locality   string // foreign town, AIRE only
	Country    string // foreign state's name, AIRE only
	StateCode  string // foreign state's Z-code, AIRE only
}

// CivilRecord points at a civil-status act (atto di stato civile).
type CivilRecord struct {
	ComuneCode string // where the act is registered (cadastral code)
	Year       int
	Part       string // parte, e.g. "1"
	Series     string // serie, e.g. "A"
	Number     string // numero dell'atto
	Volume     string // volume, optional
}

// Citizenship is one citizenship a person holds.
type Citizenship struct {
	StateCode string    // ISTAT state code: "100" Italy, or 997/998/999 (see constants)
	Name      string    // as printed, e.g. "ITALIANA", "ROMENA"
	Since     time.Time // acquisition date, when known
}

// CivilEventKind names an event that changes civil status.
type CivilEventKind string

const (
	EventMarriage         CivilEventKind = "marriage"          // matrimonio
	EventCivilUnion       CivilEventKind = "civil_union"       // costituzione unione civile
	EventDivorce          CivilEventKind = "divorce"           // scioglimento / cessazione effetti civili
	EventAnnulment        CivilEventKind = "annulment"         // annullamento / nullità del matrimonio
	EventWidowhood        CivilEventKind = "widowhood"         // morte del coniuge
	EventUnionDissolution CivilEventKind = "union_dissolution" // scioglimento dell'unione civile
	EventPartnerDeath     CivilEventKind = "partner_death"     // morte della parte unita civilmente
)

// CivilEvent is one event of a person's civil status, with the other party.
type CivilEvent struct {
	Kind   CivilEventKind
	Date   time.Time
	Place  Place
	Record *CivilRecord // the act, when known
	// The spouse or partner.
	PartnerFiscalCode string // may be empty (e.g. a foreign spouse)
	PartnerName       string // "SURNAME NAME" as printed
	// EndingType is ANPR table 31 for divorce and annulment events.
	EndingType int
}

// CohabitationContract is a contratto di convivenza (L. 76/2016).
type CohabitationContract struct {
	PartnerFiscalCode string
	PartnerName       string
	Date              time.Time // date of the contract
	Registered        time.Time // date registered in the anagrafe
	Professional      string    // notary or lawyer who certified it
	Ended             time.Time // zero while in force
}

// Residence is one period of residence at an address of the comune.
type Residence struct {
	From    time.Time
	To      time.Time // zero for the current residence
	Address Address
	// FromComune is the cadastral code of the comune (or the Z-code of the
	// state) the person came from at the start of the period, if another.
	FromComune string
}

// AIRE is a registration in the register of Italians resident abroad.
type AIRE struct {
	Since     time.Time
	Consulate string // consular office, e.g. "CONSOLATO GENERALE D'ITALIA A MONACO DI BAVIERA"
}

// Removal is a cancellation from the register.
type Removal struct {
	Reason int // ANPR table 15
	Date   time.Time
	// DeathPlace is set for the death reasons.
	DeathPlace Place
}

// Person is one person in the register (resident, AIRE, or removed).
type Person struct {
	FiscalCode   string
	Surname      string
	Name         string
	Sex          Sex
	BirthDate    time.Time
	BirthPlace   Place
	BirthRecord  *CivilRecord  // atto di nascita, when known
	Citizenships []Citizenship // the first is the main one
	CivilStatus  int           // ANPR table 1
	CivilEvents  []CivilEvent  // oldest first
	Contracts    []CohabitationContract
	// HouseholdID links the person to their registered household.
	HouseholdID string
	// Kinship to the head: ANPR table 5 in a famiglia, table 6 in a
	// convivenza.
	Kinship int
	// Residences in this comune, oldest first; the last one without To
	// is the current address (the household's).
	Residences []Residence
	AIRE       *AIRE    // registered abroad
	Removal    *Removal // cancelled from the register
	// Certifiability is ANPR table 42; the zero Person is CertNone, so
	// builders must set CertFull explicitly.
	Certifiability int
	OpenProcedure  bool // a procedimento amministrativo is open
	NoFixedAbode   bool // senza fissa dimora
}

// CitizenshipNames returns the citizenships as printed, joined by " E ".
func (p Person) CitizenshipNames() string {
	var s string
	for i, c := range p.Citizenships {
		if i > 0 {
			s += " E "
		}
		s += c.Name
	}
	return s
}

// Italian reports whether one of the person's citizenships is Italian.
func (p Person) Italian() bool {
	for _, c := range p.Citizenships {
		if c.StateCode == StateItaly {
			return true
		}
	}
	return false
}

// Status says in a word where the person stands in the register:
// "resident", "aire" (registered abroad) or "removed".
func (p Person) Status() string {
	switch {
	case p.Removal != nil:
		return "removed"
	case p.AIRE != nil:
		return "aire"
	}
	return "resident"
}

// Deceased reports whether the person was removed for death.
func (p Person) Deceased() bool {
	return p.Removal != nil && (p.Removal.Reason == RemovalDeath || p.Removal.Reason == RemovalPresumedDeath)
}

// HouseholdKind tells a family from an institutional cohabitation.
type HouseholdKind string

const (
	KindFamily       HouseholdKind = "famiglia"   // famiglia anagrafica
	KindCohabitation HouseholdKind = "convivenza" // convivenza anagrafica (institution)
)

// Household is a registered household (famiglia anagrafica) or an
// institutional cohabitation (convivenza) at one address.
type Household struct {
	ID      string
	Kind    HouseholdKind // empty means KindFamily
	Address Address
	// Members in registry order, the head (or the convivenza's
	// responsible) first.
	Members []Person
	// AIRE is true for a household registered abroad (Address abroad).
	AIRE bool
	// Incomplete marks a household whose composition is not settled
	// (e.g. a member's registration pending): it blocks family certificates.
	Incomplete bool
	// For a convivenza: its name and kind (ANPR table 27).
	CohabitationName string
	CohabitationKind int
}

// Head returns the head of household (or the convivenza's responsible),
// or the zero Person.
func (h Household) Head() Person {
	for _, m := range h.Members {
		if m.Kinship == KinHead { // KinHead == CohabResponsible == 1
			return m
		}
	}
	return Person{}
}

// Subject is what a certificate about one person needs: the person and
// their household.
type Subject struct {
	Person    Person
	Household Household
}

// Reader is the registry as the engine reads it. Implementations return an
// error of kind errs.SubjectNotFound when no resident has the fiscal code.
type Reader interface {
	// Subject returns the resident and their household in one read.
	Subject(ctx context.Context, fiscalCode string) (Subject, error)
	// Residents lists up to limit persons on record, ordered by fiscal
	// code: residents, AIRE members and persons removed from the register
	// alike (see Person.Status).
	Residents(ctx context.Context, limit int) ([]Person, error)
}
