package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
)

// Services delivered by licensed providers (issue 23, migration 00048):
// contracts with providers, the delegations their staff act under, and
// which persons a provider's staff may see.

// ServiceContract is a contract on record.
type ServiceContract struct {
	ID           int64
	Number       string // UG-YYYY-NNNN
	Service      string
	CentreID     string // "" the ministry
	ProviderID   int64
	ProviderPIB  string
	ProviderName string
	Capacity     int
	From, Until  time.Time
	Unit         services.Unit
	Rate         decimal.Decimal
	Normative    bool
	LegalRef     string
	PayeeIBAN    string
	State        string
	RenewsID     *int64
	EndedOn      *time.Time
	EndReason    string
	CreatedBy    string
	CreatedAt    time.Time
	// InUse is how many referrals hold a place now (the service started).
	InUse int
}

// Free is how many places the contract has left.
func (c ServiceContract) Free() int { return max(0, c.Capacity-c.InUse) }

const serviceContractColumns = `c.id, c.number, c.service, c.centre_id, c.provider_id, p.pib, p.name, c.capacity, c.valid_from, c.valid_until,
	c.unit, c.rate, c.normative, c.legal_ref, c.payee_iban, c.state, c.renews_id, c.ended_on, coalesce(c.end_reason, ''), c.created_by, c.created_at,
	(SELECT count(*) FROM service_referrals r WHERE r.contract_id = c.id AND r.state = 'active')`

const serviceContractFrom = ` FROM service_contracts c JOIN providers p ON p.id = c.provider_id`

func scanServiceContract(r pgx.Row) (ServiceContract, error) {
	var c ServiceContract
	err := r.Scan(&c.ID, &c.Number, &c.Service, &c.CentreID, &c.ProviderID, &c.ProviderPIB, &c.ProviderName, &c.Capacity, &c.From, &c.Until,
		&c.Unit, &c.Rate, &c.Normative, &c.LegalRef, &c.PayeeIBAN, &c.State, &c.RenewsID, &c.EndedOn, &c.EndReason, &c.CreatedBy, &c.CreatedAt, &c.InUse)
	return c, err
}

// ProviderLicenceDays lists the days the provider's licences for service
// are in force (each licence from its first day to the day before its
// withdrawal or suspension, or its last).
func providerLicenceDays(ctx context.Context, q pgx.Tx, providerID int64, service string) ([]services.LicenceDays, error) {
	rows, err := q.Query(ctx, `SELECT l.valid_from, least(l.valid_until, coalesce(l.withdrawn_on - 1, l.valid_until), coalesce(l.suspended_on - 1, l.valid_until))
		FROM provider_licences l WHERE l.provider_id = $1 AND l.service = $2 ORDER BY l.valid_from`, providerID, service)
	if err != nil {
		return nil, fmt.Errorf("licences of provider %d: %w", providerID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (services.LicenceDays, error) {
		var d services.LicenceDays
		err := r.Scan(&d.From, &d.Until)
		return d, err
	})
}

// CreateServiceContract records a contract in its own transaction
// (insertServiceContract).
func (db *DB) CreateServiceContract(ctx context.Context, c services.Contract, renews *int64, by string, at time.Time) (ServiceContract, error) {
	var out ServiceContract
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = insertServiceContract(ctx, tx, c, renews, by, at)
		return err
	})
	return out, err
}

// ServiceContractByID returns a contract.
func (db *DB) ServiceContractByID(ctx context.Context, id int64) (ServiceContract, error) {
	c, err := scanServiceContract(db.pool.QueryRow(ctx, `SELECT `+serviceContractColumns+serviceContractFrom+` WHERE c.id = $1`, id))
	return c, translate(err, fmt.Sprintf("contract %d", id))
}

// ContractFilter selects contracts: of a provider (PIB), a centre ("-" the
// ministry's), a service, in a state; empty fields select all.
type ContractFilter struct {
	ProviderPIB, CentreID, Service, State string
}

// ServiceContracts lists contracts, the newest first.
func (db *DB) ServiceContracts(ctx context.Context, f ContractFilter) ([]ServiceContract, error) {
	centre := f.CentreID
	if centre == "-" {
		centre = ""
	}
	rows, err := db.pool.Query(ctx, `SELECT `+serviceContractColumns+serviceContractFrom+`
		WHERE (@pib = '' OR p.pib = @pib) AND (@centreSet = false OR c.centre_id = @centre) AND (@service = '' OR c.service = @service)
			AND (@state = '' OR c.state = @state)
		ORDER BY c.created_at DESC, c.id DESC LIMIT 500`,
		pgx.NamedArgs{"pib": f.ProviderPIB, "centreSet": f.CentreID != "", "centre": centre, "service": f.Service, "state": f.State})
	if err != nil {
		return nil, fmt.Errorf("contracts: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ServiceContract, error) { return scanServiceContract(r) })
}

// ContractsInForce lists the active contracts for service on day that a
// centre may refer to (its own and the ministry's) whose provider's
// licence is in force that day, with the places in use.
func (db *DB) ContractsInForce(ctx context.Context, service, centre string, day time.Time) ([]ServiceContract, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+serviceContractColumns+serviceContractFrom+`
		WHERE c.service = @service AND c.state = 'active' AND c.centre_id IN ('', @centre) AND c.valid_from <= @day AND c.valid_until >= @day
			AND EXISTS (SELECT 1 FROM provider_licences l WHERE l.provider_id = c.provider_id AND l.service = c.service AND `+inForce+`)
		ORDER BY p.name, c.number`, pgx.NamedArgs{"service": service, "centre": centre, "day": domain.CalendarDay(day)})
	if err != nil {
		return nil, fmt.Errorf("contracts in force: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ServiceContract, error) { return scanServiceContract(r) })
}

// ServiceDelegation is a delegation on record.
type ServiceDelegation struct {
	ID           int64
	CentreID     string
	ProviderID   int64
	ProviderPIB  string
	ProviderName string
	Scope        []string
	From, Until  time.Time
	DV           bool
	GrantedBy    string
	GrantedAt    time.Time
	RevokedAt    *time.Time
	RevokedBy    string
	RevokeReason string
}

// InForce reports whether the delegation lets the provider act on day at
// instant now (a revocation takes effect at once).
func (d ServiceDelegation) InForce(day time.Time) bool {
	return d.RevokedAt == nil && !day.Before(d.From) && !day.After(d.Until)
}

const serviceDelegationColumns = `d.id, d.centre_id, d.provider_id, p.pib, p.name, d.scope, d.valid_from, d.valid_until, d.dv, d.granted_by,
	d.granted_at, d.revoked_at, coalesce(d.revoked_by, ''), coalesce(d.revoke_reason, '')`

func scanServiceDelegation(r pgx.Row) (ServiceDelegation, error) {
	var d ServiceDelegation
	err := r.Scan(&d.ID, &d.CentreID, &d.ProviderID, &d.ProviderPIB, &d.ProviderName, &d.Scope, &d.From, &d.Until, &d.DV, &d.GrantedBy,
		&d.GrantedAt, &d.RevokedAt, &d.RevokedBy, &d.RevokeReason)
	return d, err
}

// GrantDelegation records a centre's delegation to a provider once
// CheckDelegation finds nothing wrong with it.
func (db *DB) GrantDelegation(ctx context.Context, d services.Delegation, by string, at time.Time) (ServiceDelegation, error) {
	if errs := services.CheckDelegation(d, domain.CalendarDay(at)); len(errs) > 0 {
		return ServiceDelegation{}, domain.Invalid(errs)
	}
	var out ServiceDelegation
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO service_delegations (centre_id, provider_id, scope, valid_from, valid_until, dv, granted_by, granted_at)
			SELECT $1, p.id, $3, $4, $5, $6, $7, $8 FROM providers p WHERE p.pib = $2 RETURNING id`,
			d.CentreID, string(d.ProviderPIB), d.Scope, d.From, d.Until, d.DV, by, at).Scan(&id)
		if err == pgx.ErrNoRows {
			return domain.FieldError("provider_pib", "no provider with PIB %s on the register", d.ProviderPIB)
		}
		if err != nil {
			return fmt.Errorf("delegation: %w", err)
		}
		out, err = scanServiceDelegation(tx.QueryRow(ctx, `SELECT `+serviceDelegationColumns+`
			FROM service_delegations d JOIN providers p ON p.id = d.provider_id WHERE d.id = $1`, id))
		return err
	})
	return out, err
}

// RevokeDelegation revokes a centre's delegation at once: from this
// instant its provider's staff see none of the centre's persons. Revoking
// one revoked before is a conflict.
func (db *DB) RevokeDelegation(ctx context.Context, centre string, id int64, reason, by string, at time.Time) (ServiceDelegation, error) {
	if reason == "" {
		return ServiceDelegation{}, domain.FieldError("reason", "a revocation says why")
	}
	var out ServiceDelegation
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE service_delegations SET revoked_at = $3, revoked_by = $4, revoke_reason = $5
			WHERE id = $1 AND centre_id = $2 AND revoked_at IS NULL`, id, centre, at, by, reason)
		if err != nil {
			return fmt.Errorf("revoke delegation %d: %w", id, err)
		}
		out, err = scanServiceDelegation(tx.QueryRow(ctx, `SELECT `+serviceDelegationColumns+`
			FROM service_delegations d JOIN providers p ON p.id = d.provider_id WHERE d.id = $1 AND d.centre_id = $2`, id, centre))
		if err != nil {
			return translate(err, fmt.Sprintf("delegation %d", id))
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.CodeConflict, "the delegation was revoked on %s", out.RevokedAt.Format(time.DateOnly))
		}
		return nil
	})
	return out, err
}

// ServiceDelegations lists the delegations of a centre ("" every centre)
// and of a provider (PIB, "" every provider), the newest first.
func (db *DB) ServiceDelegations(ctx context.Context, centre, pib string) ([]ServiceDelegation, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+serviceDelegationColumns+` FROM service_delegations d JOIN providers p ON p.id = d.provider_id
		WHERE ($1 = '' OR d.centre_id = $1) AND ($2 = '' OR p.pib = $2) ORDER BY d.granted_at DESC, d.id DESC LIMIT 500`, centre, pib)
	if err != nil {
		return nil, fmt.Errorf("delegations: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ServiceDelegation, error) { return scanServiceDelegation(r) })
}

// ReferralAccessDays is how long after a service ended its provider's
// staff still see the person (to finish the month's records and cost
// report). GUESS: 45 days.
const ReferralAccessDays = 45

// DelegatedAccess is what a provider's staff may see of a person: the
// referrals to the provider that let them, each with the scope of the
// delegation its centre gave the provider, and whether it comes from the
// DV compartment. Scope is the union: what the provider may see of the
// person as such (through some referral); what belongs to one referral
// (its case plan's goals, its line in a list) is allowed by that
// referral's own scope (AllowsFor).
type DelegatedAccess struct {
	ReferralIDs []int64
	Scope       []string
	ScopeOf     map[int64][]string
	DVReferrals []int64 // of ReferralIDs, those from the DV compartment
}

// Allows reports whether some referral's delegation includes scope.
func (a DelegatedAccess) Allows(scope string) bool { return slices.Contains(a.Scope, scope) }

// AllowsFor reports whether referral's own delegation includes scope.
func (a DelegatedAccess) AllowsFor(referral int64, scope string) bool {
	return slices.Contains(a.ScopeOf[referral], scope)
}

// Covers reports whether referral is one the access goes through.
func (a DelegatedAccess) Covers(referral int64) bool { return slices.Contains(a.ReferralIDs, referral) }

// DV reports whether any referral of the access is from the DV
// compartment: every access through it is restricted in the audit log.
func (a DelegatedAccess) DV() bool { return len(a.DVReferrals) > 0 }

// DelegatedAccessTo answers whether the staff of provider pib may see
// person on day: a referral of the person to one of the provider's
// contracts, not cancelled, open or ended less than ReferralAccessDays
// ago, from a centre whose delegation to the provider is in force (not
// revoked) that day, and covering the DV compartment when the referral
// comes from it. ok is false otherwise: for them the person does not exist.
func (db *DB) DelegatedAccessTo(ctx context.Context, pib string, person domain.PersonID, day time.Time) (DelegatedAccess, bool, error) {
	rows, err := db.pool.Query(ctx, `SELECT r.id, r.dv, d.scope
		FROM service_referrals r JOIN service_contracts c ON c.id = r.contract_id JOIN providers p ON p.id = c.provider_id
		JOIN service_delegations d ON d.provider_id = c.provider_id AND d.centre_id = r.centre_id
		WHERE p.pib = @pib AND r.person_id = @person AND r.state <> 'cancelled'
			AND (r.ended_on IS NULL OR r.ended_on >= @day::date - @grace::int)
			AND d.revoked_at IS NULL AND d.valid_from <= @day AND d.valid_until >= @day AND (NOT r.dv OR d.dv)
		ORDER BY r.id`, pgx.NamedArgs{"pib": pib, "person": person, "day": domain.CalendarDay(day), "grace": ReferralAccessDays})
	if err != nil {
		return DelegatedAccess{}, false, fmt.Errorf("delegated access: %w", err)
	}
	defer rows.Close()
	a := DelegatedAccess{ScopeOf: map[int64][]string{}}
	for rows.Next() {
		var id int64
		var dv bool
		var scope []string
		if err := rows.Scan(&id, &dv, &scope); err != nil {
			return DelegatedAccess{}, false, fmt.Errorf("scan delegated access: %w", err)
		}
		if len(a.ReferralIDs) == 0 || a.ReferralIDs[len(a.ReferralIDs)-1] != id {
			a.ReferralIDs = append(a.ReferralIDs, id)
			if dv {
				a.DVReferrals = append(a.DVReferrals, id)
			}
		}
		for _, s := range scope {
			if !slices.Contains(a.ScopeOf[id], s) {
				a.ScopeOf[id] = append(a.ScopeOf[id], s)
			}
			if !slices.Contains(a.Scope, s) {
				a.Scope = append(a.Scope, s)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return DelegatedAccess{}, false, fmt.Errorf("delegated access: %w", err)
	}
	return a, len(a.ReferralIDs) > 0, nil
}
