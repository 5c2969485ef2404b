package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
)

type personRow struct {
	ID           string
	JMBG         string
	JMBGWarning  string
	GivenName    string
	FamilyName   string
	BirthDate    time.Time
	Sex          string
	Municipality string
	Settlement   string
	Street       string
	CentreID     string
	HouseholdID  *string
	CreatedAt    time.Time
}

const personColumns = `id::text, jmbg, jmbg_warning, given_name, family_name, birth_date, sex,
	municipality, settlement, street, centre_id, household_id::text, created_at`

func (r personRow) toDomain() domain.Person {
	p := domain.Person{
		ID: domain.PersonID(r.ID), JMBG: domain.JMBG(r.JMBG), JMBGWarning: r.JMBGWarning,
		GivenName: r.GivenName, FamilyName: r.FamilyName,
		BirthDate: r.BirthDate, Sex: domain.Sex(r.Sex),
		Address:  domain.Address{Municipality: r.Municipality, Settlement: r.Settlement, Street: r.Street},
		CentreID: r.CentreID, CreatedAt: r.CreatedAt,
	}
	if r.HouseholdID != nil {
		p.HouseholdID = domain.HouseholdID(*r.HouseholdID)
	}
	return p
}

func scanPerson(row pgx.Row) (domain.Person, error) {
	var r personRow
	err := row.Scan(&r.ID, &r.JMBG, &r.JMBGWarning, &r.GivenName, &r.FamilyName, &r.BirthDate, &r.Sex,
		&r.Municipality, &r.Settlement, &r.Street, &r.CentreID, &r.HouseholdID, &r.CreatedAt)
	if err != nil {
		return domain.Person{}, err
	}
	return r.toDomain(), nil
}

// CreatePerson registers p and returns it with its new id. Returns
// CodeConflict if the JMBG is already registered.
func (db *DB) CreatePerson(ctx context.Context, p domain.Person, registeredBy string) (domain.Person, error) {
	const q = `
		INSERT INTO persons (id, jmbg, jmbg_warning, given_name, family_name, birth_date, sex,
			municipality, settlement, street, centre_id, registered_by)
		VALUES (@id, @jmbg, @warning, @given, @family, @birth, @sex, @municipality, @settlement, @street, @centre, @by)
		RETURNING ` + personColumns
	id, err := uuid.NewV7()
	if err != nil {
		return domain.Person{}, fmt.Errorf("new person id: %w", err)
	}
	row := db.pool.QueryRow(ctx, q, pgx.NamedArgs{
		"id": id.String(), "jmbg": string(p.JMBG), "warning": p.JMBGWarning,
		"given": p.GivenName, "family": p.FamilyName, "birth": p.BirthDate, "sex": string(p.Sex),
		"municipality": p.Address.Municipality, "settlement": p.Address.Settlement, "street": p.Address.Street,
		"centre": p.CentreID, "by": registeredBy,
	})
	created, err := scanPerson(row)
	if err != nil {
		if domain.ErrorCode(translate(err, "")) == domain.CodeConflict {
			return domain.Person{}, &domain.Error{Code: domain.CodeConflict, Field: "jmbg", Message: "a person with this JMBG is already registered"}
		}
		return domain.Person{}, fmt.Errorf("insert person: %w", err)
	}
	return created, nil
}

// PersonByID returns the person with id. Returns CodeNotFound if none.
func (db *DB) PersonByID(ctx context.Context, id domain.PersonID) (domain.Person, error) {
	if _, err := uuid.Parse(string(id)); err != nil {
		return domain.Person{}, domain.Errorf(domain.CodeNotFound, "person %s not found", id)
	}
	q := `SELECT ` + personColumns + ` FROM persons WHERE id = @id`
	p, err := scanPerson(db.pool.QueryRow(ctx, q, pgx.NamedArgs{"id": string(id)}))
	if err != nil {
		return domain.Person{}, translate(err, fmt.Sprintf("person %s", id))
	}
	return p, nil
}

// PersonByJMBG returns the person registered under j. Returns CodeNotFound
// if none.
func (db *DB) PersonByJMBG(ctx context.Context, j domain.JMBG) (domain.Person, error) {
	q := `SELECT ` + personColumns + ` FROM persons WHERE jmbg = @jmbg ORDER BY created_at LIMIT 1`
	p, err := scanPerson(db.pool.QueryRow(ctx, q, pgx.NamedArgs{"jmbg": string(j)}))
	if err != nil {
		return domain.Person{}, translate(err, "person with this JMBG")
	}
	return p, nil
}

// Household returns the household with id and its members, head first.
func (db *DB) Household(ctx context.Context, id domain.HouseholdID) (domain.Household, error) {
	const qh = `SELECT municipality, settlement, street FROM households WHERE id = @id`
	h := domain.Household{ID: id}
	err := db.pool.QueryRow(ctx, qh, pgx.NamedArgs{"id": string(id)}).
		Scan(&h.Address.Municipality, &h.Address.Settlement, &h.Address.Street)
	if err != nil {
		return domain.Household{}, translate(err, fmt.Sprintf("household %s", id))
	}
	const qm = `
		SELECT id::text, jmbg, given_name, family_name, coalesce(relation, 'other')
		FROM persons WHERE household_id = @id
		ORDER BY CASE relation WHEN 'head' THEN 0 WHEN 'spouse' THEN 1 WHEN 'child' THEN 2 ELSE 3 END, birth_date`
	rows, err := db.pool.Query(ctx, qm, pgx.NamedArgs{"id": string(id)})
	if err != nil {
		return domain.Household{}, fmt.Errorf("select household %s members: %w", id, err)
	}
	h.Members, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.HouseholdMember, error) {
		var m domain.HouseholdMember
		var rel string
		err := r.Scan(&m.PersonID, &m.JMBG, &m.GivenName, &m.FamilyName, &rel)
		m.Relation = domain.Relation(rel)
		return m, err
	})
	if err != nil {
		return domain.Household{}, fmt.Errorf("scan household %s members: %w", id, err)
	}
	return h, nil
}

// HouseholdLink is the population register's word on a household.
type HouseholdLink struct {
	RegisterNumber string
	Address        domain.Address
	Members        []HouseholdLinkMember
}

// HouseholdLinkMember is one member as the register lists them.
type HouseholdLinkMember struct {
	JMBG       domain.JMBG
	GivenName  string
	FamilyName string
	BirthDate  time.Time
	Sex        domain.Sex
	Relation   domain.Relation
}

// LinkHousehold records the household as the population register states
// it: the household row (by register number), a person row for every member
// not yet known (registered by the population register), and each member's
// link and relation. Running it twice with the same link changes nothing.
// Members who left the household are unlinked.
func (db *DB) LinkHousehold(ctx context.Context, link HouseholdLink) (domain.HouseholdID, error) {
	if hid, err := db.linkedAlready(ctx, link); err != nil || hid != "" {
		return domain.HouseholdID(hid), err
	}
	var hid string
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		newID, err := uuid.NewV7()
		if err != nil {
			return err
		}
		const qh = `
			INSERT INTO households (id, register_number, municipality, settlement, street)
			VALUES (@id, @number, @municipality, @settlement, @street)
			ON CONFLICT (register_number) DO UPDATE SET
				municipality = excluded.municipality, settlement = excluded.settlement,
				street = excluded.street, updated_at = now()
			RETURNING id::text`
		err = tx.QueryRow(ctx, qh, pgx.NamedArgs{
			"id": newID.String(), "number": link.RegisterNumber, "municipality": link.Address.Municipality,
			"settlement": link.Address.Settlement, "street": link.Address.Street,
		}).Scan(&hid)
		if err != nil {
			return fmt.Errorf("upsert household %s: %w", link.RegisterNumber, err)
		}
		centre, _ := domain.CentreFor(link.Address.Municipality)
		jmbgs := make([]string, 0, len(link.Members))
		for _, m := range link.Members {
			pid, err := uuid.NewV7()
			if err != nil {
				return err
			}
			const qp = `
				INSERT INTO persons (id, jmbg, given_name, family_name, birth_date, sex,
					municipality, settlement, street, centre_id, household_id, relation, registered_by)
				VALUES (@id, @jmbg, @given, @family, @birth, @sex, @municipality, @settlement, @street,
					@centre, @household, @relation, 'population_register')
				ON CONFLICT (jmbg) WHERE NOT jmbg_override DO UPDATE SET
					household_id = excluded.household_id, relation = excluded.relation`
			_, err = tx.Exec(ctx, qp, pgx.NamedArgs{
				"id": pid.String(), "jmbg": string(m.JMBG), "given": m.GivenName, "family": m.FamilyName,
				"birth": m.BirthDate, "sex": string(m.Sex), "municipality": link.Address.Municipality,
				"settlement": link.Address.Settlement, "street": link.Address.Street, "centre": centre.ID,
				"household": hid, "relation": string(m.Relation),
			})
			if err != nil {
				return fmt.Errorf("upsert household member: %w", err)
			}
			jmbgs = append(jmbgs, string(m.JMBG))
		}
		const qleft = `UPDATE persons SET household_id = NULL, relation = NULL
			WHERE household_id = @household AND NOT (jmbg = ANY(@jmbgs))`
		if _, err := tx.Exec(ctx, qleft, pgx.NamedArgs{"household": hid, "jmbgs": jmbgs}); err != nil {
			return fmt.Errorf("unlink former members: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return domain.HouseholdID(hid), nil
}

// linkedAlready returns the household's id when it is recorded exactly as
// link states it (its address, and its members, each with the relation,
// and no one else), "" otherwise. The members of a household refreshed at
// once (a claim's) each bring the same household from the population
// register: reading first spares them waiting on each other's row locks
// to write nothing new (bench/claims: such waits were the tail of a claim).
func (db *DB) linkedAlready(ctx context.Context, link HouseholdLink) (string, error) {
	jmbgs, relations := make([]string, len(link.Members)), make([]string, len(link.Members))
	for i, m := range link.Members {
		jmbgs[i], relations[i] = string(m.JMBG), string(m.Relation)
	}
	var (
		hid              string
		same             bool
		linked, matching int
	)
	err := db.pool.QueryRow(ctx, `SELECT h.id::text,
			(h.municipality, h.settlement, h.street) IS NOT DISTINCT FROM ($2::text, $3::text, $4::text),
			(SELECT count(*) FROM persons p WHERE p.household_id = h.id),
			(SELECT count(*) FROM persons p JOIN unnest($5::text[], $6::text[]) AS m(jmbg, relation) ON p.jmbg = m.jmbg
				WHERE p.household_id = h.id AND p.relation::text = m.relation AND NOT p.jmbg_override)
		FROM households h WHERE h.register_number = $1`,
		link.RegisterNumber, link.Address.Municipality, link.Address.Settlement, link.Address.Street, jmbgs, relations).
		Scan(&hid, &same, &linked, &matching)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read household %s: %w", link.RegisterNumber, err)
	}
	if !same || linked != len(link.Members) || matching != len(link.Members) {
		return "", nil
	}
	return hid, nil
}

// CountPersons is the number of persons registered.
func (db *DB) CountPersons(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM persons`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count persons: %w", err)
	}
	return n, nil
}

// Language returns the language a user chose, or "" if none.
func (db *DB) Language(ctx context.Context, username string) (string, error) {
	var lang string
	err := db.pool.QueryRow(ctx, `SELECT language FROM user_preferences WHERE username = $1`, username).Scan(&lang)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return lang, err
}

// SetLanguage remembers the language a user chose.
func (db *DB) SetLanguage(ctx context.Context, username, lang string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO user_preferences (username, language) VALUES ($1, $2)
		ON CONFLICT (username) DO UPDATE SET language = excluded.language, updated_at = now()`, username, lang)
	return err
}
