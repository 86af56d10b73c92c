package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/store/internal/regrow"
)

// MaxResidents is the largest limit Residents accepts.
const MaxResidents = 10000

// personRow scans a persons row (regrow.PersonColumns).
type personRow struct {
	p             registry.Person
	docs          regrow.Docs
	ord           int
	aireSince     *time.Time
	aireConsulate *string
	removalReason *int
	removalDate   *time.Time
}

func (r *personRow) dest() []any {
	p, bp, d := &r.p, &r.p.BirthPlace, &r.docs
	return []any{&p.FiscalCode, &p.Surname, &p.Name, &p.Sex, &p.BirthDate,
		&bp.ComuneCode, &bp.Name, &bp.Province, &bp.StateCode, &bp.Country,
		&d.BirthRecord, &d.Citizenships, &p.CivilStatus, &d.CivilEvents, &d.Contracts,
		&p.HouseholdID, &p.Kinship, &r.ord, &d.Residences,
		&r.aireSince, &r.aireConsulate, &r.removalReason, &r.removalDate, &d.DeathPlace,
		&p.Certifiability, &p.OpenProcedure, &p.NoFixedAbode}
}

// person returns the scanned person.
func (r *personRow) person() (registry.Person, error) {
	p := r.p
	if r.aireConsulate != nil {
		p.AIRE = &registry.AIRE{Consulate: *r.aireConsulate}
		if r.aireSince != nil {
			p.AIRE.Since = *r.aireSince
		}
	}
	if r.removalReason != nil {
		p.Removal = &registry.Removal{Reason: *r.removalReason}
		if r.removalDate != nil {
			p.Removal.Date = *r.removalDate
		}
	}
	if err := regrow.Decode(r.docs, &p); err != nil {
		return registry.Person{}, err
	}
	return p, nil
}

// personValues fills row with m, member ord of household hid, as a persons
// row, its documents encoded into *buf (reused: the row is good until the
// next call with the same buf).
func personValues(row *[27]any, buf *[]byte, m *registry.Person, hid string, ord int) []any {
	var d regrow.Docs
	d, *buf = regrow.Encode((*buf)[:0], m)
	var (
		aireSince, removalDate any
		aireConsulate          any
		removalReason          any
	)
	if a := m.AIRE; a != nil {
		aireConsulate = a.Consulate
		if !a.Since.IsZero() {
			aireSince = a.Since
		}
	}
	if r := m.Removal; r != nil {
		removalReason = r.Reason
		if !r.Date.IsZero() {
			removalDate = r.Date
		}
	}
	bp := &m.BirthPlace
	*row = [27]any{m.FiscalCode, m.Surname, m.Name, string(m.Sex), m.BirthDate,
		bp.ComuneCode, bp.Name, bp.Province, bp.StateCode, bp.Country,
		d.BirthRecord, d.Citizenships, m.CivilStatus, d.CivilEvents, d.Contracts,
		hid, m.Kinship, ord, d.Residences,
		aireSince, aireConsulate, removalReason, removalDate, d.DeathPlace,
		m.Certifiability, m.OpenProcedure, m.NoFixedAbode}
	return row[:]
}

// subjectQuery reads a resident's household, one row per member in
// registry order (through the index of the constraint persons_household);
// the resident is one of the rows.
var subjectQuery = `SELECT ` + regrow.Cols("h", regrow.HouseholdColumns) + `, ` + regrow.Cols("m", regrow.PersonColumns) + `
	FROM persons p
	JOIN households h ON h.id = p.household_id
	JOIN persons m ON m.household_id = p.household_id
	WHERE p.fiscal_code = $1
	ORDER BY m.ord`

// Subject returns the person with fiscalCode and their household, every
// member with all their data, in one query and so from one snapshot.
// Members are in registry order (ord).
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
		hr    regrow.HouseholdRow
		pr    personRow
	)
	dest := append(hr.Dest(), pr.dest()...)
	var members []registry.Person
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
	rows, err := s.pool.Query(ctx,
		`SELECT `+regrow.Cols("", regrow.PersonColumns)+` FROM persons ORDER BY fiscal_code LIMIT $1`, limit)
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

// CountResidents returns the number of persons on record. It scans the
// table's primary key: cheap for a comune, not free for a region.
func (s *Store) CountResidents(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM persons`).Scan(&n); err != nil {
		return 0, storageErr(err)
	}
	return n, nil
}

// PutHouseholds inserts hs and their members in one transaction with two
// COPY statements, keeping each household's member order. A member's
// HouseholdID must be empty or the household's ID; it is stored as the
// household's ID. A household ID or fiscal code that exists already, in
// the database or twice in hs, is errs.Conflict, and nothing is written.
func (s *Store) PutHouseholds(ctx context.Context, hs []registry.Household) error {
	if err := regrow.CheckHouseholds(hs); err != nil {
		return err
	}
	if len(hs) == 0 {
		return nil
	}

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return storageErr(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	households := make([]*registry.Household, len(hs))
	var members []member
	for i := range hs {
		households[i] = &hs[i]
		for j := range hs[i].Members {
			members = append(members, member{&hs[i], j})
		}
	}
	if err := copyHouseholds(ctx, tx, "households", households); err != nil {
		return putErr(err)
	}
	if err := copyMembers(ctx, tx, "persons", members); err != nil {
		return putErr(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return putErr(err)
	}
	return nil
}

// copyHouseholds copies hs into table (households, or a table like it)
// with COPY.
func copyHouseholds(ctx context.Context, tx pgx.Tx, table string, hs []*registry.Household) error {
	_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, regrow.HouseholdColumns,
		pgx.CopyFromSlice(len(hs), func(i int) ([]any, error) { return regrow.HouseholdValues(hs[i]), nil }))
	return err
}

// member is the member at index i of household h.
type member struct {
	h *registry.Household
	i int
}

// copyMembers copies ms into table (persons, or a table like it) with
// COPY, each member numbered by their index in their household.
func copyMembers(ctx context.Context, tx pgx.Tx, table string, ms []member) error {
	_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, regrow.PersonColumns, &memberRows{ms: ms, k: -1})
	return err
}

// memberRows feeds members to COPY.
type memberRows struct {
	ms  []member
	k   int // current member
	row [27]any
	buf []byte
}

func (r *memberRows) Next() bool {
	r.k++
	return r.k < len(r.ms)
}

func (r *memberRows) Values() ([]any, error) {
	m := r.ms[r.k]
	return personValues(&r.row, &r.buf, &m.h.Members[m.i], m.h.ID, m.i), nil
}

func (r *memberRows) Err() error { return nil }

func putErr(err error) error {
	if _, ok := uniqueViolation(err); ok {
		return errs.Wrap(errs.Conflict, "household or resident exists already", redact(err))
	}
	return storageErr(err)
}
