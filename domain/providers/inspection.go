package providers

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// Inspections during a licence, fines, suspension (issue 21 item 1): the
// ministry's inspectors visit a licensed provider, regularly or on a
// complaint, go through a checklist, and the ministry may fine the
// provider or suspend the licence until the faults are put right.

// Kinds of inspection.
const (
	InspectionRegular       = "regular"
	InspectionExtraordinary = "extraordinary"
)

// InspectionKinds lists the kinds in order.
var InspectionKinds = []string{InspectionRegular, InspectionExtraordinary}

// InspectionItem is one point an inspector checks.
type InspectionItem struct {
	Code string
	Name [2]string // Montenegrin, English
}

// Label is the item's name in lang ("en" English, else Montenegrin).
func (i InspectionItem) Label(lang string) string {
	if lang == "en" {
		return i.Name[1]
	}
	return i.Name[0]
}

// The checklist of an inspection (GUESS: the points of the ministry's
// minimum standards of services as we read them; its own checklist is to
// replace them).
var inspectionItems = []InspectionItem{
	{"staffing", [2]string{"Stručni radnici i broj zaposlenih", "Qualified staff and staffing levels"}},
	{"premises", [2]string{"Prostor i oprema", "Premises and equipment"}},
	{"safety", [2]string{"Bezbjednost i zaštita od požara", "Safety and fire protection"}},
	{"records", [2]string{"Evidencija i dokumentacija o korisnicima", "Records and users' files"}},
	{"standards", [2]string{"Minimalni standardi usluge", "Minimum standards of the service"}},
}

// InspectionChecklist lists the inspectionItems in its order.
func InspectionChecklist() []InspectionItem { return append([]InspectionItem(nil), inspectionItems...) }

// InspectionItemByCode returns the inspectionItems's item code.
func InspectionItemByCode(code string) (InspectionItem, bool) {
	for _, i := range inspectionItems {
		if i.Code == code {
			return i, true
		}
	}
	return InspectionItem{}, false
}

// Finding is the inspector's answer to one point of the inspectionItems.
type Finding struct {
	Item      string
	Compliant bool
	Note      string // what was found: required when not compliant
}

// CheckScheduledInspection checks an inspection of kind on day of licence l,
// scheduled on today: a known kind, a day not in the past and within the
// licence's validity, and a licence neither withdrawn nor expired. Every
// fault is returned, each naming its field.
func CheckScheduledInspection(l Licence, kind string, day, today time.Time) []*domain.Error {
	var errs []*domain.Error
	if kind != InspectionRegular && kind != InspectionExtraordinary {
		errs = append(errs, domain.FieldError("kind", "%q is not a kind of inspection (%s)", kind, strings.Join(InspectionKinds, ", ")))
	}
	if day.IsZero() {
		errs = append(errs, domain.FieldError("scheduled_on", "is required"))
	} else if d := dayOf(day); d.Before(dayOf(today)) {
		errs = append(errs, domain.FieldError("scheduled_on", "%s is in the past", d.Format(time.DateOnly)))
	} else if d.After(dayOf(l.ValidUntil)) || d.Before(dayOf(l.ValidFrom)) {
		errs = append(errs, domain.FieldError("scheduled_on", "%s is outside licence %s (%s to %s)", d.Format(time.DateOnly), l.Number,
			l.ValidFrom.Format(time.DateOnly), l.ValidUntil.Format(time.DateOnly)))
	}
	if s := l.State(today); s == Withdrawn || s == Expired {
		errs = append(errs, domain.FieldError("licence", "licence %s is %s", l.Number, s))
	}
	return errs
}

// CheckFindings checks an inspection's findings: every point of the
// inspectionItems answered once, nothing else, a note on each fault, notes and
// summary not too long. Every fault is returned, each naming its field.
func CheckFindings(findings []Finding, summary string) []*domain.Error {
	var errs []*domain.Error
	seen := map[string]bool{}
	for i, f := range findings {
		field := fmt.Sprintf("items[%d]", i)
		if _, ok := InspectionItemByCode(f.Item); !ok {
			errs = append(errs, domain.FieldError(field+".item", "%q is not a point of the inspectionItems", f.Item))
		} else if seen[f.Item] {
			errs = append(errs, domain.FieldError(field+".item", "%s is answered twice", f.Item))
		}
		seen[f.Item] = true
		if note := strings.TrimSpace(f.Note); !f.Compliant && note == "" {
			errs = append(errs, domain.FieldError(field+".note", "says what is wrong: required when not compliant"))
		} else if len([]rune(note)) > 2000 {
			errs = append(errs, domain.FieldError(field+".note", "is longer than 2000 characters"))
		}
	}
	var missing []string
	for _, c := range inspectionItems {
		if !seen[c.Code] {
			missing = append(missing, c.Code)
		}
	}
	if missing != nil {
		errs = append(errs, domain.FieldError("items", "the inspectionItems's %s are not answered", strings.Join(missing, ", ")))
	}
	if len([]rune(summary)) > 4000 {
		errs = append(errs, domain.FieldError("summary", "is longer than 4000 characters"))
	}
	return errs
}

// Fine is a fine decided on a provider after an inspection.
type Fine struct {
	Amount   decimal.Decimal
	LegalRef string // the article of the law the fine rests on: required
	Reason   string
	DueOn    time.Time
}

// MaxFine is the highest amount a fine may have (GUESS: the ceiling of
// the Social and Child Protection Law's fines for a legal person, to be
// confirmed).
var MaxFine = decimal.NewFromInt(20000)

// CheckFine checks a fine proposed on today: an amount above zero, in
// euros and cents, at most MaxFine; a legal reference; a reason; a due
// day after today. Every fault is returned, each naming its field.
func CheckFine(f Fine, today time.Time) []*domain.Error {
	var errs []*domain.Error
	switch {
	case !f.Amount.IsPositive():
		errs = append(errs, domain.FieldError("amount", "must be above zero"))
	case f.Amount.Exponent() < -2 && !f.Amount.Equal(f.Amount.Round(2)):
		errs = append(errs, domain.FieldError("amount", "%s has more than 2 decimals", f.Amount.String()))
	case f.Amount.GreaterThan(MaxFine):
		errs = append(errs, domain.FieldError("amount", "%s is above the highest fine (%s)", f.Amount.StringFixed(2), MaxFine.StringFixed(2)))
	}
	if r := strings.TrimSpace(f.LegalRef); r == "" {
		errs = append(errs, domain.FieldError("legal_reference", "is required")) // the article of the law the fine rests on
	} else if len([]rune(r)) > 300 {
		errs = append(errs, domain.FieldError("legal_reference", "is longer than 300 characters"))
	}
	if r := strings.TrimSpace(f.Reason); r == "" {
		errs = append(errs, domain.FieldError("reason", "is required"))
	} else if len([]rune(r)) > 2000 {
		errs = append(errs, domain.FieldError("reason", "is longer than 2000 characters"))
	}
	if f.DueOn.IsZero() {
		errs = append(errs, domain.FieldError("due_on", "is required"))
	} else if !dayOf(f.DueOn).After(dayOf(today)) {
		errs = append(errs, domain.FieldError("due_on", "%s is not after today (%s)", f.DueOn.Format(time.DateOnly), dayOf(today).Format(time.DateOnly)))
	}
	return errs
}

// Appeal outcomes of a fine.
const (
	FineUpheld   = "upheld"
	FineAnnulled = "annulled"
	FineChanged  = "changed"
)

// CheckSuspension checks a suspension of licence l from day from, decided
// on today: a day not in the past and not after the licence's last day, a
// licence neither withdrawn nor expired, and a reason. Every fault is
// returned, each naming its field.
func CheckSuspension(l Licence, from time.Time, reason string, today time.Time) []*domain.Error {
	var errs []*domain.Error
	if from.IsZero() {
		errs = append(errs, domain.FieldError("from", "is required"))
	} else if d := dayOf(from); d.Before(dayOf(today)) {
		errs = append(errs, domain.FieldError("from", "%s is in the past", d.Format(time.DateOnly)))
	} else if d.After(dayOf(l.ValidUntil)) {
		errs = append(errs, domain.FieldError("from", "%s is after licence %s ends (%s)", d.Format(time.DateOnly), l.Number, l.ValidUntil.Format(time.DateOnly)))
	}
	if r := strings.TrimSpace(reason); r == "" {
		errs = append(errs, domain.FieldError("reason", "is required"))
	} else if len([]rune(r)) > 2000 {
		errs = append(errs, domain.FieldError("reason", "is longer than 2000 characters"))
	}
	if s := l.State(today); s == Withdrawn || s == Expired {
		errs = append(errs, domain.FieldError("licence", "licence %s is %s", l.Number, s))
	}
	return errs
}

// PlacementServices are the services a provider must hold a licence in
// force for to be named in decision of procedure: a child's placement in
// an institution (P03) needs residential care for children, an adult's
// (P22) residential care for the elderly (GUESS: the catalogue has no
// residential care of adults under 65 yet). Nil: the decision names no
// provider.
func PlacementServices(procedure, decision string) []string {
	if decision != "institution_placement" {
		return nil
	}
	switch procedure {
	case "P03":
		return []string{"residential_children"}
	case "P22":
		return []string{"residential_elderly"}
	}
	return nil
}
