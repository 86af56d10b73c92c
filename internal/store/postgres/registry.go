package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

// MaxResidents is the largest limit Residents accepts.
const MaxResidents = 10000

// personCols are the columns personDest scans, in order.
const personCols = `fiscal_code, surname, name, sex, birth_date,
	birth_comune_code, birth_place_name, birth_province, birth_country,
	citizenship, civil_status, household_id, kinship`

func personDest(p *registry.Person) []any {
	return []any{&p.FiscalCode, &p.Surname, &p.Name, &p.Sex, &p.BirthDate,
		&p.BirthPlace.ComuneCode, &p.BirthPlace.Name, &p.BirthPlace.Province, &p.BirthPlace.Country,
		&p.Citizenship, &p.CivilStatus, &p.HouseholdID, &p.Kinship}
}

// subjectQuery reads a resident's household, one row per member in
// registry order (through the index persons_household); the resident is
// one of the rows.
const subjectQuery = `SELECT
		h.id, h.toponym, h.street, h.number, h.internal, h.postal_code,
		m.fiscal_code, m.surname, m.name, m.sex, m.birth_date,
		m.birth_comune_code, m.birth_place_name, m.birth_province, m.birth_country,
		m.citizenship, m.civil_status, m.household_id, m.kinship
	FROM persons p
	JOIN households h ON h.id = p.household_id
	JOIN persons m ON m.household_id = p.household_id
	WHERE p.fiscal_code = $1
	ORDER BY m.ord`

// Subject returns the resident with fiscalCode and their household, in one
// query and so from one snapshot. Members are in registry order (ord).
func (s *Store) Subject(ctx context.Context, fiscalCode string) (registry.Subject, error) {
	if !validText(fiscalCode) {
		return registry.Subject{}, errs.New(errs.SubjectNotFound, "no resident with that fiscal code")
	}
	rows, err := s.pool.Query(ctx, subjectQuery, fiscalCode)
	if err != nil {
		return registry.Subject{}, storageErr(err)
	}
	defer rows.Close()

	var (
		sub   registry.Subject
		found bool
	)
	for rows.Next() {
		var (
			h = &sub.Household
			m registry.Person
		)
		dest := append([]any{&h.ID, &h.Address.Toponym, &h.Address.Street,
			&h.Address.Number, &h.Address.Internal, &h.Address.PostalCode},
			personDest(&m)...)
		if err := rows.Scan(dest...); err != nil {
			return registry.Subject{}, storageErr(err)
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
	rows, err := s.pool.Query(ctx,
		`SELECT `+personCols+` FROM persons ORDER BY fiscal_code LIMIT $1`, limit)
	if err != nil {
		return nil, storageErr(err)
	}
	defer rows.Close()
	var out []registry.Person
	for rows.Next() {
		var p registry.Person
		if err := rows.Scan(personDest(&p)...); err != nil {
			return nil, storageErr(err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, storageErr(err)
	}
	return out, nil
}

// CountResidents returns the number of residents. It scans the table's
// primary key: cheap for a comune, not free for a region.
func (s *Store) CountResidents(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM persons`).Scan(&n); err != nil {
		return 0, storageErr(err)
	}
	return n, nil
}

var (
	householdCols  = []string{"id", "toponym", "street", "number", "internal", "postal_code"}
	personCopyCols = []string{"fiscal_code", "surname", "name", "sex", "birth_date",
		"birth_comune_code", "birth_place_name", "birth_province", "birth_country",
		"citizenship", "civil_status", "household_id", "kinship", "ord"}
)

// PutHouseholds inserts hs and their members in one transaction with two
// COPY statements, keeping each household's member order. A member's
// HouseholdID must be empty or the household's ID; it is stored as the
// household's ID. A household ID or fiscal code that exists already, in
// the database or twice in hs, is errs.Conflict, and nothing is written.
func (s *Store) PutHouseholds(ctx context.Context, hs []registry.Household) error {
	for _, h := range hs {
		if h.ID == "" {
			return errs.New(errs.InvalidRequest, "household without an id")
		}
		a := h.Address
		if !validText(h.ID, a.Toponym, a.Street, a.Number, a.Internal, a.PostalCode) {
			return errs.New(errs.InvalidRequest, "household fields must be UTF-8 text without NUL characters")
		}
		for _, m := range h.Members {
			if m.FiscalCode == "" {
				return errs.New(errs.InvalidRequest, "household member without a fiscal code")
			}
			if m.HouseholdID != "" && m.HouseholdID != h.ID {
				return errs.New(errs.InvalidRequest, "household member linked to another household")
			}
			bp := m.BirthPlace
			if !validText(m.FiscalCode, m.Surname, m.Name, string(m.Sex), bp.ComuneCode,
				bp.Name, bp.Province, bp.Country, m.Citizenship) {
				return errs.New(errs.InvalidRequest, "resident fields must be UTF-8 text without NUL characters")
			}
		}
	}
	if len(hs) == 0 {
		return nil
	}

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return storageErr(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"households"}, householdCols,
		pgx.CopyFromSlice(len(hs), func(i int) ([]any, error) {
			a := hs[i].Address
			return []any{hs[i].ID, a.Toponym, a.Street, a.Number, a.Internal, a.PostalCode}, nil
		})); err != nil {
		return putErr(err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"persons"}, personCopyCols,
		&memberRows{hs: hs, j: -1}); err != nil {
		return putErr(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return putErr(err)
	}
	return nil
}

// memberRows feeds the members of hs to COPY, household by household.
type memberRows struct {
	hs   []registry.Household
	i, j int // current household and member
	row  [14]any
}

func (r *memberRows) Next() bool {
	r.j++
	for r.i < len(r.hs) && r.j >= len(r.hs[r.i].Members) {
		r.i, r.j = r.i+1, 0
	}
	return r.i < len(r.hs)
}

func (r *memberRows) Values() ([]any, error) {
	h := r.hs[r.i]
	m := h.Members[r.j]
	bp := m.BirthPlace
	r.row = [14]any{m.FiscalCode, m.Surname, m.Name, string(m.Sex), m.BirthDate,
		bp.ComuneCode, bp.Name, bp.Province, bp.Country,
		m.Citizenship, m.CivilStatus, h.ID, m.Kinship, r.j}
	return r.row[:], nil
}

func (r *memberRows) Err() error { return nil }

func putErr(err error) error {
	if _, ok := uniqueViolation(err); ok {
		return errs.Wrap(errs.Conflict, "household or resident exists already", redact(err))
	}
	return storageErr(err)
}
