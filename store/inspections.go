package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
)

// Inspections during a licence, fines and suspensions (issue 21 item 1),
// and the register's constitutive rule: a provider exists for the rest of
// Karton only while a licence of the service is in force on the day
// (LicenceInForce, ProvidersInForce).

// Inspection is an inspection of a provider's licence with its fines.
type Inspection struct {
	ID            int64
	ProviderID    int64
	LicenceNumber string
	Kind          string
	ScheduledOn   time.Time
	ScheduledBy   string
	Findings      []providers.Finding // nil until recorded
	Summary       string
	InspectedBy   string
	InspectedOn   *time.Time
	Fines         []Fine
}

// Fine is a fine after an inspection: proposed by one officer, decided by
// another, perhaps appealed.
type Fine struct {
	ID           int64
	InspectionID int64
	providers.Fine
	State       string // proposed, decided
	ProposedBy  string
	ProposedOn  time.Time
	DecidedBy   string
	DecidedOn   *time.Time
	AppealUntil *time.Time
	Appeal      *FineAppeal
}

// FineAppeal is the provider's appeal against a fine and its outcome.
type FineAppeal struct {
	FiledOn   time.Time
	Grounds   string
	FiledBy   string // the officer who recorded it
	Outcome   string // "" while pending; upheld, annulled, changed
	Amount    decimal.NullDecimal
	DecidedBy string
	DecidedOn *time.Time
}

// Suspension is a licence's suspension, open until lifted.
type Suspension struct {
	ID            int64
	LicenceNumber string
	From          time.Time
	Reason        string
	SuspendedBy   string
	LiftedOn      *time.Time
	LiftReason    string
	LiftedBy      string
}

// licenceOf locks provider id's licence number and returns it.
func licenceOf(ctx context.Context, tx pgx.Tx, id int64, number string) (ProviderLicence, error) {
	l, err := scanLicence(tx.QueryRow(ctx, `SELECT `+licenceColumns+` FROM provider_licences WHERE provider_id = $1 AND number = $2 FOR UPDATE`, id, number))
	if err != nil {
		return ProviderLicence{}, translate(err, fmt.Sprintf("licence %s of provider %d", number, id))
	}
	return l, nil
}

// ScheduleInspection schedules an inspection of kind on day of provider
// id's licence number, by officer by on today (providers.CheckScheduledInspection:
// every fault by field; nothing written on a fault).
func (db *DB) ScheduleInspection(ctx context.Context, id int64, number, kind string, day, today time.Time, by string) (Inspection, error) {
	var out Inspection
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		l, err := licenceOf(ctx, tx, id, number)
		if err != nil {
			return err
		}
		if errs := providers.CheckScheduledInspection(l.Licence, kind, day, today); errs != nil {
			return domain.Invalid(errs)
		}
		var iid int64
		if err := tx.QueryRow(ctx, `INSERT INTO provider_inspections (provider_id, licence_number, kind, scheduled_on, scheduled_by)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, id, number, kind, day, by).Scan(&iid); err != nil {
			return fmt.Errorf("insert inspection: %w", err)
		}
		out, err = inspectionByID(ctx, tx, id, number, iid, false)
		return err
	})
	return out, err
}

const inspectionColumns = `id, provider_id, licence_number, kind, scheduled_on, scheduled_by, findings, coalesce(summary, ''), coalesce(inspected_by, ''), inspected_on`

func scanInspection(r pgx.Row) (Inspection, error) {
	var i Inspection
	var findings []byte
	if err := r.Scan(&i.ID, &i.ProviderID, &i.LicenceNumber, &i.Kind, &i.ScheduledOn, &i.ScheduledBy, &findings, &i.Summary, &i.InspectedBy, &i.InspectedOn); err != nil {
		return Inspection{}, err
	}
	if findings != nil {
		if err := json.Unmarshal(findings, &i.Findings); err != nil {
			return Inspection{}, fmt.Errorf("inspection %d's findings: %w", i.ID, err)
		}
	}
	i.Fines = []Fine{}
	return i, nil
}

const fineColumns = `id, inspection_id, amount, legal_ref, reason, due_on, state, proposed_by, proposed_on, coalesce(decided_by, ''), decided_on, appeal_until,
	appeal_filed_on, coalesce(appeal_grounds, ''), coalesce(appeal_filed_by, ''), coalesce(appeal_outcome, ''), appeal_amount, coalesce(appeal_decided_by, ''), appeal_decided_on`

func scanFine(r pgx.Row) (Fine, error) {
	var f Fine
	var a FineAppeal
	var filed *time.Time
	err := r.Scan(&f.ID, &f.InspectionID, &f.Amount, &f.LegalRef, &f.Reason, &f.DueOn, &f.State, &f.ProposedBy, &f.ProposedOn, &f.DecidedBy, &f.DecidedOn,
		&f.AppealUntil, &filed, &a.Grounds, &a.FiledBy, &a.Outcome, &a.Amount, &a.DecidedBy, &a.DecidedOn)
	if err != nil {
		return Fine{}, err
	}
	if filed != nil {
		a.FiledOn = *filed
		f.Appeal = &a
	}
	return f, nil
}

func inspectionByID(ctx context.Context, q providerQuerier, id int64, number string, iid int64, lock bool) (Inspection, error) {
	sql := `SELECT ` + inspectionColumns + ` FROM provider_inspections WHERE id = $1 AND provider_id = $2 AND licence_number = $3`
	if lock {
		sql += ` FOR UPDATE`
	}
	i, err := scanInspection(q.QueryRow(ctx, sql, iid, id, number))
	if err != nil {
		return Inspection{}, translate(err, fmt.Sprintf("inspection %d of licence %s", iid, number))
	}
	rows, err := q.Query(ctx, `SELECT `+fineColumns+` FROM provider_fines WHERE inspection_id = $1 ORDER BY id`, iid)
	if err != nil {
		return Inspection{}, fmt.Errorf("inspection's fines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFine(rows)
		if err != nil {
			return Inspection{}, fmt.Errorf("scan fine: %w", err)
		}
		i.Fines = append(i.Fines, f)
	}
	return i, rows.Err()
}

// RecordFindings records the findings of inspection iid of provider id's
// licence number, by the officer by on today: not before the day it was
// scheduled for, once (a conflict after), every point of the checklist
// answered (providers.CheckFindings).
func (db *DB) RecordFindings(ctx context.Context, id int64, number string, iid int64, findings []providers.Finding, summary, by string, today time.Time) (Inspection, error) {
	var out Inspection
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		i, err := inspectionByID(ctx, tx, id, number, iid, true)
		if err != nil {
			return err
		}
		if i.Findings != nil {
			return domain.Errorf(domain.CodeConflict, "the findings of inspection %d were recorded on %s already", iid, i.InspectedOn.Format(time.DateOnly))
		}
		if domain.CalendarDay(today).Before(i.ScheduledOn) {
			return domain.Errorf(domain.CodeConflict, "inspection %d is scheduled for %s: its findings come on or after that day", iid, i.ScheduledOn.Format(time.DateOnly))
		}
		if errs := providers.CheckFindings(findings, summary); errs != nil {
			return domain.Invalid(errs)
		}
		raw, err := json.Marshal(findings)
		if err != nil {
			return fmt.Errorf("findings: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE provider_inspections SET findings = $2, summary = $3, inspected_by = $4, inspected_on = $5 WHERE id = $1`,
			iid, raw, summary, by, domain.CalendarDay(today)); err != nil {
			return fmt.Errorf("record findings: %w", err)
		}
		out, err = inspectionByID(ctx, tx, id, number, iid, false)
		return err
	})
	return out, err
}

// ProposeFine proposes a fine after inspection iid, whose findings must be
// recorded (a conflict before), by officer by on today (providers.CheckFine:
// every fault by field, a fine without a legal reference among them).
func (db *DB) ProposeFine(ctx context.Context, id int64, number string, iid int64, f providers.Fine, by string, today time.Time) (Inspection, error) {
	var out Inspection
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		i, err := inspectionByID(ctx, tx, id, number, iid, true)
		if err != nil {
			return err
		}
		if errs := providers.CheckFine(f, today); errs != nil {
			return domain.Invalid(errs)
		}
		if i.Findings == nil {
			return domain.Errorf(domain.CodeConflict, "inspection %d has no findings yet: a fine follows from them", iid)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO provider_fines (inspection_id, amount, legal_ref, reason, due_on, proposed_by, proposed_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, iid, f.Amount, f.LegalRef, f.Reason, f.DueOn, by, domain.CalendarDay(today)); err != nil {
			return fmt.Errorf("insert fine: %w", err)
		}
		out, err = inspectionByID(ctx, tx, id, number, iid, false)
		return err
	})
	return out, err
}

// fineOf locks fine fid of provider id's licence number.
func fineOf(ctx context.Context, tx pgx.Tx, id int64, number string, fid int64) (Fine, error) {
	f, err := scanFine(tx.QueryRow(ctx, `SELECT `+fineColumns+` FROM provider_fines WHERE id = $1 AND inspection_id IN
		(SELECT id FROM provider_inspections WHERE provider_id = $2 AND licence_number = $3) FOR UPDATE`, fid, id, number))
	if err != nil {
		return Fine{}, translate(err, fmt.Sprintf("fine %d of licence %s", fid, number))
	}
	return f, nil
}

// DecideFine decides a proposed fine as officer by, on today, who may not
// be the officer who proposed it (four eyes: forbidden); a fine decided
// already is a conflict. The appeal runs until domain.AppealDeadline of
// today (GUESS: the decision is delivered the day it is decided).
func (db *DB) DecideFine(ctx context.Context, id int64, number string, fid int64, by string, today time.Time) (Inspection, error) {
	var out Inspection
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		f, err := fineOf(ctx, tx, id, number, fid)
		if err != nil {
			return err
		}
		if f.State != "proposed" {
			return domain.Errorf(domain.CodeConflict, "fine %d was decided on %s already", fid, f.DecidedOn.Format(time.DateOnly))
		}
		if f.ProposedBy == by {
			return domain.Errorf(domain.CodeForbidden, "fine %d was proposed by you: another officer decides it (four eyes)", fid)
		}
		day := domain.CalendarDay(today)
		if _, err := tx.Exec(ctx, `UPDATE provider_fines SET state = 'decided', decided_by = $2, decided_on = $3, appeal_until = $4 WHERE id = $1`,
			fid, by, day, domain.AppealDeadline(day)); err != nil {
			return fmt.Errorf("decide fine: %w", err)
		}
		out, err = inspectionByID(ctx, tx, id, number, f.InspectionID, false)
		return err
	})
	return out, err
}

// FileFineAppeal records the provider's appeal against decided fine fid,
// filed on filed (not before the decision, not after today, not after the
// appeal deadline: a 400 naming filed_on), recorded by officer by; a fine
// not decided or appealed already is a conflict.
func (db *DB) FileFineAppeal(ctx context.Context, id int64, number string, fid int64, filed time.Time, grounds, by string, today time.Time) (Inspection, error) {
	var out Inspection
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		f, err := fineOf(ctx, tx, id, number, fid)
		if err != nil {
			return err
		}
		switch {
		case f.State != "decided":
			return domain.Errorf(domain.CodeConflict, "fine %d is not decided yet: only a decided fine is appealed", fid)
		case f.Appeal != nil:
			return domain.Errorf(domain.CodeConflict, "fine %d was appealed on %s already", fid, f.Appeal.FiledOn.Format(time.DateOnly))
		}
		d := domain.CalendarDay(filed)
		switch {
		case d.After(domain.CalendarDay(today)):
			return domain.FieldError("filed_on", "%s is in the future", d.Format(time.DateOnly))
		case d.Before(*f.DecidedOn):
			return domain.FieldError("filed_on", "%s is before the fine was decided (%s)", d.Format(time.DateOnly), f.DecidedOn.Format(time.DateOnly))
		case d.After(*f.AppealUntil):
			return domain.FieldError("filed_on", "%s is after the appeal deadline (%s)", d.Format(time.DateOnly), f.AppealUntil.Format(time.DateOnly))
		}
		if _, err := tx.Exec(ctx, `UPDATE provider_fines SET appeal_filed_on = $2, appeal_grounds = $3, appeal_filed_by = $4 WHERE id = $1`,
			fid, d, grounds, by); err != nil {
			return fmt.Errorf("file appeal: %w", err)
		}
		out, err = inspectionByID(ctx, tx, id, number, f.InspectionID, false)
		return err
	})
	return out, err
}

// DecideFineAppeal records the outcome of the appeal against fine fid, as
// officer by on today, who may not be the officer who decided the fine
// (forbidden): upheld, annulled, or changed to amount (checked like a
// fine's). No appeal, or one decided already, is a conflict.
func (db *DB) DecideFineAppeal(ctx context.Context, id int64, number string, fid int64, outcome string, amount decimal.NullDecimal, by string, today time.Time) (Inspection, error) {
	var out Inspection
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		f, err := fineOf(ctx, tx, id, number, fid)
		if err != nil {
			return err
		}
		switch {
		case f.Appeal == nil:
			return domain.Errorf(domain.CodeConflict, "fine %d has no appeal", fid)
		case f.Appeal.Outcome != "":
			return domain.Errorf(domain.CodeConflict, "the appeal against fine %d was decided on %s already", fid, f.Appeal.DecidedOn.Format(time.DateOnly))
		case f.DecidedBy == by:
			return domain.Errorf(domain.CodeForbidden, "fine %d was decided by you: another officer decides its appeal", fid)
		}
		if errs := checkAppealOutcome(f, outcome, amount); errs != nil {
			return domain.Invalid(errs)
		}
		if _, err := tx.Exec(ctx, `UPDATE provider_fines SET appeal_outcome = $2, appeal_amount = $3, appeal_decided_by = $4, appeal_decided_on = $5 WHERE id = $1`,
			fid, outcome, amount, by, domain.CalendarDay(today)); err != nil {
			return fmt.Errorf("decide appeal: %w", err)
		}
		out, err = inspectionByID(ctx, tx, id, number, f.InspectionID, false)
		return err
	})
	return out, err
}

func checkAppealOutcome(f Fine, outcome string, amount decimal.NullDecimal) []*domain.Error {
	switch outcome {
	case providers.FineUpheld, providers.FineAnnulled:
		if amount.Valid {
			return []*domain.Error{domain.FieldError("amount", "is given only when the fine is changed")}
		}
		return nil
	case providers.FineChanged:
		if !amount.Valid {
			return []*domain.Error{domain.FieldError("amount", "is required when the fine is changed")}
		}
		// The changed amount is checked as a fine's amount is.
		var errs []*domain.Error
		for _, e := range providers.CheckFine(providers.Fine{Amount: amount.Decimal, LegalRef: f.LegalRef, Reason: f.Reason, DueOn: f.DueOn}, f.ProposedOn) {
			if e.Field == "amount" {
				errs = append(errs, e)
			}
		}
		if errs == nil && amount.Decimal.Equal(f.Amount) {
			errs = append(errs, domain.FieldError("amount", "%s is the fine's amount: the outcome is then upheld", amount.Decimal.StringFixed(2)))
		}
		return errs
	}
	return []*domain.Error{domain.FieldError("outcome", "%q is not an outcome (upheld, annulled, changed)", outcome)}
}

// SuspendLicence suspends provider id's licence number from day from,
// until lifted, with the reason, by officer by on today
// (providers.CheckSuspension: every fault by field); a licence suspended
// already (not lifted) is a conflict.
func (db *DB) SuspendLicence(ctx context.Context, id int64, number string, from time.Time, reason, by string, today time.Time) (Provider, error) {
	var out Provider
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		l, err := licenceOf(ctx, tx, id, number)
		if err != nil {
			return err
		}
		if l.SuspendedOn != nil {
			return domain.Errorf(domain.CodeConflict, "licence %s is suspended from %s already: lift that suspension first", number, l.SuspendedOn.Format(time.DateOnly))
		}
		if errs := providers.CheckSuspension(l.Licence, from, reason, today); errs != nil {
			return domain.Invalid(errs)
		}
		d := domain.CalendarDay(from)
		if _, err := tx.Exec(ctx, `INSERT INTO provider_suspensions (licence_number, from_on, reason, suspended_by) VALUES ($1, $2, $3, $4)`,
			number, d, reason, by); err != nil {
			return translate(err, "suspension of licence "+number)
		}
		if _, err := tx.Exec(ctx, `UPDATE provider_licences SET suspended_on = $2 WHERE number = $1`, number, d); err != nil {
			return fmt.Errorf("suspend licence: %w", err)
		}
		if _, err := SuspendContractsWithoutLicence(ctx, tx, id, d); err != nil { // issue 23: its contracts for the service
			return err
		}
		out, err = providerByID(ctx, tx, id, false)
		return err
	})
	return out, err
}

// LiftSuspension lifts the open suspension of provider id's licence
// number from today on (a suspension not begun yet is thereby cancelled),
// with the reason, by officer by; a licence not suspended is a conflict.
func (db *DB) LiftSuspension(ctx context.Context, id int64, number, reason, by string, today time.Time) (Provider, error) {
	var out Provider
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := licenceOf(ctx, tx, id, number); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE provider_suspensions SET lifted_on = greatest($2::date, from_on), lift_reason = $3, lifted_by = $4
			WHERE licence_number = $1 AND lifted_on IS NULL`, number, domain.CalendarDay(today), reason, by)
		if err != nil {
			return fmt.Errorf("lift suspension: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.CodeConflict, "licence %s is not suspended", number)
		}
		if _, err := tx.Exec(ctx, `UPDATE provider_licences SET suspended_on = NULL WHERE number = $1`, number); err != nil {
			return fmt.Errorf("lift suspension: %w", err)
		}
		out, err = providerByID(ctx, tx, id, false)
		return err
	})
	return out, err
}

// Supervision is what the ministry did with a provider's licences:
// inspections with their fines, suspensions, and the history of it all.
type Supervision struct {
	Inspections []Inspection
	Suspensions []Suspension
	History     []HistoryEvent
}

// HistoryEvent is one thing that happened to a provider's licence.
type HistoryEvent struct {
	Day     time.Time
	Licence string
	Kind    string // licence_recorded, inspection_scheduled, findings_recorded, fine_proposed, fine_decided, fine_appealed, appeal_decided, suspended, suspension_lifted, withdrawn
	By      string
	// Ref is the inspection's or fine's id, 0 for none.
	Ref int64
	// Detail is what to show besides: the kind of inspection, the fine's
	// amount, the reason, the outcome.
	Detail string
}

// ProviderSupervision returns provider id's inspections, fines,
// suspensions and history (oldest first).
func (db *DB) ProviderSupervision(ctx context.Context, id int64) (Provider, Supervision, error) {
	p, err := providerByID(ctx, db.pool, id, false)
	if err != nil {
		return Provider{}, Supervision{}, err
	}
	s := Supervision{Inspections: []Inspection{}, Suspensions: []Suspension{}}
	rows, err := db.pool.Query(ctx, `SELECT id, licence_number FROM provider_inspections WHERE provider_id = $1 ORDER BY scheduled_on, id`, id)
	if err != nil {
		return Provider{}, Supervision{}, fmt.Errorf("inspections: %w", err)
	}
	type ref struct {
		id     int64
		number string
	}
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.id, &r.number); err != nil {
			rows.Close()
			return Provider{}, Supervision{}, fmt.Errorf("scan inspection: %w", err)
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Provider{}, Supervision{}, fmt.Errorf("inspections: %w", err)
	}
	for _, r := range refs {
		i, err := inspectionByID(ctx, db.pool, id, r.number, r.id, false)
		if err != nil {
			return Provider{}, Supervision{}, err
		}
		s.Inspections = append(s.Inspections, i)
	}
	srows, err := db.pool.Query(ctx, `SELECT s.id, s.licence_number, s.from_on, s.reason, s.suspended_by, s.lifted_on, coalesce(s.lift_reason, ''), coalesce(s.lifted_by, '')
		FROM provider_suspensions s JOIN provider_licences l ON l.number = s.licence_number WHERE l.provider_id = $1 ORDER BY s.from_on, s.id`, id)
	if err != nil {
		return Provider{}, Supervision{}, fmt.Errorf("suspensions: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var x Suspension
		if err := srows.Scan(&x.ID, &x.LicenceNumber, &x.From, &x.Reason, &x.SuspendedBy, &x.LiftedOn, &x.LiftReason, &x.LiftedBy); err != nil {
			return Provider{}, Supervision{}, fmt.Errorf("scan suspension: %w", err)
		}
		s.Suspensions = append(s.Suspensions, x)
	}
	if err := srows.Err(); err != nil {
		return Provider{}, Supervision{}, fmt.Errorf("suspensions: %w", err)
	}
	s.History = history(p, s)
	return p, s, nil
}

// history puts everything that happened to p's licences in order of day.
func history(p Provider, s Supervision) []HistoryEvent {
	h := []HistoryEvent{}
	for _, l := range p.Licences {
		h = append(h, HistoryEvent{Day: domain.CalendarDay(l.RecordedAt), Licence: l.Number, Kind: "licence_recorded", By: l.RecordedBy, Detail: l.Service})
		if l.WithdrawnOn != nil {
			h = append(h, HistoryEvent{Day: *l.WithdrawnOn, Licence: l.Number, Kind: "withdrawn", Detail: l.WithdrawalReason})
		}
	}
	for _, i := range s.Inspections {
		h = append(h, HistoryEvent{Day: i.ScheduledOn, Licence: i.LicenceNumber, Kind: "inspection_scheduled", By: i.ScheduledBy, Ref: i.ID, Detail: i.Kind})
		if i.InspectedOn != nil {
			h = append(h, HistoryEvent{Day: *i.InspectedOn, Licence: i.LicenceNumber, Kind: "findings_recorded", By: i.InspectedBy, Ref: i.ID, Detail: i.Summary})
		}
		for _, f := range i.Fines {
			h = append(h, HistoryEvent{Day: f.ProposedOn, Licence: i.LicenceNumber, Kind: "fine_proposed", By: f.ProposedBy, Ref: f.ID, Detail: f.Amount.StringFixed(2)})
			if f.DecidedOn != nil {
				h = append(h, HistoryEvent{Day: *f.DecidedOn, Licence: i.LicenceNumber, Kind: "fine_decided", By: f.DecidedBy, Ref: f.ID, Detail: f.Amount.StringFixed(2)})
			}
			if a := f.Appeal; a != nil {
				h = append(h, HistoryEvent{Day: a.FiledOn, Licence: i.LicenceNumber, Kind: "fine_appealed", By: a.FiledBy, Ref: f.ID})
				if a.DecidedOn != nil {
					h = append(h, HistoryEvent{Day: *a.DecidedOn, Licence: i.LicenceNumber, Kind: "appeal_decided", By: a.DecidedBy, Ref: f.ID, Detail: a.Outcome})
				}
			}
		}
	}
	for _, x := range s.Suspensions {
		h = append(h, HistoryEvent{Day: x.From, Licence: x.LicenceNumber, Kind: "suspended", By: x.SuspendedBy, Detail: x.Reason})
		if x.LiftedOn != nil {
			h = append(h, HistoryEvent{Day: *x.LiftedOn, Licence: x.LicenceNumber, Kind: "suspension_lifted", By: x.LiftedBy, Detail: x.LiftReason})
		}
	}
	sort.SliceStable(h, func(i, j int) bool { return h[i].Day.Before(h[j].Day) })
	return h
}

// inForce is the SQL condition of licence l being in force on day $day:
// within its dates, not withdrawn, not under a suspension that covers the
// day (one lifted on a day covers it no more from that day).
const inForce = `l.valid_from <= @day AND l.valid_until >= @day AND (l.withdrawn_on IS NULL OR l.withdrawn_on > @day)
	AND NOT EXISTS (SELECT 1 FROM provider_suspensions s WHERE s.licence_number = l.number AND s.from_on <= @day
		AND (s.lifted_on IS NULL OR s.lifted_on > @day))`

// LicenceInForce says whether provider id holds a licence in force on day
// for one of services: the register is constitutive (issue 21), a
// provider exists for the rest of Karton only while it does. A provider
// not on record is not found.
func (db *DB) LicenceInForce(ctx context.Context, id int64, services []string, day time.Time) (Provider, bool, error) {
	p, err := providerByID(ctx, db.pool, id, false)
	if err != nil {
		return Provider{}, false, err
	}
	var ok bool
	err = db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM provider_licences l WHERE l.provider_id = @id AND l.service = ANY(@services) AND `+inForce+`)`,
		pgx.NamedArgs{"id": id, "services": services, "day": domain.CalendarDay(day)}).Scan(&ok)
	if err != nil {
		return Provider{}, false, fmt.Errorf("licence in force: %w", err)
	}
	return p, ok, nil
}

// ProviderInForce is a provider with the licence that lets it offer a
// service on a day.
type ProviderInForce struct {
	ID            int64
	Name          string
	Street        string
	Municipality  string
	LicenceNumber string
	Service       string
	ValidUntil    time.Time
}

// ProvidersInForce lists the providers holding a licence in force on day
// for one of services (every service when empty), by name: the only
// providers placements and referrals may name.
func (db *DB) ProvidersInForce(ctx context.Context, services []string, day time.Time) ([]ProviderInForce, error) {
	if services == nil {
		services = []string{}
	}
	rows, err := db.pool.Query(ctx, `SELECT p.id, p.name, p.street, p.municipality, l.number, l.service, l.valid_until
		FROM provider_licences l JOIN providers p ON p.id = l.provider_id
		WHERE (cardinality(@services::text[]) = 0 OR l.service = ANY(@services)) AND `+inForce+` ORDER BY p.name, p.id, l.service, l.number`,
		pgx.NamedArgs{"services": services, "day": domain.CalendarDay(day)})
	if err != nil {
		return nil, fmt.Errorf("providers in force: %w", err)
	}
	defer rows.Close()
	out := []ProviderInForce{}
	for rows.Next() {
		var x ProviderInForce
		if err := rows.Scan(&x.ID, &x.Name, &x.Street, &x.Municipality, &x.LicenceNumber, &x.Service, &x.ValidUntil); err != nil {
			return nil, fmt.Errorf("scan provider in force: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
