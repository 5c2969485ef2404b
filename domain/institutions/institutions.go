// Package institutions holds the rules of the residential institutions
// (issue 22, DOMAIN.md §7.1): the kinds of bed an institution offers, which
// person a bed admits, and the service of the licence an institution of a
// kind must hold for a placement. It does no I/O.
package institutions

import (
	"fmt"
	"time"

	"github.com/karton-social/karton/domain"
)

// Kind is who a unit (and its beds) is for.
type Kind string

// The kinds of residential care (GUESS on the age bounds: the law's
// accommodation article names the groups, not the ages).
const (
	KindElderly    Kind = "elderly"         // 65 and over
	KindChildren   Kind = "children"        // under 15
	KindYouth      Kind = "youth"           // 15 to 25
	KindDisability Kind = "disabled_adults" // adults (18 and over) with disabilities
)

// Kinds lists the kinds in their order.
func Kinds() []Kind { return []Kind{KindElderly, KindChildren, KindYouth, KindDisability} }

// Valid reports whether k is one of the kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds() {
		if x == k {
			return true
		}
	}
	return false
}

// Service is the service of the providers' catalogue (domain/providers) an
// institution's licence must be in force for to receive a person into a
// bed of kind k: the register is constitutive (issue 21).
func (k Kind) Service() string {
	if k == KindChildren || k == KindYouth {
		return "residential_children"
	}
	return "residential_elderly"
}

// Admits reports, with the reason when not, whether a person aged age
// (full years) belongs in a bed of kind k.
func (k Kind) Admits(age int) error {
	switch k {
	case KindElderly:
		if age < 65 {
			return fmt.Errorf("a bed for the elderly admits persons of 65 and over; this person is %d", age)
		}
	case KindChildren:
		if age >= 15 {
			return fmt.Errorf("a bed for children admits persons under 15; this person is %d", age)
		}
	case KindYouth:
		if age < 15 || age > 25 {
			return fmt.Errorf("a bed for young people admits persons of 15 to 25; this person is %d", age)
		}
	case KindDisability:
		if age < 18 {
			return fmt.Errorf("a bed for adults with disabilities admits persons of 18 and over; this person is %d", age)
		}
	default:
		return fmt.Errorf("unknown kind of bed %q", k)
	}
	return nil
}

// Gender of a room: whom its beds admit.
const (
	GenderAny    = "any"
	GenderFemale = "female"
	GenderMale   = "male"
)

// ValidGender reports whether g is a room's gender.
func ValidGender(g string) bool { return g == GenderAny || g == GenderFemale || g == GenderMale }

// GenderOf is the room gender a person of sex s belongs in.
func GenderOf(s domain.Sex) string {
	if s == domain.SexFemale {
		return GenderFemale
	}
	return GenderMale
}

// AdmitsGender reports whether a room of gender g admits a person of sex s.
func AdmitsGender(g string, s domain.Sex) bool { return g == GenderAny || g == GenderOf(s) }

// Care levels: how much care a bed's unit gives (GUESS: three levels, as
// homes for the elderly price them).
const (
	CareBasic     = 1 // independent living with supervision
	CareEnhanced  = 2 // help with daily activities
	CareIntensive = 3 // bed-bound, round-the-clock nursing
)

// ValidCareLevel reports whether n is a care level.
func ValidCareLevel(n int) bool { return n >= CareBasic && n <= CareIntensive }

// Bed is one bed as a placement sees it.
type Bed struct {
	Kind      Kind
	Gender    string
	CareLevel int
}

// Check lists why a person aged age of sex sex, needing care level care
// (0: any), may not take the bed; nil when they may.
func (b Bed) Check(age int, sex domain.Sex, care int) []error {
	var errs []error
	if err := b.Kind.Admits(age); err != nil {
		errs = append(errs, err)
	}
	if !AdmitsGender(b.Gender, sex) {
		errs = append(errs, fmt.Errorf("the bed's room is for %s residents; this person is %s", b.Gender, GenderOf(sex)))
	}
	if care > 0 && b.CareLevel < care {
		errs = append(errs, fmt.Errorf("the bed gives care of level %d; this person needs level %d", b.CareLevel, care))
	}
	return errs
}

// Age is a person's age in full years on day.
func Age(born, day time.Time) int {
	a := day.Year() - born.Year()
	if day.Month() < born.Month() || (day.Month() == born.Month() && day.Day() < born.Day()) {
		a--
	}
	return a
}
