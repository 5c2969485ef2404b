// Package services holds the rules of the social services that licensed
// providers deliver under a contract (issue 23, DOMAIN.md §4.1, §5.5): a
// contract for a service, a capacity, a period and a rate; the delegation
// under which a provider's staff process the data of the persons referred
// to it; a referral's states and the reasons it ends. It does no I/O.
package services

import (
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
)

// Unit is what a contract's rate is paid for.
type Unit string

// The units: a day of attendance (day care), a visit (home help), an hour
// (personal assistance, counselling).
const (
	UnitDay   Unit = "day"
	UnitVisit Unit = "visit"
	UnitHour  Unit = "hour"
)

// Units lists the units in their order.
func Units() []Unit { return []Unit{UnitDay, UnitVisit, UnitHour} }

// Valid reports whether u is one of the units.
func (u Unit) Valid() bool { return slices.Contains(Units(), u) }

// Contract states.
const (
	ContractActive    = "active"
	ContractSuspended = "suspended" // the provider's licence for the service lapsed or was suspended
	ContractEnded     = "ended"
)

// MaxRate is the highest rate a contract may name per unit (a typo's
// guard: GUESS EUR 1,000), MaxCapacity the most persons at once.
var MaxRate = decimal.NewFromInt(1000)

// MaxCapacity is the most persons a contract may serve at once.
const MaxCapacity = 10000

// Contract is a centre's (or the ministry's, CentreID "") contract with a
// licensed provider for one service.
type Contract struct {
	Service     string // the providers' catalogue code
	CentreID    string // the contracting centre; "" the ministry
	ProviderPIB domain.PIB
	Capacity    int // persons served at once
	From, Until time.Time
	Unit        Unit
	Rate        decimal.Decimal // EUR per unit
	Normative   bool            // the state's normative rate rather than a negotiated price
	LegalRef    string          // the act the rate rests on
	PayeeIBAN   string          // the provider's account the cost reports are paid to
}

// LicenceDays is a provider's licence for a service: the days it is in
// force (suspension and withdrawal already applied by the caller).
type LicenceDays struct {
	From, Until time.Time
}

// CheckContract lists every problem of a new contract: the service, the
// capacity, the period, the rate and its legal reference, and the
// provider's licence for the service over the whole first day.
func CheckContract(c Contract, licences []LicenceDays, today time.Time) []*domain.Error {
	var errs []*domain.Error
	if _, ok := providers.ServiceByCode(c.Service); !ok {
		errs = append(errs, domain.FieldError("service", "no service %q in the catalogue", c.Service))
	}
	if _, err := domain.ParsePIB(string(c.ProviderPIB)); err != nil {
		errs = append(errs, domain.FieldError("provider_pib", "%v", err))
	}
	if c.Capacity < 1 || c.Capacity > MaxCapacity {
		errs = append(errs, domain.FieldError("capacity", "the capacity is %d persons: from 1 to %d", c.Capacity, MaxCapacity))
	}
	if c.From.IsZero() || c.Until.IsZero() {
		errs = append(errs, domain.FieldError("period", "a contract runs from a first to a last day"))
	} else if c.Until.Before(c.From) {
		errs = append(errs, domain.FieldError("until", "the last day %s is before the first %s", c.Until.Format(time.DateOnly), c.From.Format(time.DateOnly)))
	} else if c.Until.Before(today) {
		errs = append(errs, domain.FieldError("until", "the contract would have ended on %s, before today", c.Until.Format(time.DateOnly)))
	}
	if !c.Unit.Valid() {
		errs = append(errs, domain.FieldError("unit", "the rate is per day, visit or hour, not %q", c.Unit))
	}
	if !c.Rate.IsPositive() || c.Rate.GreaterThan(MaxRate) || !c.Rate.Equal(c.Rate.Round(2)) {
		errs = append(errs, domain.FieldError("rate", "the rate is EUR %s: more than 0, at most %s, in cents", c.Rate, MaxRate))
	}
	if strings.TrimSpace(c.LegalRef) == "" {
		errs = append(errs, domain.FieldError("legal_ref", "the rate names the act it rests on"))
	}
	if _, err := domain.ParseIBAN("payee_iban", c.PayeeIBAN); err != nil {
		errs = append(errs, domain.FieldError("payee_iban", "%s", domain.ErrorMessage(err)))
	}
	if !c.From.IsZero() && !Licensed(licences, c.From) {
		errs = append(errs, domain.FieldError("provider_pib", "the provider holds no licence in force for this service on %s", c.From.Format(time.DateOnly)))
	}
	return errs
}

// Licensed reports whether one of the licences is in force on day.
func Licensed(licences []LicenceDays, day time.Time) bool {
	for _, l := range licences {
		if !day.Before(l.From) && !day.After(l.Until) {
			return true
		}
	}
	return false
}

// Delegation scopes: what of a referred person a provider's staff may
// read (DOMAIN.md §5.5, STAR's delegated processors). Identity is the
// name, date of birth and address; contact the phone and the
// representative; the plan the goals of the case's service plan the
// referral carries.
const (
	ScopeIdentity = "identity"
	ScopeContact  = "contact"
	ScopePlan     = "plan"
)

// Scopes lists the delegation scopes in their order.
func Scopes() []string { return []string{ScopeIdentity, ScopeContact, ScopePlan} }

// MaxDelegationYears is the longest a delegation runs.
const MaxDelegationYears = 5

// Delegation is a centre's power of attorney to a provider: its staff
// process, for the centre, the data in Scope of the persons the centre
// refers to it, from From to Until. DV says whether it covers referrals
// from the domestic-violence compartment (the provider is cleared).
type Delegation struct {
	CentreID    string
	ProviderPIB domain.PIB
	Scope       []string
	From, Until time.Time
	DV          bool
}

// CheckDelegation lists every problem of a new delegation.
func CheckDelegation(d Delegation, today time.Time) []*domain.Error {
	var errs []*domain.Error
	if _, ok := domain.CentreByID(d.CentreID); !ok {
		errs = append(errs, domain.FieldError("centre_id", "no centre %q", d.CentreID))
	}
	if _, err := domain.ParsePIB(string(d.ProviderPIB)); err != nil {
		errs = append(errs, domain.FieldError("provider_pib", "%v", err))
	}
	if len(d.Scope) == 0 {
		errs = append(errs, domain.FieldError("scope", "a delegation names what the provider may read: %s", strings.Join(Scopes(), ", ")))
	}
	for _, s := range d.Scope {
		if !slices.Contains(Scopes(), s) {
			errs = append(errs, domain.FieldError("scope", "no scope %q: there are %s", s, strings.Join(Scopes(), ", ")))
		}
	}
	switch {
	case d.From.IsZero() || d.Until.IsZero():
		errs = append(errs, domain.FieldError("period", "a delegation runs from a first to a last day"))
	case d.Until.Before(d.From):
		errs = append(errs, domain.FieldError("until", "the last day %s is before the first %s", d.Until.Format(time.DateOnly), d.From.Format(time.DateOnly)))
	case d.Until.Before(today):
		errs = append(errs, domain.FieldError("until", "the delegation would have ended on %s, before today", d.Until.Format(time.DateOnly)))
	case d.Until.After(d.From.AddDate(MaxDelegationYears, 0, 0)):
		errs = append(errs, domain.FieldError("until", "a delegation runs at most %d years", MaxDelegationYears))
	}
	return errs
}

// Referral states: referred (waiting for the provider's answer), waiting
// (on the provider's waiting list), active (the service started), ended,
// and cancelled (withdrawn by the centre before it started).
const (
	ReferralReferred  = "referred"
	ReferralWaiting   = "waiting"
	ReferralActive    = "active"
	ReferralEnded     = "ended"
	ReferralCancelled = "cancelled"
)

// ReferralStates lists the states in their order.
func ReferralStates() []string {
	return []string{ReferralReferred, ReferralWaiting, ReferralActive, ReferralEnded, ReferralCancelled}
}

// Why a service ends.
const (
	EndGoalReached = "goal_reached"
	EndMoved       = "moved"
	EndDeceased    = "deceased"
	EndRefused     = "refused" // the person refused the service
)

// EndReasons lists the reasons in their order.
func EndReasons() []string { return []string{EndGoalReached, EndMoved, EndDeceased, EndRefused} }

// EndReasonNames name each reason in Montenegrin and English (pages, and
// the case's history).
var EndReasonNames = map[string][2]string{
	EndGoalReached: {"cilj postignut", "goal reached"},
	EndMoved:       {"preseljenje", "moved away"},
	EndDeceased:    {"smrt korisnika", "the person died"},
	EndRefused:     {"korisnik odbio uslugu", "refused the service"},
}

// ReviewOutcomeNames name what a review of a service concludes, in
// Montenegrin and English.
var ReviewOutcomeNames = map[string][2]string{
	"continue": {"usluga se nastavlja", "the service goes on"},
	"adjust":   {"usluga se nastavlja uz izmjene", "the service goes on, adjusted"},
	"end":      {"uslugu treba završiti", "the service should end"},
}

// referralServices are the services each case procedure may refer to a
// provider (GUESS on the mapping: the procedure's own service, the
// counselling and shelters of the DV procedures, DOMAIN.md §4.2).
var referralServices = map[string][]string{
	"P05": {"counselling", "shelter_violence"},
	"P07": {"counselling"},
	"P14": {"day_care_disability"},
	"P25": {"home_help_elderly"},
	"P26": {"day_care_disability"},
	"P27": {"supported_housing"},
	"P31": {"shelter_violence"},
	"P33": {"home_help_elderly"},
	"P37": {"counselling", "shelter_violence"},
}

// ReferralServices lists the services a case of procedure may refer to a
// provider (none: the procedure decides no provider's service).
func ReferralServices(procedure string) []string {
	return append([]string(nil), referralServices[procedure]...)
}

// CheckReferralService names the rule a referral from a case of procedure
// to service breaks, if any.
func CheckReferralService(procedure, service string) *domain.Error {
	allowed := referralServices[procedure]
	if len(allowed) == 0 {
		return domain.FieldError("case", "a case of procedure %s refers to no provider's service", procedure)
	}
	if !slices.Contains(allowed, service) {
		return domain.FieldError("service", "a case of procedure %s refers only to %s, not to %s", procedure, strings.Join(allowed, ", "), service)
	}
	return nil
}
