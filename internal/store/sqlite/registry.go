package sqlite

import (
	"context"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

// MaxResidents is the largest limit Residents accepts.
const MaxResidents = 10000

const dateLayout = "2006-01-02"

// personCols are the columns scanPerson reads, in order.
const personCols = `fiscal_code, surname, name, sex, birth_date,
	birth_comune_code, birth_place_name, birth_province, birth_country,
	citizenship, civil_status, household_id, kinship`

// personDest returns the scan destinations for personCols; the birth date
// is scanned as text into *date and converted by finishPerson.
func personDest(p *registry.Person, date *string) []any {
	return []any{&p.FiscalCode, &p.Surname, &p.Name, &p.Sex, date,
		&p.BirthPlace.ComuneCode, &p.BirthPlace.Name, &p.BirthPlace.Province, &p.BirthPlace.Country,
		&p.Citizenship, &p.CivilStatus, &p.HouseholdID, &p.Kinship}
}

func finishPerson(p *registry.Person, date string) error {
	d, err := time.Parse(dateLayout, date)
	if err != nil {
		// Not err itself: it quotes the value, a birth date.
		return errs.New(errs.Internal, "storage error: malformed birth date")
	}
	p.BirthDate = d
	return nil
}

// subjectQuery reads a resident's household, one row per member in
// registry order; the resident is one of the rows.
const subjectQuery = `SELECT
		h.id, h.toponym, h.street, h.number, h.internal, h.postal_code,
		m.fiscal_code, m.surname, m.name, m.sex, m.birth_date,
		m.birth_comune_code, m.birth_place_name, m.birth_province, m.birth_country,
		m.citizenship, m.civil_status, m.household_id, m.kinship
		FROM persons p
		JOIN households h ON h.id = p.household_id
		JOIN persons m ON m.household_id = p.household_id
		WHERE p.fiscal_code = ?
		ORDER BY m.ord`

// Subject returns the resident with fiscalCode and their household, in one
// query and so from one snapshot. Members are in registry order (ord).
func (s *Store) Subject(ctx context.Context, fiscalCode string) (registry.Subject, error) {
	rows, err := s.subject.QueryContext(ctx, fiscalCode)
	if err != nil {
		return registry.Subject{}, storageErr(err)
	}
	defer rows.Close()

	var sub registry.Subject
	found := false
	for rows.Next() {
		var (
			h    = &sub.Household
			m    registry.Person
			date string
		)
		dest := append([]any{&h.ID, &h.Address.Toponym, &h.Address.Street,
			&h.Address.Number, &h.Address.Internal, &h.Address.PostalCode},
			personDest(&m, &date)...)
		if err := rows.Scan(dest...); err != nil {
			return registry.Subject{}, storageErr(err)
		}
		if err := finishPerson(&m, date); err != nil {
			return registry.Subject{}, err
		}
		h.Members = append(h.Members, m)
		if m.FiscalCode == fiscalCode {
			sub.Person = m
			found = true
		}
	}
	if err := rows.Err(); err != nil {
		return registry.Subject{}, storageErr(err)
	}
	if !found {
		return registry.Subject{}, errs.New(errs.SubjectNotFound, "no resident with that fiscal code")
	}
	return sub, nil
}

// Residents returns up to limit residents ordered by fiscal code, without
// their households. limit must be in 1..MaxResidents.
func (s *Store) Residents(ctx context.Context, limit int) ([]registry.Person, error) {
	if limit <= 0 || limit > MaxResidents {
		return nil, errs.New(errs.InvalidRequest, "limit must be between 1 and 10000")
	}
	rows, err := s.r.QueryContext(ctx,
		`SELECT `+personCols+` FROM persons ORDER BY fiscal_code LIMIT ?`, limit)
	if err != nil {
		return nil, storageErr(err)
	}
	defer rows.Close()
	var out []registry.Person
	for rows.Next() {
		var (
			p    registry.Person
			date string
		)
		if err := rows.Scan(personDest(&p, &date)...); err != nil {
			return nil, storageErr(err)
		}
		if err := finishPerson(&p, date); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, storageErr(err)
	}
	return out, nil
}

// CountResidents returns the number of residents.
func (s *Store) CountResidents(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM persons`).Scan(&n); err != nil {
		return 0, storageErr(err)
	}
	return n, nil
}

// PutHouseholds inserts hs and their members in one transaction, keeping
// each household's member order. A member's HouseholdID must be empty or
// the household's ID; it is stored as the household's ID. A household ID or
// fiscal code that exists already, in the database or twice in hs, is
// errs.Conflict, and nothing is written.
func (s *Store) PutHouseholds(ctx context.Context, hs []registry.Household) error {
	for _, h := range hs {
		if h.ID == "" {
			return errs.New(errs.InvalidRequest, "household without an id")
		}
		for _, m := range h.Members {
			if m.FiscalCode == "" {
				return errs.New(errs.InvalidRequest, "household member without a fiscal code")
			}
			if m.HouseholdID != "" && m.HouseholdID != h.ID {
				return errs.New(errs.InvalidRequest, "household member linked to another household")
			}
		}
	}
	if len(hs) == 0 {
		return nil
	}

	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storageErr(err)
	}
	defer tx.Rollback()
	insH, err := tx.PrepareContext(ctx, `INSERT INTO households
		(id, toponym, street, number, internal, postal_code) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return storageErr(err)
	}
	defer insH.Close()
	insP, err := tx.PrepareContext(ctx, `INSERT INTO persons
		(fiscal_code, surname, name, sex, birth_date, birth_comune_code,
		 birth_place_name, birth_province, birth_country, citizenship,
		 civil_status, household_id, kinship, ord)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return storageErr(err)
	}
	defer insP.Close()

	for _, h := range hs {
		a := h.Address
		if _, err := insH.ExecContext(ctx, h.ID, a.Toponym, a.Street, a.Number, a.Internal, a.PostalCode); err != nil {
			return putErr(err)
		}
		for i, m := range h.Members {
			bp := m.BirthPlace
			if _, err := insP.ExecContext(ctx, m.FiscalCode, m.Surname, m.Name, string(m.Sex),
				m.BirthDate.Format(dateLayout), bp.ComuneCode, bp.Name, bp.Province, bp.Country,
				m.Citizenship, m.CivilStatus, h.ID, m.Kinship, i); err != nil {
				return putErr(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return storageErr(err)
	}
	return nil
}

func putErr(err error) error {
	if isDuplicate(err) {
		return errs.Wrap(errs.Conflict, "household or resident exists already", err)
	}
	return storageErr(err)
}
