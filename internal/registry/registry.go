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

// Place is a birthplace: an Italian comune (by cadastral code) or a foreign state.
type Place struct {
	// ComuneCode is the cadastral (Belfiore) code, e.g. "F205" for Milano;
	// empty for births abroad.
	ComuneCode string
	// Name is the comune's or the state's name as printed, e.g. "MILANO".
	Name string
	// Province is the two-letter province code (e.g. "MI"); empty abroad.
	Province string
	// Country is the foreign state's name, empty for Italy.
	Country string
}

// Address is a residence address in the issuing comune.
type Address struct {
	Toponym    string // DUG: "VIA", "PIAZZA", "CORSO", ...
	Street     string // "GIUSEPPE GARIBALDI"
	Number     string // civic number, e.g. "12" or "12/A"
	Internal   string // interior/flat, optional
	PostalCode string // CAP
}

// Person is one resident.
type Person struct {
	FiscalCode  string
	Surname     string
	Name        string
	Sex         Sex
	BirthDate   time.Time
	BirthPlace  Place
	Citizenship string // e.g. "ITALIANA", "ROMENA"
	CivilStatus int    // ANPR table 1
	// HouseholdID links the person to their registered household.
	HouseholdID string
	// Kinship is the relationship to the head of household, ANPR table 5.
	Kinship int
}

// Household is a registered household (famiglia anagrafica) at one address.
type Household struct {
	ID      string
	Address Address
	// Members in registry order, the head first.
	Members []Person
}

// Head returns the head of household, or the zero Person.
func (h Household) Head() Person {
	for _, m := range h.Members {
		if m.Kinship == KinHead {
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
	// Residents lists up to limit residents ordered by fiscal code.
	Residents(ctx context.Context, limit int) ([]Person, error)
}
