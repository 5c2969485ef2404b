// Package providers holds the rules of the register of licensed social
// service providers (issue 21): the catalogue of services a provider may be
// licensed for, the checks of a provider and of a licence, and a licence's
// state on a day. It does no I/O.
package providers

import (
	"strings"
	"time"

	"github.com/karton-social/karton/domain"
)

// LicenceYears is how long a licence runs: six years from its first day
// (DOMAIN.md §4.1).
const LicenceYears = 6

// Service is a social service a provider may be licensed for.
type Service struct {
	Code string
	Name [2]string // Montenegrin, English
}

// The catalogue of services (a first list: the ministry's own
// nomenclature is to replace it; GUESS on the codes).
var services = []Service{
	{"day_care_disability", [2]string{"Dnevni boravak za djecu sa smetnjama u razvoju", "Day care for children with disabilities"}},
	{"home_help_elderly", [2]string{"Pomoć u kući za stara lica", "Home help for the elderly"}},
	{"shelter_violence", [2]string{"Sklonište za žrtve nasilja u porodici", "Shelter for victims of domestic violence"}},
	{"supported_housing", [2]string{"Stanovanje uz podršku", "Supported housing"}},
	{"counselling", [2]string{"Savjetovanje", "Counselling"}},
	{"residential_elderly", [2]string{"Smještaj starih lica", "Residential care for the elderly"}},
	{"residential_children", [2]string{"Smještaj djece i mladih u ustanovu", "Residential care for children and young people"}},
}

// Services lists the catalogue in its order.
func Services() []Service { return append([]Service(nil), services...) }

// ServiceByCode returns the service with code code.
func ServiceByCode(code string) (Service, bool) {
	for _, s := range services {
		if s.Code == code {
			return s, true
		}
	}
	return Service{}, false
}

// Label is the service's name in lang ("en" English, anything else
// Montenegrin).
func (s Service) Label(lang string) string {
	if lang == "en" {
		return s.Name[1]
	}
	return s.Name[0]
}

// States of a licence on a day.
const (
	Active    = "active"
	Suspended = "suspended"
	Withdrawn = "withdrawn"
	Expired   = "expired"
	// Pending is a licence whose first day is still to come.
	Pending = "pending"
)

// Provider is a legal person offering social services.
type Provider struct {
	Name         string
	PIB          domain.PIB
	Street       string
	Municipality string // ISO 3166-2:ME code
	// Since is the day the provider was founded (registered with the
	// business register): no licence starts before it.
	Since time.Time
}

// Licence is a provider's licence for one service.
type Licence struct {
	Number      string
	Service     string
	ValidFrom   time.Time
	ValidUntil  time.Time // the last day in force
	SuspendedOn *time.Time
	WithdrawnOn *time.Time
}

// ValidUntil is the last day of a licence whose first day is from: the day
// before the sixth anniversary.
func ValidUntil(from time.Time) time.Time {
	return from.AddDate(LicenceYears, 0, -1)
}

// State is the licence's state on day: withdrawn from its withdrawal on,
// suspended from its suspension on, expired after its last day, pending
// before its first, else active.
func (l Licence) State(day time.Time) string {
	d := dayOf(day)
	switch {
	case l.WithdrawnOn != nil && !d.Before(dayOf(*l.WithdrawnOn)):
		return Withdrawn
	case d.After(dayOf(l.ValidUntil)):
		return Expired
	case l.SuspendedOn != nil && !d.Before(dayOf(*l.SuspendedOn)):
		return Suspended
	case d.Before(dayOf(l.ValidFrom)):
		return Pending
	}
	return Active
}

// InForce says whether the licence lets its provider offer the service on
// day.
func (l Licence) InForce(day time.Time) bool { return l.State(day) == Active }

func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// CheckProvider checks a provider's fields and returns every fault, each
// naming its field; nil when none.
func CheckProvider(p Provider) []*domain.Error {
	var errs []*domain.Error
	if n := strings.TrimSpace(p.Name); n == "" {
		errs = append(errs, domain.FieldError("name", "is required"))
	} else if len([]rune(n)) > 200 {
		errs = append(errs, domain.FieldError("name", "is longer than 200 characters"))
	}
	if _, err := domain.ParsePIB(string(p.PIB)); err != nil {
		errs = append(errs, err.(*domain.Error))
	}
	if strings.TrimSpace(p.Street) == "" {
		errs = append(errs, domain.FieldError("address.street", "is required"))
	} else if len([]rune(p.Street)) > 200 {
		errs = append(errs, domain.FieldError("address.street", "is longer than 200 characters"))
	}
	if _, ok := domain.MunicipalityByCode(p.Municipality); !ok {
		errs = append(errs, domain.FieldError("address.municipality", "%q is not a municipality code (ME-01 to ME-25)", p.Municipality))
	}
	if p.Since.IsZero() {
		errs = append(errs, domain.FieldError("founded_on", "is required"))
	}
	return errs
}

// CheckLicence checks a licence of provider p: a known service, a number,
// a first day not before the provider was founded and a last day not
// before the first. Every fault is returned, each naming its field.
func CheckLicence(p Provider, l Licence) []*domain.Error {
	var errs []*domain.Error
	if _, ok := ServiceByCode(l.Service); !ok {
		codes := make([]string, len(services))
		for i, s := range services {
			codes[i] = s.Code
		}
		errs = append(errs, domain.FieldError("service", "%q is not a service of the catalogue (%s)", l.Service, strings.Join(codes, ", ")))
	}
	if n := strings.TrimSpace(l.Number); n == "" {
		errs = append(errs, domain.FieldError("number", "is required"))
	} else if len(n) > 40 || strings.ContainsAny(n, "/?#% ") {
		errs = append(errs, domain.FieldError("number", "must be at most 40 characters without spaces, /, ?, # or %%"))
	}
	if l.ValidFrom.IsZero() {
		errs = append(errs, domain.FieldError("valid_from", "is required"))
	} else if dayOf(l.ValidFrom).Before(dayOf(p.Since)) {
		errs = append(errs, domain.FieldError("valid_from", "%s is before the provider was founded (%s)", l.ValidFrom.Format(time.DateOnly), p.Since.Format(time.DateOnly)))
	}
	if !l.ValidFrom.IsZero() && !l.ValidUntil.IsZero() && dayOf(l.ValidUntil).Before(dayOf(l.ValidFrom)) {
		errs = append(errs, domain.FieldError("valid_until", "%s ends before the licence starts (%s)", l.ValidUntil.Format(time.DateOnly), l.ValidFrom.Format(time.DateOnly)))
	}
	return errs
}
