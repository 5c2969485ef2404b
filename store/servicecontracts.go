package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
)

// A contract's life after it is signed (issue 23 item 1) and what a
// provider's staff read of the persons referred to them (item 3). The
// contracts themselves, the delegations and THE access rule
// (DelegatedAccessTo) are in services.go.
//
// A contract's last day is valid_until: ending or renewing it moves that
// day earlier (ended_on says when, end_reason why), so that
// ContractsInForce stops offering it after that day. A contract is
// suspended (state) inside the transaction that withdraws or suspends its
// provider's licence for the service; a licence that simply expires is
// not written anywhere: the readers see "suspended: licence expired"
// (ContractStatus) and ContractsInForce offers it no more.

// SuspendContractsWithoutLicence suspends, inside tx, provider's active
// contracts still running on day whose service has no licence of the
// provider in force on day. The transactions that withdraw, suspend or
// delete a licence call it; it returns how many it suspended.
func SuspendContractsWithoutLicence(ctx context.Context, tx pgx.Tx, provider int64, day time.Time) (int64, error) {
	tag, err := tx.Exec(ctx, `UPDATE service_contracts c SET state = 'suspended'
		WHERE c.provider_id = @provider AND c.state = 'active' AND c.valid_until >= @day
			AND NOT EXISTS (SELECT 1 FROM provider_licences l WHERE l.provider_id = c.provider_id AND l.service = c.service AND `+inForce+`)`,
		pgx.NamedArgs{"provider": provider, "day": domain.CalendarDay(day)})
	if err != nil {
		return 0, fmt.Errorf("suspend contracts of provider %d: %w", provider, err)
	}
	return tag.RowsAffected(), nil
}

// ContractStatus is what a contract's row does not say by itself: whether
// its provider's licence for the service is in force on the day asked,
// and the number of the contract that renewed it, if any.
type ContractStatus struct {
	Licensed  bool
	RenewedBy string
}

// ContractStatuses answers ContractStatus for each contract of ids on day.
func (db *DB) ContractStatuses(ctx context.Context, ids []int64, day time.Time) (map[int64]ContractStatus, error) {
	out := map[int64]ContractStatus{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT c.id,
			EXISTS (SELECT 1 FROM provider_licences l WHERE l.provider_id = c.provider_id AND l.service = c.service AND `+inForce+`),
			coalesce((SELECT n.number FROM service_contracts n WHERE n.renews_id = c.id ORDER BY n.id LIMIT 1), '')
		FROM service_contracts c WHERE c.id = ANY(@ids)`, pgx.NamedArgs{"ids": ids, "day": domain.CalendarDay(day)})
	if err != nil {
		return nil, fmt.Errorf("contract statuses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s ContractStatus
		if err := rows.Scan(&id, &s.Licensed, &s.RenewedBy); err != nil {
			return nil, fmt.Errorf("scan contract status: %w", err)
		}
		out[id] = s
	}
	return out, rows.Err()
}

// lockContract reads contract id for update inside tx.
func lockContract(ctx context.Context, tx pgx.Tx, id int64) (ServiceContract, error) {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM service_contracts WHERE id = $1 FOR UPDATE`, id); err != nil {
		return ServiceContract{}, fmt.Errorf("lock contract %d: %w", id, err)
	}
	c, err := scanServiceContract(tx.QueryRow(ctx, `SELECT `+serviceContractColumns+serviceContractFrom+` WHERE c.id = $1`, id))
	return c, translate(err, fmt.Sprintf("contract %d", id))
}

// closed names why contract c can no longer be ended or renewed, if it
// cannot: ended (or renewed) before, or past its last day.
func closed(c ServiceContract, today time.Time) *domain.Error {
	switch {
	case c.EndedOn != nil:
		return domain.Errorf(domain.CodeConflict, "contract %s was ended on %s already", c.Number, c.EndedOn.Format(time.DateOnly))
	case c.State == services.ContractEnded || c.Until.Before(today):
		return domain.Errorf(domain.CodeConflict, "contract %s ended on %s", c.Number, c.Until.Format(time.DateOnly))
	}
	return nil
}

// EndServiceContract ends contract id on day (its last day), for reason:
// from then on ContractsInForce offers it no more. The day is from today
// (and from the contract's first day) to its last; a contract ended before
// is a conflict. Who ended it is the audit log's (the route is audited).
func (db *DB) EndServiceContract(ctx context.Context, id int64, day time.Time, reason string, today time.Time) (ServiceContract, error) {
	day, today = domain.CalendarDay(day), domain.CalendarDay(today)
	var out ServiceContract
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		c, err := lockContract(ctx, tx, id)
		if err != nil {
			return err
		}
		if e := closed(c, today); e != nil {
			return e
		}
		var errs []*domain.Error
		if day.Before(today) {
			errs = append(errs, domain.FieldError("day", "%s is in the past: a contract ends from today on", day.Format(time.DateOnly)))
		}
		if day.Before(c.From) {
			errs = append(errs, domain.FieldError("day", "%s is before the contract's first day %s", day.Format(time.DateOnly), c.From.Format(time.DateOnly)))
		}
		if day.After(c.Until) {
			errs = append(errs, domain.FieldError("day", "%s is after the contract's last day %s", day.Format(time.DateOnly), c.Until.Format(time.DateOnly)))
		}
		if reason == "" {
			errs = append(errs, domain.FieldError("reason", "an end says why"))
		}
		if errs != nil {
			return domain.Invalid(errs)
		}
		if _, err := tx.Exec(ctx, `UPDATE service_contracts SET ended_on = $2, end_reason = $3, valid_until = $2,
				state = CASE WHEN $2::date < $4::date THEN 'ended' ELSE state END WHERE id = $1`, id, day, reason, today); err != nil {
			return fmt.Errorf("end contract %d: %w", id, err)
		}
		out, err = lockContract(ctx, tx, id)
		return err
	})
	return out, err
}

// RenewServiceContract renews contract id with c (the same service,
// centre and provider: taken from the old one), in one transaction: the
// new contract is recorded as CreateServiceContract would (renews_id
// naming the old) and the old one ends the day before the new one starts.
// The new one starts after the old one's first day and at the latest the
// day after its last.
func (db *DB) RenewServiceContract(ctx context.Context, id int64, c services.Contract, by string, at time.Time) (old, renewal ServiceContract, err error) {
	today := domain.CalendarDay(at)
	err = db.InTx(ctx, func(tx pgx.Tx) error {
		o, err := lockContract(ctx, tx, id)
		if err != nil {
			return err
		}
		if e := closed(o, today); e != nil {
			return e
		}
		if o.State == services.ContractSuspended {
			return domain.Errorf(domain.CodeConflict, "contract %s is suspended: resume it (the licence in force again) before renewing it", o.Number)
		}
		c.Service, c.CentreID, c.ProviderPIB = o.Service, o.CentreID, domain.PIB(o.ProviderPIB)
		if !c.From.IsZero() && (!c.From.After(o.From) || c.From.After(o.Until.AddDate(0, 0, 1))) {
			return domain.FieldError("from", "a renewal starts after the first day of %s (%s) and at the latest the day after its last (%s)",
				o.Number, o.From.Format(time.DateOnly), o.Until.AddDate(0, 0, 1).Format(time.DateOnly))
		}
		if renewal, err = insertServiceContract(ctx, tx, c, &id, by, at); err != nil {
			return err
		}
		last := domain.CalendarDay(c.From).AddDate(0, 0, -1)
		if _, err := tx.Exec(ctx, `UPDATE service_contracts SET ended_on = $2, valid_until = $2,
				state = CASE WHEN $2::date < $3::date THEN 'ended' ELSE state END WHERE id = $1`, id, last, today); err != nil {
			return fmt.Errorf("end renewed contract %d: %w", id, err)
		}
		old, err = lockContract(ctx, tx, id)
		return err
	})
	return old, renewal, err
}

// insertServiceContract records contract c inside tx once CheckContract
// finds nothing wrong with it (against the provider's licences on record),
// with the year's next number; a provider not on the register is a 400.
func insertServiceContract(ctx context.Context, tx pgx.Tx, c services.Contract, renews *int64, by string, at time.Time) (ServiceContract, error) {
	var pid int64
	if err := tx.QueryRow(ctx, `SELECT id FROM providers WHERE pib = $1`, string(c.ProviderPIB)).Scan(&pid); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return ServiceContract{}, domain.FieldError("provider_pib", "no provider with PIB %s on the register", c.ProviderPIB)
		}
		return ServiceContract{}, fmt.Errorf("contract's provider: %w", err)
	}
	lic, err := providerLicenceDays(ctx, tx, pid, c.Service)
	if err != nil {
		return ServiceContract{}, err
	}
	if errs := services.CheckContract(c, lic, domain.CalendarDay(at)); len(errs) > 0 {
		return ServiceContract{}, domain.Invalid(errs)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('service-contract-number'))`); err != nil {
		return ServiceContract{}, err
	}
	var n int
	year := at.Year()
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM service_contracts WHERE number LIKE $1`, fmt.Sprintf("UG-%d-%%", year)).Scan(&n); err != nil {
		return ServiceContract{}, fmt.Errorf("contract number: %w", err)
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO service_contracts (number, service, centre_id, provider_id, capacity, valid_from, valid_until,
			unit, rate, normative, legal_ref, payee_iban, renews_id, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		fmt.Sprintf("UG-%d-%04d", year, n+1), c.Service, c.CentreID, pid, c.Capacity, c.From, c.Until, string(c.Unit), c.Rate,
		c.Normative, c.LegalRef, c.PayeeIBAN, renews, by, at).Scan(&id); err != nil {
		return ServiceContract{}, translate(err, "contract")
	}
	return scanServiceContract(tx.QueryRow(ctx, `SELECT `+serviceContractColumns+serviceContractFrom+` WHERE c.id = $1`, id))
}

// ResumeServiceContract lifts the suspension of contract id: only when
// its provider's licence for the service is in force today again. A
// contract not suspended is a conflict.
func (db *DB) ResumeServiceContract(ctx context.Context, id int64, today time.Time) (ServiceContract, error) {
	var out ServiceContract
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		c, err := lockContract(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.State != services.ContractSuspended {
			return domain.Errorf(domain.CodeConflict, "contract %s is not suspended", c.Number)
		}
		var licensed bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM provider_licences l WHERE l.provider_id = @provider AND l.service = @service AND `+inForce+`)`,
			pgx.NamedArgs{"provider": c.ProviderID, "service": c.Service, "day": domain.CalendarDay(today)}).Scan(&licensed); err != nil {
			return fmt.Errorf("licence of contract %d: %w", id, err)
		}
		if !licensed {
			return domain.Errorf(domain.CodeConflict, "the provider's licence for %s is not in force on %s: contract %s stays suspended",
				c.Service, domain.CalendarDay(today).Format(time.DateOnly), c.Number)
		}
		if _, err := tx.Exec(ctx, `UPDATE service_contracts SET state = 'active' WHERE id = $1`, id); err != nil {
			return fmt.Errorf("resume contract %d: %w", id, err)
		}
		out, err = lockContract(ctx, tx, id)
		return err
	})
	return out, err
}

// ServiceDelegationByID returns a delegation.
func (db *DB) ServiceDelegationByID(ctx context.Context, id int64) (ServiceDelegation, error) {
	d, err := scanServiceDelegation(db.pool.QueryRow(ctx, `SELECT `+serviceDelegationColumns+`
		FROM service_delegations d JOIN providers p ON p.id = d.provider_id WHERE d.id = $1`, id))
	return d, translate(err, fmt.Sprintf("delegation %d", id))
}

// DelegatedPerson is a person a provider's staff may see, with the access
// DelegatedAccessTo gave.
type DelegatedPerson struct {
	PersonID domain.PersonID
	Access   DelegatedAccess
}

// DelegatedPersons lists the persons the staff of provider pib may see on
// day (at most 500): the candidates are the persons of the provider's
// referrals not cancelled; each is then asked of DelegatedAccessTo, THE
// access rule, so that this list never says more than it does.
func (db *DB) DelegatedPersons(ctx context.Context, pib string, day time.Time) ([]DelegatedPerson, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT r.person_id FROM service_referrals r JOIN service_contracts c ON c.id = r.contract_id
		JOIN providers p ON p.id = c.provider_id WHERE p.pib = $1 AND r.state <> 'cancelled' ORDER BY r.person_id LIMIT 500`, pib)
	if err != nil {
		return nil, fmt.Errorf("delegated persons: %w", err)
	}
	ids, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.PersonID, error) {
		var id string
		err := r.Scan(&id)
		return domain.PersonID(id), err
	})
	if err != nil {
		return nil, fmt.Errorf("delegated persons: %w", err)
	}
	var out []DelegatedPerson
	for _, id := range ids {
		a, ok, err := db.DelegatedAccessTo(ctx, pib, id, day)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, DelegatedPerson{PersonID: id, Access: a})
		}
	}
	return out, nil
}

// ProviderReferral is a referral as its provider's staff see it: no case
// number, no caseworker.
type ProviderReferral struct {
	ID             int64
	PersonID       domain.PersonID
	CentreID       string
	ContractNumber string
	Service        string
	DV             bool
	State          string
	ReferredOn     time.Time
	StartedOn      *time.Time
	EndedOn        *time.Time
	EndReason      string
	caseNumber     string
}

// ProviderReferrals returns the referrals of ids (those DelegatedAccessTo
// named), oldest first.
func (db *DB) ProviderReferrals(ctx context.Context, ids []int64) ([]ProviderReferral, error) {
	rows, err := db.pool.Query(ctx, `SELECT r.id, r.person_id, r.centre_id, c.number, r.service, r.dv, r.state, r.referred_on, r.started_on,
			r.ended_on, coalesce(r.end_reason, ''), r.case_number
		FROM service_referrals r JOIN service_contracts c ON c.id = r.contract_id WHERE r.id = ANY($1) ORDER BY r.referred_on, r.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("provider referrals: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProviderReferral, error) {
		var x ProviderReferral
		var person string
		err := r.Scan(&x.ID, &person, &x.CentreID, &x.ContractNumber, &x.Service, &x.DV, &x.State, &x.ReferredOn, &x.StartedOn,
			&x.EndedOn, &x.EndReason, &x.caseNumber)
		x.PersonID = domain.PersonID(person)
		return x, err
	})
}

// PlanGoal is a goal of a case's service plan (the plan stage's goals).
type PlanGoal struct {
	Goal    string `json:"goal"`
	Service string `json:"service"`
	Due     string `json:"due"`
}

// ReferralPlanGoals returns the goals of the latest plan of the case the
// referral came from (none when its case has no plan on record).
func (db *DB) ReferralPlanGoals(ctx context.Context, r ProviderReferral) ([]PlanGoal, error) {
	var goals []PlanGoal
	err := db.pool.QueryRow(ctx, `SELECT coalesce(data->'goals', '[]'::jsonb) FROM case_events
		WHERE case_number = $1 AND kind = 'stage_completed' AND stage = 'plan' ORDER BY at DESC, id DESC LIMIT 1`, r.caseNumber).Scan(&goals)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("plan of referral %d: %w", r.ID, err)
	}
	return goals, nil
}

// LegalRepresentative returns the name and person id of the person's
// guardian in office on day (the register of guardians), "" if none is on
// record; the id lets the caller audit the guardian it names.
func (db *DB) LegalRepresentative(ctx context.Context, person domain.PersonID, day time.Time) (string, domain.PersonID, error) {
	var name, carer string
	err := db.pool.QueryRow(ctx, `SELECT p.given_name || ' ' || p.family_name, a.carer_id::text FROM carer_appointments a JOIN persons p ON p.id = a.carer_id
		WHERE a.ward_id = $1 AND a.role = 'guardian' AND a.valid_from <= $2 AND (a.ended_on IS NULL OR a.ended_on > $2)
		ORDER BY a.valid_from DESC, a.id DESC LIMIT 1`, string(person), domain.CalendarDay(day)).Scan(&name, &carer)
	if err == pgx.ErrNoRows {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("representative of %s: %w", person, err)
	}
	return name, domain.PersonID(carer), nil
}
