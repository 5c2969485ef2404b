package institutions

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/schema"
)

// The resident's individual plan (issue 22, DOMAIN.md §7.1): a JSON Schema
// form like the case procedures' (domain/cases/forms), kept as versions.
// Its lists of who may and may not visit become the resident's visit
// rules, which the gatehouse reads.

//go:embed forms/*.json
var formFiles embed.FS

// Forms are the institutions' forms, by name: the resident's individual
// plan (PlanForm).
var Forms = mustLoadForms()

func mustLoadForms() *schema.Set {
	s, err := schema.Load(formFiles, "forms")
	if err != nil {
		panic(err) // embedded and tested: a build defect
	}
	return s
}

// PlanForm is the name of the individual plan's JSON Schema.
const PlanForm = "resident_plan"

// Plan is a resident's individual plan as the form holds it.
type Plan struct {
	Goals           []PlanGoal       `json:"goals"`
	Activities      []PlanActivity   `json:"activities,omitempty"`
	Contacts        []PlanContact    `json:"contacts,omitempty"`
	VisitorsBarred  []BarredVisitor  `json:"visitors_barred,omitempty"`
	VisitorsAllowed []AllowedVisitor `json:"visitors_allowed,omitempty"`
}

// PlanGoal is a goal of the plan.
type PlanGoal struct {
	Goal        string `json:"goal"`
	Responsible string `json:"responsible,omitempty"`
	Due         string `json:"due,omitempty"`
}

// PlanActivity is an activity of the plan and how often it is held.
type PlanActivity struct {
	Activity  string `json:"activity"`
	Frequency string `json:"frequency,omitempty"`
}

// PlanContact is a person the institution keeps in touch with.
type PlanContact struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
	Phone    string `json:"phone,omitempty"`
}

// BarredVisitor is a person who may not visit the resident, and why (a
// court's order, the centre's finding).
type BarredVisitor struct {
	Name   string `json:"name"`
	JMBG   string `json:"jmbg,omitempty"`
	Reason string `json:"reason"`
}

// AllowedVisitor is a person who may visit the resident.
type AllowedVisitor struct {
	Name     string `json:"name"`
	JMBG     string `json:"jmbg,omitempty"`
	Relation string `json:"relation"`
}

// PlanVisitor is one visit rule the plan sets: who, whether they may visit,
// and why (the reason they are barred, or their relation to the resident).
type PlanVisitor struct {
	Name    string
	JMBG    string
	Allowed bool
	Reason  string
}

// ParsePlan checks a plan against its form and its own rules, naming every
// fault: a JMBG that is not valid, a person both barred and allowed, and a
// child's plan (child: the resident is under 18) that names nobody who may
// visit. Field paths are the form's (visitors_barred.0.jmbg).
func ParsePlan(data json.RawMessage, child bool) (Plan, error) {
	var fields []*domain.Error
	if err := Forms.Validate(PlanForm, data); err != nil {
		var e *domain.Error
		if !errors.As(err, &e) {
			return Plan{}, err
		}
		if e.Fields == nil {
			fields = append(fields, e)
		} else {
			fields = append(fields, e.Fields...)
		}
	}
	var p Plan
	if err := json.Unmarshal(data, &p); err != nil {
		// Not the plan's shape: the form's messages say where.
		if fields == nil {
			fields = append(fields, domain.FieldError("data", "is not an individual plan: %v", err))
		}
		return Plan{}, domain.Invalid(fields)
	}
	fields = append(fields, p.check(child)...)
	if fields != nil {
		sort.SliceStable(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
		return Plan{}, domain.Invalid(fields)
	}
	return p, nil
}

// check applies the rules a JSON Schema cannot say.
func (p Plan) check(child bool) []*domain.Error {
	var out []*domain.Error
	jmbg := func(field, s string) {
		if s == "" {
			return
		}
		if _, _, err := domain.ParseJMBG(s); err != nil {
			out = append(out, domain.FieldError(field, "%s", domain.ErrorMessage(err)))
		}
	}
	for i, v := range p.VisitorsBarred {
		jmbg(fmt.Sprintf("visitors_barred.%d.jmbg", i), v.JMBG)
	}
	for i, v := range p.VisitorsAllowed {
		jmbg(fmt.Sprintf("visitors_allowed.%d.jmbg", i), v.JMBG)
		for j, b := range p.VisitorsBarred {
			if planSamePerson(v.Name, v.JMBG, b.Name, b.JMBG) {
				out = append(out, domain.FieldError(fmt.Sprintf("visitors_allowed.%d.name", i),
					"%s is also barred from visiting (visitors_barred.%d): a person may not be both", strings.TrimSpace(v.Name), j))
				break
			}
		}
	}
	if child && len(p.VisitorsAllowed) == 0 {
		out = append(out, domain.FieldError("visitors_allowed", "a child's plan names who may visit: at least one person"))
	}
	return out
}

// planSamePerson: two JMBGs given are the person; else the names, in any case
// and spacing.
func planSamePerson(name1, jmbg1, name2, jmbg2 string) bool {
	if jmbg1 != "" && jmbg2 != "" {
		return jmbg1 == jmbg2
	}
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	return norm(name1) == norm(name2)
}

// Visitors are the visit rules the plan sets: the barred first, then the
// allowed, each in the plan's order.
func (p Plan) Visitors() []PlanVisitor {
	out := []PlanVisitor{}
	for _, v := range p.VisitorsBarred {
		out = append(out, PlanVisitor{Name: strings.TrimSpace(v.Name), JMBG: v.JMBG, Allowed: false, Reason: strings.TrimSpace(v.Reason)})
	}
	for _, v := range p.VisitorsAllowed {
		out = append(out, PlanVisitor{Name: strings.TrimSpace(v.Name), JMBG: v.JMBG, Allowed: true, Reason: strings.TrimSpace(v.Relation)})
	}
	return out
}

// MedicalKinds are the kinds of a medical record's entry.
func MedicalKinds() []string { return []string{"examination", "diagnosis", "note", "referral"} }

// ValidMedicalKind reports whether k is a kind of medical record.
func ValidMedicalKind(k string) bool {
	for _, x := range MedicalKinds() {
		if x == k {
			return true
		}
	}
	return false
}
