package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
)

// DVNotification is one entry of the domestic-violence register: a
// notification from the police or a centre's report to the police.
type DVNotification struct {
	Reference       string
	Direction       string // from_police, to_police
	PoliceReference string
	Sender          string
	ReceivedAt      time.Time
	OccurredAt      time.Time
	Municipality    string
	CentreID        string
	Description     string
	Measures        []string
	RiskLevel       string
	ChildrenPresent bool
	Body            json.RawMessage
	State           string
	CaseNumber      string
	Contact         json.RawMessage
	ReportState     string
	ReportAttempts  int
	ReportError     string
	ReportedAt      *time.Time
	Persons         []DVPerson
}

// DVPerson is someone in a notification: identified (PersonID) or only
// described, for the centre to resolve.
type DVPerson struct {
	Seq          int
	Role         string
	PersonID     domain.PersonID
	JMBG         string
	Name         string
	Description  string
	Sex          string
	BirthYear    int
	Relationship string
}

// DVEvent is a line of a notification's timeline.
type DVEvent struct {
	Key     string
	At      time.Time
	Kind    string
	By      string
	Summary string
	Data    json.RawMessage
}

const dvColumns = `reference, direction, coalesce(police_reference, ''), sender, received_at, occurred_at, municipality, centre_id,
	description, measures, risk_level, children_present, body::text, state, coalesce(case_number, ''), coalesce(contact::text, 'null'),
	report_state, report_attempts, report_error, reported_at`

func scanDV(r pgx.Row) (DVNotification, error) {
	var n DVNotification
	var body, contact string
	err := r.Scan(&n.Reference, &n.Direction, &n.PoliceReference, &n.Sender, &n.ReceivedAt, &n.OccurredAt, &n.Municipality, &n.CentreID,
		&n.Description, &n.Measures, &n.RiskLevel, &n.ChildrenPresent, &body, &n.State, &n.CaseNumber, &contact,
		&n.ReportState, &n.ReportAttempts, &n.ReportError, &n.ReportedAt)
	n.Body, n.Contact = json.RawMessage(body), json.RawMessage(contact)
	return n, err
}

// RecordDVNotification registers a notification or report with its
// persons and gives it a reference. A police reference already registered
// returns that entry instead (created false): the police may send the same
// message twice, never making a second entry.
func (db *DB) RecordDVNotification(ctx context.Context, n DVNotification) (DVNotification, bool, error) {
	if n.PoliceReference != "" {
		if old, err := db.DVNotificationByPoliceRef(ctx, n.PoliceReference); err == nil {
			return old, false, nil
		} else if domain.ErrorCode(err) != domain.CodeNotFound {
			return DVNotification{}, false, err
		}
	}
	var policeRef *string
	if n.PoliceReference != "" {
		policeRef = &n.PoliceReference
	}
	if n.Measures == nil {
		n.Measures = []string{}
	}
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var seq int64
		if err := tx.QueryRow(ctx, `SELECT nextval('dv_reference_seq')`).Scan(&seq); err != nil {
			return err
		}
		n.Reference = fmt.Sprintf("NS-%d-%06d", n.ReceivedAt.Year(), seq)
		_, err := tx.Exec(ctx, `INSERT INTO dv_notifications (reference, direction, police_reference, sender, received_at, occurred_at,
				municipality, centre_id, description, measures, risk_level, children_present, body, state)
			VALUES (@ref, @dir, @pref, @sender, @received, @occurred, @mun, @centre, @desc, @measures, @risk, @children, @body, @state)`,
			pgx.NamedArgs{"ref": n.Reference, "dir": n.Direction, "pref": policeRef, "sender": n.Sender, "received": n.ReceivedAt,
				"occurred": n.OccurredAt, "mun": n.Municipality, "centre": n.CentreID, "desc": n.Description, "measures": n.Measures,
				"risk": n.RiskLevel, "children": n.ChildrenPresent, "body": string(n.Body), "state": n.State})
		if err != nil {
			return err
		}
		for i, p := range n.Persons {
			var person *string
			if p.PersonID != "" {
				s := string(p.PersonID)
				person = &s
			}
			if _, err := tx.Exec(ctx, `INSERT INTO dv_persons (reference, seq, role, person_id, jmbg, name, description, sex, birth_year, relationship)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, n.Reference, i+1, p.Role, person, p.JMBG, p.Name, p.Description, p.Sex,
				p.BirthYear, p.Relationship); err != nil {
				return err
			}
			n.Persons[i].Seq = i + 1
		}
		return nil
	})
	if err != nil {
		// Two deliveries of one message at the same moment: the first wins.
		if domain.ErrorCode(translate(err, "")) == domain.CodeConflict && n.PoliceReference != "" {
			old, oerr := db.DVNotificationByPoliceRef(ctx, n.PoliceReference)
			return old, false, oerr
		}
		return DVNotification{}, false, fmt.Errorf("record notification: %w", err)
	}
	return n, true, nil
}

// DVNotificationByRef returns an entry of the register with its persons.
func (db *DB) DVNotificationByRef(ctx context.Context, ref string) (DVNotification, error) {
	return db.dvOne(ctx, `reference = $1`, ref, "notification "+ref)
}

// DVNotificationByPoliceRef returns the entry of a police reference.
func (db *DB) DVNotificationByPoliceRef(ctx context.Context, ref string) (DVNotification, error) {
	return db.dvOne(ctx, `police_reference = $1`, ref, "police reference "+ref)
}

func (db *DB) dvOne(ctx context.Context, where, arg, what string) (DVNotification, error) {
	n, err := scanDV(db.pool.QueryRow(ctx, `SELECT `+dvColumns+` FROM dv_notifications WHERE `+where, arg))
	if err != nil {
		return DVNotification{}, translate(err, what)
	}
	ps, err := db.dvPersons(ctx, []string{n.Reference})
	n.Persons = ps[n.Reference]
	return n, err
}

func (db *DB) dvPersons(ctx context.Context, refs []string) (map[string][]DVPerson, error) {
	rows, err := db.pool.Query(ctx, `SELECT d.reference, d.seq, d.role, coalesce(d.person_id::text, ''), d.jmbg,
			coalesce(nullif(d.name, ''), p.given_name || ' ' || p.family_name, ''), d.description, d.sex, d.birth_year, d.relationship
		FROM dv_persons d LEFT JOIN persons p ON p.id = d.person_id WHERE d.reference = ANY($1) ORDER BY d.reference, d.seq`, refs)
	if err != nil {
		return nil, fmt.Errorf("select notification persons: %w", err)
	}
	defer rows.Close()
	out := map[string][]DVPerson{}
	for rows.Next() {
		var ref string
		var p DVPerson
		if err := rows.Scan(&ref, &p.Seq, &p.Role, &p.PersonID, &p.JMBG, &p.Name, &p.Description, &p.Sex, &p.BirthYear, &p.Relationship); err != nil {
			return nil, err
		}
		out[ref] = append(out[ref], p)
	}
	return out, rows.Err()
}

// DVEntriesOfPerson lists the register's entries that name a person,
// newest first.
func (db *DB) DVEntriesOfPerson(ctx context.Context, person domain.PersonID) ([]DVNotification, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+dvColumns+` FROM dv_notifications WHERE reference IN
		(SELECT reference FROM dv_persons WHERE person_id = $1) ORDER BY received_at DESC LIMIT 100`, string(person))
	if err != nil {
		return nil, fmt.Errorf("select register entries of %s: %w", person, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DVNotification, error) { return scanDV(r) })
}

// DVFilter selects entries of the register.
type DVFilter struct {
	CentreID string // "" any
	Sender   string // "" any: the police see what they sent
	From, To time.Time
	Limit    int
}

// DVRegister lists entries of the register, newest first, with their persons.
func (db *DB) DVRegister(ctx context.Context, f DVFilter) ([]DVNotification, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	if f.To.IsZero() {
		f.To = time.Now().AddDate(100, 0, 0)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+dvColumns+` FROM dv_notifications WHERE ($1 = '' OR centre_id = $1) AND ($2 = '' OR sender = $2)
		AND received_at >= $3 AND received_at < $4 ORDER BY received_at DESC LIMIT $5`, f.CentreID, f.Sender, f.From, f.To, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("select register: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DVNotification, error) { return scanDV(r) })
	if err != nil || len(list) == 0 {
		return list, err
	}
	refs := make([]string, len(list))
	for i, n := range list {
		refs[i] = n.Reference
	}
	ps, err := db.dvPersons(ctx, refs)
	for i := range list {
		list[i].Persons = ps[list[i].Reference]
	}
	return list, err
}

// RecordDVEvent adds a line to a notification's timeline once per key;
// false when the key was recorded before (a repeated message).
func (db *DB) RecordDVEvent(ctx context.Context, ref string, e DVEvent) (bool, error) {
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("{}")
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO dv_events (reference, event_key, at, kind, by_whom, summary, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (reference, event_key) DO NOTHING`, ref, e.Key, e.At, e.Kind, e.By, e.Summary, string(e.Data))
	if err != nil {
		return false, fmt.Errorf("record notification event: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DVEvents is a notification's timeline, oldest first.
func (db *DB) DVEvents(ctx context.Context, ref string) ([]DVEvent, error) {
	rows, err := db.pool.Query(ctx, `SELECT event_key, at, kind, by_whom, summary, data::text FROM dv_events WHERE reference = $1 ORDER BY at, event_key`, ref)
	if err != nil {
		return nil, fmt.Errorf("select notification events: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DVEvent, error) {
		var e DVEvent
		var data string
		err := r.Scan(&e.Key, &e.At, &e.Kind, &e.By, &e.Summary, &data)
		e.Data = json.RawMessage(data)
		return e, err
	})
}

// DVUpdate changes what a step of the exchange learnt; empty fields stay.
type DVUpdate struct {
	State           string
	RiskLevel       string
	Contact         json.RawMessage
	CaseNumber      string
	Measures        []string
	PoliceReference string
	VictimPersonID  domain.PersonID // resolves the first unidentified victim
}

// UpdateDVNotification applies u to the entry ref.
func (db *DB) UpdateDVNotification(ctx context.Context, ref string, u DVUpdate) error {
	var contact, caseNumber, policeRef *string
	if len(u.Contact) > 0 {
		s := string(u.Contact)
		contact = &s
	}
	if u.CaseNumber != "" {
		caseNumber = &u.CaseNumber
	}
	if u.PoliceReference != "" {
		policeRef = &u.PoliceReference
	}
	return db.InTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE dv_notifications SET state = coalesce(nullif(@state, ''), state),
				risk_level = coalesce(nullif(@risk, ''), risk_level), contact = coalesce(@contact::jsonb, contact),
				case_number = coalesce(@case, case_number), measures = coalesce(@measures, measures),
				police_reference = coalesce(police_reference, @pref)
			WHERE reference = @ref`, pgx.NamedArgs{"ref": ref, "state": u.State, "risk": u.RiskLevel, "contact": contact,
			"case": caseNumber, "measures": u.Measures, "pref": policeRef})
		if err != nil {
			return fmt.Errorf("update notification %s: %w", ref, err)
		}
		if u.VictimPersonID != "" {
			_, err = tx.Exec(ctx, `UPDATE dv_persons SET person_id = $2 WHERE reference = $1 AND seq =
				(SELECT min(seq) FROM dv_persons WHERE reference = $1 AND role = 'victim' AND person_id IS NULL)`, ref, string(u.VictimPersonID))
			if err != nil {
				return fmt.Errorf("resolve the victim of %s: %w", ref, err)
			}
		}
		return nil
	})
}

// SetDVReport records how sending the centre's report to the police goes:
// pending with the attempts so far and the last error, or acknowledged.
func (db *DB) SetDVReport(ctx context.Context, ref, state string, attempts int, lastError string, at time.Time) error {
	var reported *time.Time
	if state == "acknowledged" {
		reported = &at
	}
	_, err := db.pool.Exec(ctx, `UPDATE dv_notifications SET report_state = $2, report_attempts = greatest(report_attempts, $3),
		report_error = $4, reported_at = coalesce($5, reported_at),
		state = CASE WHEN $2 = 'acknowledged' AND state <> 'closed' THEN 'reported' ELSE state END WHERE reference = $1`,
		ref, state, attempts, lastError, reported)
	if err != nil {
		return fmt.Errorf("record report of %s: %w", ref, err)
	}
	return nil
}

// OpenDVCaseOf is the open domestic-violence case a person takes part in,
// or "".
func (db *DB) OpenDVCaseOf(ctx context.Context, person domain.PersonID) (string, error) {
	var number string
	err := db.pool.QueryRow(ctx, `SELECT c.number FROM cases c JOIN case_persons cp ON cp.case_number = c.number
		WHERE cp.person_id = $1 AND c.dv AND c.status = 'open' ORDER BY c.opened_at DESC LIMIT 1`, string(person)).Scan(&number)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return number, err
}

// DVCount is one cell of the register's statistics.
type DVCount struct {
	Key   string
	Count int
}

// DVStatistics counts the victims of the notifications and reports
// received in [from, to) by municipality, month, age band and sex,
// relationship to the perpetrator, and measure: no personal data.
func (db *DB) DVStatistics(ctx context.Context, from, to time.Time) (map[string][]DVCount, error) {
	queries := map[string]string{
		"municipality": `n.municipality`,
		"month":        `to_char(n.received_at, 'YYYY-MM')`,
		"age_sex": `CASE WHEN p.birth_year = 0 THEN 'unknown' WHEN extract(year FROM n.occurred_at) - p.birth_year < 18 THEN '0-17'
			WHEN extract(year FROM n.occurred_at) - p.birth_year < 30 THEN '18-29' WHEN extract(year FROM n.occurred_at) - p.birth_year < 45 THEN '30-44'
			WHEN extract(year FROM n.occurred_at) - p.birth_year < 65 THEN '45-64' ELSE '65+' END || ' ' || coalesce(nullif(p.sex, ''), '?')`,
		"relationship": `coalesce(nullif(p.relationship, ''), 'unknown')`,
		"measure":      `unnest(CASE WHEN cardinality(n.measures) = 0 THEN ARRAY['none'] ELSE n.measures END)`,
	}
	out := map[string][]DVCount{}
	for name, expr := range queries {
		rows, err := db.pool.Query(ctx, `SELECT k, count(*) FROM (SELECT `+expr+` AS k FROM dv_notifications n
			JOIN dv_persons p ON p.reference = n.reference AND p.role IN ('victim', 'child')
			WHERE n.received_at >= $1 AND n.received_at < $2) x GROUP BY k ORDER BY k`, from, to)
		if err != nil {
			return nil, fmt.Errorf("statistics by %s: %w", name, err)
		}
		out[name], err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (DVCount, error) {
			var c DVCount
			err := r.Scan(&c.Key, &c.Count)
			return c, err
		})
		if err != nil {
			return nil, fmt.Errorf("statistics by %s: %w", name, err)
		}
	}
	return out, nil
}
