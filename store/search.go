package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
)

// PersonQuery is a search for persons (issue 17): by JMBG, or by the words
// of a name (each a prefix of the given or the family name, compared
// without diacritics, see karton_fold in migration 00021) and/or a date of
// birth; within a centre, or across all ("").
type PersonQuery struct {
	CentreID  string
	JMBG      domain.JMBG
	Name      string
	BirthDate *time.Time
	// DVCentre counts the open cases of the domestic-violence compartment
	// of this centre too ("": none).
	DVCentre string
	Limit    int // 1..100; 0: 20
	Offset   int
}

// PersonFound is a person a search found, with what a caseworker needs to
// tell namesakes apart and to see where the person stands.
type PersonFound struct {
	domain.Person
	OpenRights []string // benefit codes of the rights not ended
	OpenCases  int
}

// SearchPersons returns a page of the persons q finds, by family name,
// given name and date of birth, and how many it finds in all. A query with
// nothing to search by finds nobody.
func (db *DB) SearchPersons(ctx context.Context, q PersonQuery) ([]PersonFound, int, error) {
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 20
	}
	where := []string{"(@centre = '' OR p.centre_id = @centre)"}
	args := pgx.NamedArgs{"centre": q.CentreID, "dv": q.DVCentre, "limit": q.Limit, "offset": q.Offset}
	words := strings.Fields(q.Name)
	if q.JMBG == "" && len(words) == 0 && q.BirthDate == nil {
		return nil, 0, nil
	}
	if q.JMBG != "" {
		where = append(where, "p.jmbg = @jmbg")
		args["jmbg"] = string(q.JMBG)
	}
	for i, w := range words {
		k := fmt.Sprintf("w%d", i)
		where = append(where, fmt.Sprintf(`(p.family_folded LIKE karton_fold(@%s) || '%%' OR p.given_folded LIKE karton_fold(@%s) || '%%')`, k, k))
		args[k] = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(w)
	}
	if q.BirthDate != nil {
		where = append(where, "p.birth_date = @birth")
		args["birth"] = *q.BirthDate
	}
	// The page is chosen first (the count of all taken on the way), and
	// only its persons' rights and cases are read.
	query := `SELECT ` + personColumnsOf("p") + `,
		coalesce((SELECT array_agg(DISTINCT e.benefit ORDER BY e.benefit) FROM entitlements e
			WHERE e.beneficiary_id = p.id AND e.state <> 'ended'), '{}'),
		(SELECT count(*) FROM case_persons cp JOIN cases c ON c.number = cp.case_number
			WHERE cp.person_id = p.id AND c.status = 'open' AND (NOT c.dv OR c.centre_id = @dv)),
		p.total
		FROM (SELECT p.*, count(*) OVER () AS total FROM persons p WHERE ` + strings.Join(where, " AND ") + `
			ORDER BY p.family_folded, p.given_folded, p.birth_date, p.id LIMIT @limit OFFSET @offset) p
		ORDER BY p.family_folded, p.given_folded, p.birth_date, p.id`
	rows, err := db.pool.Query(ctx, query, args)
	if err != nil {
		return nil, 0, fmt.Errorf("search persons: %w", err)
	}
	total := 0
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PersonFound, error) {
		var pr personRow
		var f PersonFound
		err := r.Scan(&pr.ID, &pr.JMBG, &pr.JMBGWarning, &pr.GivenName, &pr.FamilyName, &pr.BirthDate, &pr.Sex,
			&pr.Municipality, &pr.Settlement, &pr.Street, &pr.CentreID, &pr.HouseholdID, &pr.CreatedAt, &f.OpenRights, &f.OpenCases, &total)
		f.Person = pr.toDomain()
		return f, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("search persons: %w", err)
	}
	if len(found) == 0 && q.Offset > 0 {
		// A page past the end still says how many there are.
		err := db.pool.QueryRow(ctx, `SELECT count(*) FROM persons p WHERE `+strings.Join(where, " AND "), args).Scan(&total)
		if err != nil {
			return nil, 0, fmt.Errorf("count persons: %w", err)
		}
	}
	return found, total, nil
}

// personColumnsOf is personColumns qualified by the table's alias.
func personColumnsOf(alias string) string {
	cols := strings.Split(personColumns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// PersonNames returns the names ("given family") of the persons ids names,
// by id, read now: pages show names from here, never from a workflow's
// payload. Unknown ids are left out.
func (db *DB) PersonNames(ctx context.Context, ids []domain.PersonID) (map[domain.PersonID]string, error) {
	out := map[domain.PersonID]string{}
	if len(ids) == 0 {
		return out, nil
	}
	list := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, err := domain.ParsePersonID(string(id)); err == nil {
			list = append(list, string(id))
		}
	}
	rows, err := db.pool.Query(ctx, `SELECT id::text, given_name || ' ' || family_name FROM persons WHERE id = ANY(@ids::uuid[])`,
		pgx.NamedArgs{"ids": list})
	if err != nil {
		return nil, fmt.Errorf("select person names: %w", err)
	}
	var id, name string
	_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		out[domain.PersonID(id)] = name
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select person names: %w", err)
	}
	return out, nil
}

// PersonsOfCases returns the persons of each case numbers names (with
// their names and parts), the beneficiaries first. Each number is named
// once (a page's cases).
func (db *DB) PersonsOfCases(ctx context.Context, numbers []string) (map[string][]CasePerson, error) {
	out := map[string][]CasePerson{}
	if len(numbers) == 0 {
		return out, nil
	}
	// $1, not a named argument: pgx rewrote the named query at every call,
	// on every page of the case list (issue 24). The numbers are joined as
	// rows, not matched with "= ANY($1)": the plan PostgreSQL keeps for the
	// prepared statement tested each row of a small case_persons against
	// the page's 100 numbers one by one, twice the time of a hash join
	// (0.32-0.39 ms against 0.14 ms under the case list's load, issue 24);
	// on a large one both probe the primary key per number.
	rows, err := db.pool.Query(ctx, `SELECT cp.case_number, cp.person_id::text, cp.role, p.given_name || ' ' || p.family_name
		FROM unnest($1::text[]) AS page(number) JOIN case_persons cp ON cp.case_number = page.number JOIN persons p ON p.id = cp.person_id
		ORDER BY cp.case_number, cp.role <> 'beneficiary', cp.role, p.family_name, p.given_name`, numbers)
	if err != nil {
		return nil, fmt.Errorf("select persons of cases: %w", err)
	}
	var number string
	var p CasePerson
	_, err = pgx.ForEachRow(rows, []any{&number, &p.PersonID, &p.Role, &p.Name}, func() error {
		out[number] = append(out[number], p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select persons of cases: %w", err)
	}
	return out, nil
}

// PersonCorrection is a change of a person's registered name or address.
type PersonCorrection struct {
	PersonID domain.PersonID
	Source   string   // register: the population register's values taken; hand: corrected by hand
	Fields   []string // given_name, family_name, address
	After    domain.Person
	Evidence []int64 // register: the evidence rows taken
	Reason   string  // hand: why
	By       string
	At       time.Time
	Before   domain.Person // filled by CorrectPerson
}

type correctionValues struct {
	GivenName    string `json:"given_name"`
	FamilyName   string `json:"family_name"`
	Municipality string `json:"municipality"`
	Settlement   string `json:"settlement"`
	Street       string `json:"street"`
}

func valuesOf(p domain.Person) correctionValues {
	return correctionValues{GivenName: p.GivenName, FamilyName: p.FamilyName, Municipality: p.Address.Municipality,
		Settlement: p.Address.Settlement, Street: p.Address.Street}
}

// CorrectPerson writes c.After's name and address to the person and keeps
// the change (values before and after, its source, who and why) in one
// transaction; the person's row is locked meanwhile, so that two
// corrections are one after the other. It returns the person as corrected.
// The competent centre stays as it is: a correction does not move a file.
func (db *DB) CorrectPerson(ctx context.Context, c PersonCorrection) (domain.Person, error) {
	var out domain.Person
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		before, err := scanPerson(tx.QueryRow(ctx, `SELECT `+personColumns+` FROM persons WHERE id = @id FOR UPDATE`,
			pgx.NamedArgs{"id": string(c.PersonID)}))
		if err != nil {
			return translate(err, fmt.Sprintf("person %s", c.PersonID))
		}
		a := c.After
		out, err = scanPerson(tx.QueryRow(ctx, `UPDATE persons SET given_name = @given, family_name = @family,
			municipality = @municipality, settlement = @settlement, street = @street WHERE id = @id RETURNING `+personColumns,
			pgx.NamedArgs{"id": string(c.PersonID), "given": a.GivenName, "family": a.FamilyName, "municipality": a.Address.Municipality,
				"settlement": a.Address.Settlement, "street": a.Address.Street}))
		if err != nil {
			return fmt.Errorf("correct person %s: %w", c.PersonID, err)
		}
		b, _ := json.Marshal(valuesOf(before))
		n, _ := json.Marshal(valuesOf(out))
		ev := c.Evidence
		if ev == nil {
			ev = []int64{}
		}
		at := c.At
		if at.IsZero() {
			at = time.Now()
		}
		_, err = tx.Exec(ctx, `INSERT INTO person_corrections (person_id, source, fields, before, after, evidence, reason, by_username, at)
			VALUES (@person, @source, @fields, @before, @after, @evidence, @reason, @by, @at)`,
			pgx.NamedArgs{"person": string(c.PersonID), "source": c.Source, "fields": c.Fields, "before": string(b), "after": string(n),
				"evidence": ev, "reason": c.Reason, "by": c.By, "at": at})
		if err != nil {
			return fmt.Errorf("record correction of %s: %w", c.PersonID, err)
		}
		return nil
	})
	if err != nil {
		return domain.Person{}, err
	}
	return out, nil
}

// PersonCorrections lists the corrections of a person's name and address,
// newest first.
func (db *DB) PersonCorrections(ctx context.Context, id domain.PersonID) ([]PersonCorrection, error) {
	rows, err := db.pool.Query(ctx, `SELECT source, fields, before::text, after::text, evidence, reason, by_username, at
		FROM person_corrections WHERE person_id = @id ORDER BY at DESC, id DESC`, pgx.NamedArgs{"id": string(id)})
	if err != nil {
		return nil, fmt.Errorf("select corrections of %s: %w", id, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PersonCorrection, error) {
		c := PersonCorrection{PersonID: id}
		var before, after string
		if err := r.Scan(&c.Source, &c.Fields, &before, &after, &c.Evidence, &c.Reason, &c.By, &c.At); err != nil {
			return c, err
		}
		var b, a correctionValues
		if err := json.Unmarshal([]byte(before), &b); err != nil {
			return c, err
		}
		if err := json.Unmarshal([]byte(after), &a); err != nil {
			return c, err
		}
		c.Before = domain.Person{ID: id, GivenName: b.GivenName, FamilyName: b.FamilyName,
			Address: domain.Address{Municipality: b.Municipality, Settlement: b.Settlement, Street: b.Street}}
		c.After = domain.Person{ID: id, GivenName: a.GivenName, FamilyName: a.FamilyName,
			Address: domain.Address{Municipality: a.Municipality, Settlement: a.Settlement, Street: a.Street}}
		return c, nil
	})
}

// CurrentRegisterEvidence returns the current identity and residence
// evidence of a person as the population register stated it (not a
// declaration), or nil where there is none.
func (db *DB) CurrentRegisterEvidence(ctx context.Context, id domain.PersonID) (identity, residence *domain.Evidence, err error) {
	rows, err := db.pool.Query(ctx, `SELECT id, kind, source, value::text, valid_from, fetched_at FROM evidence
		WHERE person_id = @id AND kind IN ('identity', 'residence') AND source = @source AND NOT declared AND superseded_at IS NULL`,
		pgx.NamedArgs{"id": string(id), "source": string(domain.SourcePopulation)})
	if err != nil {
		return nil, nil, fmt.Errorf("select register evidence of %s: %w", id, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Evidence, error) {
		var e domain.Evidence
		var value string
		err := r.Scan(&e.ID, &e.Kind, &e.Source, &value, &e.ValidFrom, &e.FetchedAt)
		e.Value = []byte(value)
		return e, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("select register evidence of %s: %w", id, err)
	}
	for i := range list {
		switch list[i].Kind {
		case domain.KindIdentity:
			identity = &list[i]
		case domain.KindResidence:
			residence = &list[i]
		}
	}
	return identity, residence, nil
}
