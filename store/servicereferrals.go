package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/domain/services"
)

// Referrals of persons from cases to contracted providers (issue 23 item
// 2, migrations 00048 and 00049). Each step of the ServiceReferral
// workflow moves a referral from the states it may be in to the next,
// checks them (409 naming the state) and writes a case event on the
// referral's case in the same transaction (event_key
// service-referral/<id>/<n>, kind service_referral), so the centre sees
// it on its case. A step already taken (a retried activity: its number is
// not above the referral's steps) changes nothing.

// ServiceReferral is a referral on record, with its contract's number and
// provider.
type ServiceReferral struct {
	ID             int64
	CaseNumber     string
	PersonID       domain.PersonID
	PersonName     string
	BirthDate      time.Time
	CentreID       string
	ContractID     int64
	ContractNumber string
	ProviderPIB    string
	ProviderName   string
	Unit           services.Unit
	Service        string
	DV             bool
	State          string
	ReferredOn     time.Time
	WaitingSince   *time.Time
	StartedOn      *time.Time
	EndedOn        *time.Time
	EndReason      string
	WorkflowID     string
	ReferredBy     string
	AnsweredBy     string
	EndedBy        string
	Steps          int
}

// ServiceReferralReview is a periodic review of an active referral.
type ServiceReferralReview struct {
	Day     time.Time
	By      string
	Note    string
	Outcome string
}

// ServiceReferralReviewOutcomes are what a review concludes: the service
// goes on as it is, goes on adjusted, or should end.
var ServiceReferralReviewOutcomes = []string{"continue", "adjust", "end"}

// ServiceReferralEvent is a step of a referral as its case's timeline
// holds it.
type ServiceReferralEvent struct {
	At      time.Time
	By      string
	What    string // referred, waiting, active, reviewed, ended, cancelled
	Summary string // Montenegrin
}

// ServiceReferralFile is a referral with its reviews and events.
type ServiceReferralFile struct {
	ServiceReferral
	Reviews []ServiceReferralReview
	Events  []ServiceReferralEvent
}

// ServiceReferralStep is who takes a step, when, and its number in the
// referral's life (the workflow counts them).
type ServiceReferralStep struct {
	Seq int
	By  string
	At  time.Time
}

// ServiceReferralRequest is a caseworker's referral from a case: the
// contract (its service unless Service names one), the person (the case's
// beneficiary unless PersonID names one of several), and whether the
// caller is cleared for the DV compartment.
type ServiceReferralRequest struct {
	CaseNumber string
	PersonID   domain.PersonID
	ContractID int64
	Service    string
	CentreID   string
	MayDV      bool
	By         string
}

// ServiceReferralID is the workflow id of a referral.
func ServiceReferralID(id int64) string { return fmt.Sprintf("service-referral/%d", id) }

const serviceReferralColumns = `r.id, r.case_number, r.person_id::text, pe.given_name || ' ' || pe.family_name, pe.birth_date, r.centre_id,
	r.contract_id, c.number, p.pib, p.name, c.unit, r.service, r.dv, r.state, r.referred_on, r.waiting_since, r.started_on, r.ended_on,
	coalesce(r.end_reason, ''), coalesce(r.workflow_id, ''), r.referred_by, r.answered_by, r.ended_by, r.steps`

const serviceReferralFrom = ` FROM service_referrals r JOIN service_contracts c ON c.id = r.contract_id JOIN providers p ON p.id = c.provider_id
	JOIN persons pe ON pe.id = r.person_id`

func scanServiceReferral(row pgx.Row) (ServiceReferral, error) {
	var r ServiceReferral
	err := row.Scan(&r.ID, &r.CaseNumber, &r.PersonID, &r.PersonName, &r.BirthDate, &r.CentreID, &r.ContractID, &r.ContractNumber,
		&r.ProviderPIB, &r.ProviderName, &r.Unit, &r.Service, &r.DV, &r.State, &r.ReferredOn, &r.WaitingSince, &r.StartedOn, &r.EndedOn,
		&r.EndReason, &r.WorkflowID, &r.ReferredBy, &r.AnsweredBy, &r.EndedBy, &r.Steps)
	return r, err
}

// ReferToService records a caseworker's referral from a case of their
// centre, in one transaction: the case (a DV case only for the DV staff;
// another centre's or an unseen one is not found), its procedure's
// services, the contract in force for the centre with a free place (else
// 400 naming the contracts that have one), the person the case's
// beneficiary, and no open referral of the person to the service (409
// naming it). Step 1 is on the case's timeline.
func (db *DB) ReferToService(ctx context.Context, in ServiceReferralRequest, at time.Time) (ServiceReferral, error) {
	var out ServiceReferral
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var centre, procedure, status string
		var dv bool
		err := tx.QueryRow(ctx, `SELECT centre_id, procedure, status, dv FROM cases WHERE number = $1 FOR SHARE`, in.CaseNumber).Scan(&centre, &procedure, &status, &dv)
		if err != nil || centre != in.CentreID || (dv && !in.MayDV) {
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("referral's case: %w", err)
			}
			return &domain.Error{Code: domain.CodeNotFound, Field: "case_number", Message: fmt.Sprintf("case %s not found", in.CaseNumber)}
		}
		if status != "open" {
			return domain.Errorf(domain.CodeConflict, "case %s is %s: a closed case refers nobody", in.CaseNumber, status)
		}
		contract, err := referralContract(ctx, db, tx, in, procedure, at)
		if err != nil {
			return err
		}
		person, err := referralPerson(ctx, tx, in.CaseNumber, in.PersonID)
		if err != nil {
			return err
		}
		if err := noOpenReferral(ctx, tx, person, contract.Service); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO service_referrals (case_number, person_id, centre_id, contract_id, service, dv, referred_on, referred_by, steps)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) RETURNING id`,
			in.CaseNumber, string(person), centre, contract.ID, contract.Service, dv, domain.CalendarDay(at), in.By).Scan(&id); err != nil {
			if domain.ErrorCode(translate(err, "referral")) == domain.CodeConflict {
				return domain.Errorf(domain.CodeConflict, "the person already has an open referral to %s", contract.Service)
			}
			return fmt.Errorf("insert referral: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE service_referrals SET workflow_id = $2 WHERE id = $1`, id, ServiceReferralID(id)); err != nil {
			return fmt.Errorf("referral's workflow: %w", err)
		}
		s := ServiceReferralStep{Seq: 1, By: in.By, At: at}
		if err := serviceReferralEvent(ctx, tx, id, s, services.ReferralReferred,
			fmt.Sprintf("Upućen/a na uslugu %s kod pružaoca %s (ugovor %s, uputnica %d)", serviceName(contract.Service), contract.ProviderName, contract.Number, id)); err != nil {
			return err
		}
		out, err = scanServiceReferral(tx.QueryRow(ctx, `SELECT `+serviceReferralColumns+serviceReferralFrom+` WHERE r.id = $1`, id))
		return err
	})
	return out, err
}

// referralContract is the contract a referral names once it is in force
// for the centre, for a service the case's procedure refers to, with a
// free place.
func referralContract(ctx context.Context, db *DB, tx pgx.Tx, in ServiceReferralRequest, procedure string, at time.Time) (ServiceContract, error) {
	c, err := scanServiceContract(tx.QueryRow(ctx, `SELECT `+serviceContractColumns+serviceContractFrom+` WHERE c.id = $1`, in.ContractID))
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && c.CentreID != "" && c.CentreID != in.CentreID) {
		return ServiceContract{}, domain.FieldError("contract_id", "no contract %d for this centre", in.ContractID)
	}
	if err != nil {
		return ServiceContract{}, fmt.Errorf("referral's contract: %w", err)
	}
	if in.Service != "" && in.Service != c.Service {
		return ServiceContract{}, domain.FieldError("service", "contract %s is for %s, not %s", c.Number, c.Service, in.Service)
	}
	if e := services.CheckReferralService(procedure, c.Service); e != nil {
		return ServiceContract{}, e
	}
	inForce, err := db.ContractsInForce(ctx, c.Service, in.CentreID, at)
	if err != nil {
		return ServiceContract{}, err
	}
	i := slices.IndexFunc(inForce, func(x ServiceContract) bool { return x.ID == c.ID })
	if i < 0 {
		return ServiceContract{}, domain.FieldError("contract_id", "the contract %s is not in force on %s (%s)%s", c.Number,
			domain.CalendarDay(at).Format(time.DateOnly), c.State, otherContracts(inForce, c.ID))
	}
	if inForce[i].Free() == 0 {
		return ServiceContract{}, domain.FieldError("contract_id", "the contract %s has no free place: its %d places are taken%s", c.Number,
			c.Capacity, otherContracts(inForce, c.ID))
	}
	return inForce[i], nil
}

// otherContracts names the contracts in force with free places other than
// id, for a refusal's message.
func otherContracts(inForce []ServiceContract, id int64) string {
	var names []string
	for _, x := range inForce {
		if x.ID != id && x.Free() > 0 {
			names = append(names, fmt.Sprintf("%s (%s, %d free)", x.Number, x.ProviderName, x.Free()))
		}
	}
	if len(names) == 0 {
		return "; no other contract in force has a free place"
	}
	return "; contracts in force with free places: " + strings.Join(names, ", ")
}

// referralPerson is the person a referral from a case is for: a
// beneficiary of the case (the one, unless person names one of several).
func referralPerson(ctx context.Context, tx pgx.Tx, number string, person domain.PersonID) (domain.PersonID, error) {
	rows, err := tx.Query(ctx, `SELECT person_id::text FROM case_persons WHERE case_number = $1 AND role = 'beneficiary' ORDER BY person_id`, number)
	if err != nil {
		return "", fmt.Errorf("case's beneficiaries: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[domain.PersonID])
	if err != nil {
		return "", fmt.Errorf("case's beneficiaries: %w", err)
	}
	switch {
	case person != "" && slices.Contains(ids, person):
		return person, nil
	case person != "":
		return "", domain.FieldError("person_id", "the person is not a beneficiary of case %s", number)
	case len(ids) == 1:
		return ids[0], nil
	case len(ids) == 0:
		return "", domain.FieldError("case_number", "case %s has no beneficiary to refer", number)
	}
	return "", domain.FieldError("person_id", "case %s has %d beneficiaries: name the one referred", number, len(ids))
}

// noOpenReferral is a conflict naming the person's open referral to
// service, if any.
func noOpenReferral(ctx context.Context, tx pgx.Tx, person domain.PersonID, service string) error {
	var id int64
	var state, number string
	err := tx.QueryRow(ctx, `SELECT r.id, r.state, c.number FROM service_referrals r JOIN service_contracts c ON c.id = r.contract_id
		WHERE r.person_id = $1 AND r.service = $2 AND r.state IN ('referred', 'waiting', 'active')`, string(person), service).Scan(&id, &state, &number)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open referral: %w", err)
	}
	return domain.Errorf(domain.CodeConflict, "the person already has an open referral to %s: referral %d under contract %s is %s", service, id, number, state)
}

// serviceReferralEvent writes step s of referral id on its case's
// timeline: what happened in its data (for the pages to say in their
// language) and a Montenegrin summary.
func serviceReferralEvent(ctx context.Context, tx pgx.Tx, id int64, s ServiceReferralStep, what, summary string) error {
	data, _ := json.Marshal(map[string]any{"service_referral_id": id, "step": s.Seq, "what": what})
	_, err := tx.Exec(ctx, `INSERT INTO case_events (case_number, event_key, at, kind, by_user, summary, data)
		SELECT case_number, $2, $3, 'service_referral', $4, $5, $6 FROM service_referrals WHERE id = $1
		ON CONFLICT (event_key) DO NOTHING`,
		id, fmt.Sprintf("service-referral/%d/%d", id, s.Seq), s.At, s.By, summary, string(data))
	if err != nil {
		return fmt.Errorf("referral event: %w", err)
	}
	return nil
}

// serviceName is a service's Montenegrin name for the case's history
// (its code when the catalogue lacks it).
func serviceName(code string) string {
	if s, ok := providers.ServiceByCode(code); ok {
		return s.Label("cnr")
	}
	return code
}

// ReferralActor is who takes a step: the referring centre's staff
// (CentreID) or the provider's (ProviderPIB). A referral not theirs is
// not found.
type ReferralActor struct {
	CentreID    string
	ProviderPIB string
}

func (a ReferralActor) owns(r ServiceReferral) bool {
	if a.ProviderPIB != "" {
		return r.ProviderPIB == a.ProviderPIB
	}
	return a.CentreID != "" && r.CentreID == a.CentreID
}

// referralTx locks referral id, checks that it is the actor's, reports
// whether step s was taken already, and checks that its state is one of
// from.
func referralTx(ctx context.Context, tx pgx.Tx, id int64, actor ReferralActor, s ServiceReferralStep, from ...string) (ServiceReferral, bool, error) {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM service_referrals WHERE id = $1 FOR UPDATE`, id); err != nil {
		return ServiceReferral{}, false, fmt.Errorf("lock referral %d: %w", id, err)
	}
	r, err := scanServiceReferral(tx.QueryRow(ctx, `SELECT `+serviceReferralColumns+serviceReferralFrom+` WHERE r.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !actor.owns(r)) {
		return ServiceReferral{}, false, domain.Errorf(domain.CodeNotFound, "referral %d not found", id)
	}
	if err != nil {
		return ServiceReferral{}, false, fmt.Errorf("referral %d: %w", id, err)
	}
	if s.Seq > 0 && s.Seq <= r.Steps {
		return r, true, nil
	}
	if !slices.Contains(from, r.State) {
		return r, false, domain.Errorf(domain.CodeConflict, "referral %d is %s; this step is for a referral that is %s", id, r.State, strings.Join(from, " or "))
	}
	return r, false, nil
}

// referralStepDone sets the referral's columns (set, args from $3) and
// counts step s.
func referralStepDone(ctx context.Context, tx pgx.Tx, id int64, s ServiceReferralStep, set string, args ...any) error {
	q := `UPDATE service_referrals SET steps = greatest(steps, $2), updated_at = now()`
	if set != "" {
		q += ", " + set
	}
	q += ` WHERE id = $1`
	if _, err := tx.Exec(ctx, q, append([]any{id, s.Seq}, args...)...); err != nil {
		return fmt.Errorf("referral %d: %w", id, err)
	}
	return nil
}

// freePlace locks the referral's contract and checks that it has a place
// free for another active referral.
func freePlace(ctx context.Context, tx pgx.Tx, r ServiceReferral) error {
	var capacity, inUse int
	if err := tx.QueryRow(ctx, `SELECT capacity FROM service_contracts WHERE id = $1 FOR UPDATE`, r.ContractID).Scan(&capacity); err != nil {
		return fmt.Errorf("referral's contract: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM service_referrals WHERE contract_id = $1 AND state = 'active'`, r.ContractID).Scan(&inUse); err != nil {
		return fmt.Errorf("places in use: %w", err)
	}
	if inUse >= capacity {
		return domain.Errorf(domain.CodeConflict, "the contract %s has no free place: its %d places are taken; put the person on the waiting list", r.ContractNumber, capacity)
	}
	return nil
}

// checkStartDay names what is wrong with a service's first day: before
// the referral, or outside the contract's period.
func checkStartDay(ctx context.Context, tx pgx.Tx, r ServiceReferral, day time.Time) error {
	var from, until time.Time
	if err := tx.QueryRow(ctx, `SELECT valid_from, valid_until FROM service_contracts WHERE id = $1`, r.ContractID).Scan(&from, &until); err != nil {
		return fmt.Errorf("contract's period: %w", err)
	}
	day = domain.CalendarDay(day)
	switch {
	case day.IsZero():
		return domain.FieldError("start_day", "the service starts on a day (YYYY-MM-DD)")
	case day.Before(domain.CalendarDay(r.ReferredOn)):
		return domain.FieldError("start_day", "the service cannot start on %s, before the referral of %s", day.Format(time.DateOnly), r.ReferredOn.Format(time.DateOnly))
	case day.Before(from) || day.After(until):
		return domain.FieldError("start_day", "%s is outside the contract %s (%s to %s)", day.Format(time.DateOnly), r.ContractNumber,
			from.Format(time.DateOnly), until.Format(time.DateOnly))
	}
	return nil
}

// AnswerServiceReferral records the provider's answer to a referral:
// accepted with the service's first day (it holds a place: none free is a
// conflict) or put on its waiting list.
func (db *DB) AnswerServiceReferral(ctx context.Context, id int64, pib string, accept bool, start time.Time, s ServiceReferralStep) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		r, done, err := referralTx(ctx, tx, id, ReferralActor{ProviderPIB: pib}, s, services.ReferralReferred)
		if err != nil || done {
			return err
		}
		if !accept {
			if err := referralStepDone(ctx, tx, id, s, `state = 'waiting', waiting_since = $3, answered_by = $4`, domain.CalendarDay(s.At), s.By); err != nil {
				return err
			}
			return serviceReferralEvent(ctx, tx, id, s, services.ReferralWaiting, fmt.Sprintf("Uputnica %d: %s je stavio/la osobu na listu čekanja", id, r.ProviderName))
		}
		return startService(ctx, tx, r, start, s, s.By)
	})
}

// StartServiceReferral starts the service of a referral on the provider's
// waiting list, on day (a place must be free).
func (db *DB) StartServiceReferral(ctx context.Context, id int64, pib string, day time.Time, s ServiceReferralStep) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		r, done, err := referralTx(ctx, tx, id, ReferralActor{ProviderPIB: pib}, s, services.ReferralWaiting)
		if err != nil || done {
			return err
		}
		return startService(ctx, tx, r, day, s, "")
	})
}

// startService makes referral r active from day, holding a place of its
// contract; answeredBy is who answered (an acceptance) or "" (a start from
// the waiting list).
func startService(ctx context.Context, tx pgx.Tx, r ServiceReferral, day time.Time, s ServiceReferralStep, answeredBy string) error {
	if err := checkStartDay(ctx, tx, r, day); err != nil {
		return err
	}
	if err := freePlace(ctx, tx, r); err != nil {
		return err
	}
	if err := referralStepDone(ctx, tx, r.ID, s, `state = 'active', started_on = $3, answered_by = CASE WHEN $4 = '' THEN answered_by ELSE $4 END`,
		domain.CalendarDay(day), answeredBy); err != nil {
		return err
	}
	return serviceReferralEvent(ctx, tx, r.ID, s, services.ReferralActive, fmt.Sprintf("Uputnica %d: usluga kod pružaoca %s počinje %s", r.ID, r.ProviderName,
		domain.CalendarDay(day).Format("02.01.2006.")))
}

// CheckServiceReferralReview names what is wrong with a review.
func CheckServiceReferralReview(v ServiceReferralReview) error {
	var errs []*domain.Error
	if v.Day.IsZero() {
		errs = append(errs, domain.FieldError("day", "a review is on a day (YYYY-MM-DD)"))
	}
	if !slices.Contains(ServiceReferralReviewOutcomes, v.Outcome) {
		errs = append(errs, domain.FieldError("outcome", "a review concludes %s, not %q", strings.Join(ServiceReferralReviewOutcomes, ", "), v.Outcome))
	}
	if len(v.Note) > 4000 {
		errs = append(errs, domain.FieldError("note", "the note is longer than 4000 characters"))
	}
	if len(errs) == 0 {
		return nil
	}
	return domain.Invalid(errs)
}

// ReviewServiceReferral records the centre's review of an active service.
func (db *DB) ReviewServiceReferral(ctx context.Context, id int64, centre string, v ServiceReferralReview, s ServiceReferralStep) error {
	if err := CheckServiceReferralReview(v); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx pgx.Tx) error {
		r, done, err := referralTx(ctx, tx, id, ReferralActor{CentreID: centre}, s, services.ReferralActive)
		if err != nil || done {
			return err
		}
		if r.StartedOn != nil && domain.CalendarDay(v.Day).Before(*r.StartedOn) {
			return domain.FieldError("day", "the review's day %s is before the service started on %s", v.Day.Format(time.DateOnly), r.StartedOn.Format(time.DateOnly))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO service_referral_reviews (referral_id, day, by_user, note, outcome) VALUES ($1, $2, $3, $4, $5)`,
			id, domain.CalendarDay(v.Day), s.By, v.Note, v.Outcome); err != nil {
			return fmt.Errorf("insert review: %w", err)
		}
		if err := referralStepDone(ctx, tx, id, s, ""); err != nil {
			return err
		}
		return serviceReferralEvent(ctx, tx, id, s, "reviewed", fmt.Sprintf("Uputnica %d: revizija usluge (%s)", id, services.ReviewOutcomeNames[v.Outcome][0]))
	})
}

// EndServiceReferral ends an active service on day (not before it
// started, not after today) for one of services.EndReasons; the centre or
// the provider (actor) ends it.
func (db *DB) EndServiceReferral(ctx context.Context, id int64, actor ReferralActor, day time.Time, reason string, s ServiceReferralStep) error {
	if !slices.Contains(services.EndReasons(), reason) {
		return domain.FieldError("reason", "a service ends for one of %s, not %q", strings.Join(services.EndReasons(), ", "), reason)
	}
	return db.InTx(ctx, func(tx pgx.Tx) error {
		r, done, err := referralTx(ctx, tx, id, actor, s, services.ReferralActive)
		if err != nil || done {
			return err
		}
		day = domain.CalendarDay(day)
		if r.StartedOn != nil && day.Before(*r.StartedOn) {
			return domain.FieldError("day", "the service cannot end on %s, before it started on %s", day.Format(time.DateOnly), r.StartedOn.Format(time.DateOnly))
		}
		if day.After(domain.CalendarDay(s.At)) {
			return domain.FieldError("day", "the service cannot end on %s, after today", day.Format(time.DateOnly))
		}
		if err := referralStepDone(ctx, tx, id, s, `state = 'ended', ended_on = $3, end_reason = $4, ended_by = $5`, day, reason, s.By); err != nil {
			return err
		}
		return serviceReferralEvent(ctx, tx, id, s, services.ReferralEnded, fmt.Sprintf("Uputnica %d: usluga kod pružaoca %s završena %s (%s)", id,
			r.ProviderName, day.Format("02.01.2006."), services.EndReasonNames[reason][0]))
	})
}

// CancelServiceReferral withdraws a referral the provider has not started
// (referred or waiting); only the referring centre cancels.
func (db *DB) CancelServiceReferral(ctx context.Context, id int64, centre string, s ServiceReferralStep) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		r, done, err := referralTx(ctx, tx, id, ReferralActor{CentreID: centre}, s, services.ReferralReferred, services.ReferralWaiting)
		if err != nil || done {
			return err
		}
		if err := referralStepDone(ctx, tx, id, s, `state = 'cancelled', ended_on = $3, ended_by = $4`, domain.CalendarDay(s.At), s.By); err != nil {
			return err
		}
		return serviceReferralEvent(ctx, tx, id, s, services.ReferralCancelled, fmt.Sprintf("Uputnica %d za pružaoca %s je povučena", id, r.ProviderName))
	})
}

// ServiceReferralByID returns a referral (no access check: the caller's).
func (db *DB) ServiceReferralByID(ctx context.Context, id int64) (ServiceReferral, error) {
	r, err := scanServiceReferral(db.pool.QueryRow(ctx, `SELECT `+serviceReferralColumns+serviceReferralFrom+` WHERE r.id = $1`, id))
	return r, translate(err, fmt.Sprintf("referral %d", id))
}

// ServiceReferralFileOf returns a referral with its reviews and events.
func (db *DB) ServiceReferralFileOf(ctx context.Context, id int64) (ServiceReferralFile, error) {
	r, err := db.ServiceReferralByID(ctx, id)
	if err != nil {
		return ServiceReferralFile{}, err
	}
	f := ServiceReferralFile{ServiceReferral: r}
	rows, err := db.pool.Query(ctx, `SELECT day, by_user, note, outcome FROM service_referral_reviews WHERE referral_id = $1 ORDER BY day, id`, id)
	if err != nil {
		return f, fmt.Errorf("referral reviews: %w", err)
	}
	if f.Reviews, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (ServiceReferralReview, error) {
		var v ServiceReferralReview
		err := row.Scan(&v.Day, &v.By, &v.Note, &v.Outcome)
		return v, err
	}); err != nil {
		return f, fmt.Errorf("referral reviews: %w", err)
	}
	rows, err = db.pool.Query(ctx, `SELECT at, by_user, coalesce(data->>'what', ''), summary FROM case_events
		WHERE kind = 'service_referral' AND event_key LIKE $1 ORDER BY at, id`, fmt.Sprintf("service-referral/%d/%%", id))
	if err != nil {
		return f, fmt.Errorf("referral events: %w", err)
	}
	if f.Events, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (ServiceReferralEvent, error) {
		var e ServiceReferralEvent
		err := row.Scan(&e.At, &e.By, &e.What, &e.Summary)
		return e, err
	}); err != nil {
		return f, fmt.Errorf("referral events: %w", err)
	}
	return f, nil
}

// ServiceReferralFilter selects referrals: of a case, of a centre, to a
// provider (PIB), in states; DV says whether the DV compartment's are
// included. CentreID or ProviderPIB is required.
type ServiceReferralFilter struct {
	CaseNumber  string
	CentreID    string
	ProviderPIB string
	States      []string
	DV          bool
}

// ServiceReferrals lists referrals, the newest first.
func (db *DB) ServiceReferrals(ctx context.Context, f ServiceReferralFilter) ([]ServiceReferral, error) {
	if f.CentreID == "" && f.ProviderPIB == "" {
		return []ServiceReferral{}, nil
	}
	if f.States == nil {
		f.States = []string{}
	}
	rows, err := db.pool.Query(ctx, `SELECT `+serviceReferralColumns+serviceReferralFrom+`
		WHERE (@case = '' OR r.case_number = @case) AND (@centre = '' OR r.centre_id = @centre) AND (@pib = '' OR p.pib = @pib)
			AND (cardinality(@states::text[]) = 0 OR r.state = ANY(@states)) AND (@dv OR NOT r.dv)
		ORDER BY r.referred_on DESC, r.id DESC LIMIT 500`,
		pgx.NamedArgs{"case": f.CaseNumber, "centre": f.CentreID, "pib": f.ProviderPIB, "states": f.States, "dv": f.DV})
	if err != nil {
		return nil, fmt.Errorf("referrals: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ServiceReferral, error) { return scanServiceReferral(r) })
}

// StageServiceReferralInput keeps what by typed for a step of kind on
// referral id and returns its id: the workflow's history carries the id.
func (db *DB) StageServiceReferralInput(ctx context.Context, id int64, kind string, payload any, by string) (int64, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	var in int64
	if err := db.pool.QueryRow(ctx, `INSERT INTO service_referral_inputs (referral_id, kind, payload, by_user) VALUES ($1, $2, $3, $4) RETURNING id`,
		id, kind, string(raw), by).Scan(&in); err != nil {
		return 0, translate(err, fmt.Sprintf("referral %d", id))
	}
	return in, nil
}

// ServiceReferralInputOf decodes into dst the staged input in of kind for
// referral id; another referral's or kind's is not found.
func (db *DB) ServiceReferralInputOf(ctx context.Context, id, in int64, kind string, dst any) error {
	var raw []byte
	if err := db.pool.QueryRow(ctx, `SELECT payload FROM service_referral_inputs WHERE id = $1 AND referral_id = $2 AND kind = $3`, in, id, kind).Scan(&raw); err != nil {
		return translate(err, fmt.Sprintf("input %d of referral %d", in, id))
	}
	return json.Unmarshal(raw, dst)
}

// ServiceReferralTaskFacts is what the workflow's tasks need of a
// referral: its centre, compartment, the case's manager and the provider.
type ServiceReferralTaskFacts struct {
	CentreID    string
	DV          bool
	Manager     string
	ProviderPIB string
	PersonID    domain.PersonID
}

// ServiceReferralTaskFactsOf reads them.
func (db *DB) ServiceReferralTaskFactsOf(ctx context.Context, id int64) (ServiceReferralTaskFacts, error) {
	var f ServiceReferralTaskFacts
	err := db.pool.QueryRow(ctx, `SELECT r.centre_id, r.dv, coalesce(cs.manager, ''), p.pib, r.person_id::text
		FROM service_referrals r JOIN service_contracts c ON c.id = r.contract_id JOIN providers p ON p.id = c.provider_id
		JOIN cases cs ON cs.number = r.case_number WHERE r.id = $1`, id).Scan(&f.CentreID, &f.DV, &f.Manager, &f.ProviderPIB, &f.PersonID)
	return f, translate(err, fmt.Sprintf("referral %d", id))
}
