package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/store/internal/regrow"
)

// MaxResidents is the largest limit Residents accepts.
const MaxResidents = 10000

// params returns n comma-separated placeholders.
func params(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// personRow scans a persons row (regrow.PersonColumns).
type personRow struct {
	p             registry.Person
	docs          regrow.Docs
	ord           int
	birthDate     string
	aireSince     sql.NullString
	aireConsulate sql.NullString
	removalReason sql.NullInt64
	removalDate   sql.NullString
}

func (r *personRow) dest() []any {
	p, bp, d := &r.p, &r.p.BirthPlace, &r.docs
	return []any{&p.FiscalCode, &p.Surname, &p.Name, &p.Sex, &r.birthDate,
		&bp.ComuneCode, &bp.Name, &bp.Province, &bp.StateCode, &bp.Country,
		&d.BirthRecord, &d.Citizenships, &p.CivilStatus, &d.CivilEvents, &d.Contracts,
		&p.HouseholdID, &p.Kinship, &r.ord, &d.Residences,
		&r.aireSince, &r.aireConsulate, &r.removalReason, &r.removalDate, &d.DeathPlace,
		&p.Certifiability, &p.OpenProcedure, &p.NoFixedAbode}
}

// person returns the scanned person.
func (r *personRow) person() (registry.Person, error) {
	p := r.p
	var err error
	if p.BirthDate, err = regrow.ParseDate(r.birthDate); err != nil {
		return registry.Person{}, err
	}
	if r.aireConsulate.Valid {
		p.AIRE = &registry.AIRE{Consulate: r.aireConsulate.String}
		if p.AIRE.Since, err = regrow.ParseDate(r.aireSince.String); err != nil {
			return registry.Person{}, err
		}
	}
	if r.removalReason.Valid {
		p.Removal = &registry.Removal{Reason: int(r.removalReason.Int64)}
		if p.Removal.Date, err = regrow.ParseDate(r.removalDate.String); err != nil {
			return registry.Person{}, err
		}
	}
	if err := regrow.Decode(r.docs, &p); err != nil {
		return registry.Person{}, err
	}
	return p, nil
}

// dateValue is t as stored: 'YYYY-MM-DD', or NULL for the zero time.
func dateValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(regrow.DateLayout)
}

// text returns a JSON document as a TEXT value, NULL for nil.
func text(doc []byte) any {
	if doc == nil {
		return nil
	}
	return string(doc)
}

// personValues fills row with m, member ord of household hid, as a persons
// row.
func personValues(row *[27]any, buf *[]byte, m *registry.Person, hid string, ord int) []any {
	var d regrow.Docs
	d, *buf = regrow.Encode((*buf)[:0], m)
	var aireSince, aireConsulate, removalReason, removalDate any
	if a := m.AIRE; a != nil {
		aireConsulate = a.Consulate
		aireSince = dateValue(a.Since)
	}
	if r := m.Removal; r != nil {
		removalReason = r.Reason
		removalDate = dateValue(r.Date)
	}
	bp := &m.BirthPlace
	*row = [27]any{m.FiscalCode, m.Surname, m.Name, string(m.Sex), m.BirthDate.Format(regrow.DateLayout),
		bp.ComuneCode, bp.Name, bp.Province, bp.StateCode, bp.Country,
		text(d.BirthRecord), text(d.Citizenships), m.CivilStatus, text(d.CivilEvents), text(d.Contracts),
		hid, m.Kinship, ord, text(d.Residences),
		aireSince, aireConsulate, removalReason, removalDate, text(d.DeathPlace),
		m.Certifiability, m.OpenProcedure, m.NoFixedAbode}
	return row[:]
}

// subjectQuery reads a resident's household, one row per member in
// registry order; the resident is one of the rows.
var subjectQuery = `SELECT ` + regrow.Cols("h", regrow.HouseholdColumns) + `, ` + regrow.Cols("m", regrow.PersonColumns) + `
	FROM persons p
	JOIN households h ON h.id = p.household_id
	JOIN persons m ON m.household_id = p.household_id
	WHERE p.fiscal_code = ?
	ORDER BY m.ord`

// Subject returns the person with fiscalCode and their household, every
// member with all their data, in one query and so from one snapshot.
// Members are in registry order (ord).
func (s *Store) Subject(ctx context.Context, fiscalCode string) (registry.Subject, error) {
	rows, err := s.subject.QueryContext(ctx, fiscalCode)
	if err != nil {
		return registry.Subject{}, storageErr(err)
	}
	defer rows.Close()

	var (
		sub     registry.Subject
		found   bool
		hr      regrow.HouseholdRow
		pr      personRow
		members []registry.Person
	)
	dest := append(hr.Dest(), pr.dest()...)
	for rows.Next() {
		pr = personRow{}
		if err := rows.Scan(dest...); err != nil {
			return registry.Subject{}, storageErr(err)
		}
		m, err := pr.person()
		if err != nil {
			return registry.Subject{}, err
		}
		members = append(members, m)
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
	sub.Household = hr.Household()
	sub.Household.Members = members
	return sub, nil
}

// Residents returns up to limit persons on record ordered by fiscal code,
// without their households. limit must be in 1..MaxResidents.
func (s *Store) Residents(ctx context.Context, limit int) ([]registry.Person, error) {
	if limit <= 0 || limit > MaxResidents {
		return nil, errs.New(errs.InvalidRequest, "limit must be between 1 and 10000")
	}
	rows, err := s.r.QueryContext(ctx,
		`SELECT `+regrow.Cols("", regrow.PersonColumns)+` FROM persons ORDER BY fiscal_code LIMIT ?`, limit)
	if err != nil {
		return nil, storageErr(err)
	}
	defer rows.Close()
	var (
		out  []registry.Person
		pr   personRow
		dest = pr.dest()
	)
	for rows.Next() {
		pr = personRow{}
		if err := rows.Scan(dest...); err != nil {
			return nil, storageErr(err)
		}
		p, err := pr.person()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, storageErr(err)
	}
	return out, nil
}

// CountResidents returns the number of persons on record.
func (s *Store) CountResidents(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM persons`).Scan(&n); err != nil {
		return 0, storageErr(err)
	}
	return n, nil
}

var (
	insertHousehold = `INSERT INTO households (` + regrow.Cols("", regrow.HouseholdColumns) + `)
		VALUES (` + params(len(regrow.HouseholdColumns)) + `)`
	insertPerson = `INSERT INTO persons (` + regrow.Cols("", regrow.PersonColumns) + `)
		VALUES (` + params(len(regrow.PersonColumns)) + `)`
)

// PutHouseholds inserts hs and their members in one transaction, keeping
// each household's member order. A member's HouseholdID must be empty or
// the household's ID; it is stored as the household's ID. A household ID or
// fiscal code that exists already, in the database or twice in hs, is
// errs.Conflict, and nothing is written.
func (s *Store) PutHouseholds(ctx context.Context, hs []registry.Household) error {
	if err := regrow.CheckHouseholds(hs); err != nil {
		return err
	}
	if len(hs) == 0 {
		return nil
	}

	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storageErr(err)
	}
	defer tx.Rollback()
	insH, err := tx.PrepareContext(ctx, insertHousehold)
	if err != nil {
		return storageErr(err)
	}
	defer insH.Close()
	insP, err := tx.PrepareContext(ctx, insertPerson)
	if err != nil {
		return storageErr(err)
	}
	defer insP.Close()

	var (
		row [27]any
		buf []byte
	)
	for i := range hs {
		h := &hs[i]
		if _, err := insH.ExecContext(ctx, regrow.HouseholdValues(h)...); err != nil {
			return putErr(err)
		}
		for j := range h.Members {
			if _, err := insP.ExecContext(ctx, personValues(&row, &buf, &h.Members[j], h.ID, j)...); err != nil {
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
