// Package carers holds the rules of the registers of guardians and foster
// carers (issue 21, item 3): which decisions of the case procedures
// appoint a carer and which end the appointment, how many carers a
// decision names, and the assessments of suitability and the training a
// caseworker records about a carer.
package carers

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/karton-social/karton/domain"
)

// Role is what a carer is to a ward.
type Role string

// The roles of the two registers.
const (
	// Guardian: appointed by the centre as guardian authority (Family Law):
	// P01 for a minor, P24 for an adult deprived of legal capacity.
	Guardian Role = "guardian"
	// FosterCarer: a member of a foster family (family placement), P02 for
	// a child, P23 for an adult.
	FosterCarer Role = "foster_carer"
)

// Roles lists the roles, in the order the registers are shown.
func Roles() []Role { return []Role{Guardian, FosterCarer} }

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// MaxCarers is how many carers one decision may name: one guardian
// (GUESS: the Family Law lets the authority appoint one guardian per
// ward; co-guardians are not modelled), a foster family of one or two.
func (r Role) MaxCarers() int {
	if r == FosterCarer {
		return 2
	}
	return 1
}

// appointing and ending map the decision kinds of domain/cases/procedures.yaml
// to the register they feed.
var (
	appointing = map[string]Role{"guardian_appointment": Guardian, "foster_placement": FosterCarer, "family_placement": FosterCarer}
	ending     = map[string]Role{"guardianship_end": Guardian, "placement_end": FosterCarer}
)

// Appoints reports the role a decision of kind appoints its carers to.
func Appoints(kind string) (Role, bool) {
	r, ok := appointing[kind]
	return r, ok
}

// Ends reports the role whose appointments of the same case a decision of
// kind ends. placement_end also closes an institution's placement (P03,
// P22), which appoints no carer: it then ends nothing in the registers.
func Ends(kind string) (Role, bool) {
	r, ok := ending[kind]
	return r, ok
}

// AppointingKinds lists the decision kinds that name carers, sorted.
func AppointingKinds() []string {
	out := make([]string, 0, len(appointing))
	for k := range appointing {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// CheckNamed checks the carers a decision of kind names (person ids, the
// ward(s) of the case excluded): a decision that appoints names one to
// MaxCarers different persons who are not its wards; any other decision
// names none. Every fault is listed, by field (carers, carers.N).
func CheckNamed(kind string, carers []domain.PersonID, wards []domain.PersonID) error {
	role, appoints := Appoints(kind)
	var errs []*domain.Error
	switch {
	case !appoints && len(carers) > 0:
		errs = append(errs, domain.FieldError("carers", "a decision %q names no carers (only %s do)", kind, strings.Join(AppointingKinds(), ", ")))
	case appoints && len(carers) == 0:
		errs = append(errs, domain.FieldError("carers", "a decision %q names its %s: give the person id of each", kind, role))
	case appoints && len(carers) > role.MaxCarers():
		errs = append(errs, domain.FieldError("carers", "a decision %q names at most %d, not %d", kind, role.MaxCarers(), len(carers)))
	}
	seen := map[domain.PersonID]bool{}
	for i, c := range carers {
		field := fmt.Sprintf("carers.%d", i)
		if seen[c] {
			errs = append(errs, domain.FieldError(field, "person %s is named twice", c))
		}
		seen[c] = true
		if slices.Contains(wards, c) {
			errs = append(errs, domain.FieldError(field, "person %s is a ward of this case, not a carer", c))
		}
	}
	if errs != nil {
		return domain.Invalid(errs)
	}
	return nil
}

// Assessment kinds: a carer's suitability for the role, and the training
// for it (DOMAIN.md §7.2: the foster carers' preparation programme).
const (
	KindSuitability = "suitability"
	KindTraining    = "training"
)

// outcomes are each kind's outcomes.
var outcomes = map[string][]string{
	KindSuitability: {"suitable", "unsuitable"},
	KindTraining:    {"completed", "not_completed"},
}

// Assessment is an assessment of a carer's suitability or a training they
// took, as a caseworker records it: no free text about the person.
type Assessment struct {
	Kind    string
	Role    Role
	HeldOn  time.Time
	Outcome string
	Hours   int // of a training; 0 for a suitability assessment
}

// MaxTrainingHours bounds a training's hours (GUESS: the preparation
// programme is some tens of hours).
const MaxTrainingHours = 200

// Check lists every fault of the assessment by field (kind, role,
// held_on, outcome, hours); today bounds the date.
func (a Assessment) Check(today time.Time) error {
	var errs []*domain.Error
	allowed, known := outcomes[a.Kind]
	if !known {
		errs = append(errs, domain.FieldError("kind", "%q is neither %s nor %s", a.Kind, KindSuitability, KindTraining))
	}
	if !a.Role.Valid() {
		errs = append(errs, domain.FieldError("role", "%q is neither %s nor %s", a.Role, Guardian, FosterCarer))
	}
	switch {
	case a.HeldOn.IsZero():
		errs = append(errs, domain.FieldError("held_on", "is required (YYYY-MM-DD)"))
	case a.HeldOn.After(today):
		errs = append(errs, domain.FieldError("held_on", "%s is in the future", a.HeldOn.Format(time.DateOnly)))
	case a.HeldOn.Before(today.AddDate(-10, 0, 0)):
		errs = append(errs, domain.FieldError("held_on", "%s is more than ten years ago", a.HeldOn.Format(time.DateOnly)))
	}
	if known && !slices.Contains(allowed, a.Outcome) {
		errs = append(errs, domain.FieldError("outcome", "%q is not an outcome of a %s (%s)", a.Outcome, a.Kind, strings.Join(allowed, ", ")))
	}
	switch {
	case a.Kind == KindTraining && (a.Hours < 1 || a.Hours > MaxTrainingHours):
		errs = append(errs, domain.FieldError("hours", "a training takes 1 to %d hours, not %d", MaxTrainingHours, a.Hours))
	case a.Kind == KindSuitability && a.Hours != 0:
		errs = append(errs, domain.FieldError("hours", "a suitability assessment has no hours"))
	}
	if errs != nil {
		return domain.Invalid(errs)
	}
	return nil
}
