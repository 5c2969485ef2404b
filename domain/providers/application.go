package providers

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/schema"
)

// Kinds of e-application a provider's maintainer files (issue 21, as
// Hungary's MüKeng has them): to be registered with licences for services,
// to modify a registered provider's data or services, to be deleted from
// the register. A renewal is opened by Karton itself three months before
// a licence expires and waits for the maintainer's documents.
const (
	KindRegistration = "registration"
	KindModification = "modification"
	KindDeletion     = "deletion"
	KindRenewal      = "renewal"
)

// Kinds lists the kinds of application a maintainer files.
func Kinds() []string { return []string{KindRegistration, KindModification, KindDeletion} }

// States of an application, in the order a licence procedure goes
// through them.
const (
	StateAwaitingDocuments = "awaiting_documents" // a renewal opened by Karton
	StateSubmitted         = "submitted"
	StateIncomplete        = "incomplete" // the completeness check failed: ended
	StateInspection        = "inspection"
	StateDrafting          = "drafting"
	StateApproval          = "approval"
	StateGranted           = "granted"
	StateRefused           = "refused"
)

// Outcomes of a decision's draft.
const (
	OutcomeGrant      = "grant"
	OutcomeConditions = "grant_with_conditions"
	OutcomeRefuse     = "refuse"
)

// Document is a kind of document an application comes with.
type Document struct {
	Code string
	Name [2]string // Montenegrin, English
}

// Label is the document's name in lang ("en" English, else Montenegrin).
func (d Document) Label(lang string) string {
	if lang == "en" {
		return d.Name[1]
	}
	return d.Name[0]
}

// The documents of the applications (GUESS: ours until the ministry's
// rulebook on licensing names them).
var documents = []Document{
	{"statute", [2]string{"Statut ili osnivački akt", "Statute or founding act"}},
	{"premises", [2]string{"Dokaz o prostoru (vlasništvo ili zakup)", "Proof of premises (ownership or lease)"}},
	{"staff_list", [2]string{"Spisak zaposlenih sa kvalifikacijama", "List of staff with their qualifications"}},
	{"change_evidence", [2]string{"Dokaz o promjeni podataka", "Evidence of the change"}},
	{"deletion_request", [2]string{"Odluka organa upravljanja o prestanku rada", "The governing body's decision to cease the service"}},
}

// required is each kind's required documents.
var required = map[string][]string{
	KindRegistration: {"statute", "premises", "staff_list"},
	KindModification: {"change_evidence"},
	KindDeletion:     {"deletion_request"},
	KindRenewal:      {"premises", "staff_list"},
}

// RequiredDocuments lists the documents an application of kind must have.
func RequiredDocuments(kind string) []Document {
	var out []Document
	for _, code := range required[kind] {
		d, _ := DocumentByCode(code)
		out = append(out, d)
	}
	return out
}

// DocumentByCode returns the document kind called code.
func DocumentByCode(code string) (Document, bool) {
	for _, d := range documents {
		if d.Code == code {
			return d, true
		}
	}
	return Document{}, false
}

// InspectionDue is how long after an application is found complete its
// inspection is scheduled (GUESS).
const InspectionDue = 14 * 24 * time.Hour

// Warnings before a licence expires (issue 21): the maintainer and the
// officers are warned six months before, and three months before a
// second time, when the renewal opens.
const (
	FirstWarningMonths  = 6
	SecondWarningMonths = 3
)

// Application is an e-application as the maintainer filed it.
type Application struct {
	Kind string
	PIB  domain.PIB
	// OnRegister says whether a provider with the PIB is on the register
	// (a registration needs it not to be; the others need it to be).
	OnRegister bool
	// Registration (and modification: the fields changed, empty kept).
	Name         string
	Street       string
	Municipality string // ISO 3166-2:ME code
	FoundedOn    time.Time
	// Services asked for (registration, modification: added ones).
	Services []string
	// StartOn is the first day asked for (the licence's, or the day the
	// modification or the deletion takes effect).
	StartOn time.Time
	// Reason is the maintainer's reason (modification, deletion).
	Reason string
	// Documents are the codes of the documents attached.
	Documents []string
}

// CheckApplication checks an application filed on today and returns every
// fault, each naming its field; nil when none.
func CheckApplication(a Application, today time.Time) []*domain.Error {
	var errs []*domain.Error
	if _, ok := required[a.Kind]; !ok || a.Kind == KindRenewal {
		return []*domain.Error{domain.FieldError("kind", "%q is not a kind of application (%s)", a.Kind, strings.Join(Kinds(), ", "))}
	}
	if _, err := domain.ParsePIB(string(a.PIB)); err != nil {
		errs = append(errs, err.(*domain.Error))
	} else if a.Kind == KindRegistration && a.OnRegister {
		errs = append(errs, domain.FieldError("pib", "a provider with PIB %s is on the register already: apply for a modification", a.PIB))
	} else if a.Kind != KindRegistration && !a.OnRegister {
		errs = append(errs, domain.FieldError("pib", "no provider with PIB %s is on the register: apply for a registration", a.PIB))
	}
	switch a.Kind {
	case KindRegistration:
		errs = append(errs, checkRegistration(a, today)...)
	case KindModification:
		errs = append(errs, checkModification(a)...)
	case KindDeletion:
		if strings.TrimSpace(a.Reason) == "" {
			errs = append(errs, domain.FieldError("reason", "is required"))
		}
	}
	if len([]rune(a.Reason)) > 2000 {
		errs = append(errs, domain.FieldError("reason", "is longer than 2000 characters"))
	}
	errs = append(errs, checkStart("start_on", a.StartOn, today)...)
	errs = append(errs, CheckDocuments(a.Kind, a.Documents)...)
	return errs
}

func checkRegistration(a Application, today time.Time) []*domain.Error {
	p := Provider{Name: a.Name, PIB: "00000000", Street: a.Street, Municipality: a.Municipality, Since: a.FoundedOn}
	var errs []*domain.Error
	for _, e := range CheckProvider(p) {
		if e.Field != "pib" {
			errs = append(errs, e)
		}
	}
	if !a.FoundedOn.IsZero() && dayOf(a.FoundedOn).After(dayOf(today)) {
		errs = append(errs, domain.FieldError("founded_on", "%s is in the future", a.FoundedOn.Format(time.DateOnly)))
	}
	if !a.FoundedOn.IsZero() && !a.StartOn.IsZero() && dayOf(a.StartOn).Before(dayOf(a.FoundedOn)) {
		errs = append(errs, domain.FieldError("start_on", "%s is before the provider was founded (%s)", a.StartOn.Format(time.DateOnly), a.FoundedOn.Format(time.DateOnly)))
	}
	if len(a.Services) == 0 {
		errs = append(errs, domain.FieldError("services", "name at least one service of the catalogue"))
	}
	return append(errs, checkServices(a.Services)...)
}

func checkModification(a Application) []*domain.Error {
	var errs []*domain.Error
	if strings.TrimSpace(a.Name) == "" && strings.TrimSpace(a.Street) == "" && a.Municipality == "" && len(a.Services) == 0 {
		errs = append(errs, domain.FieldError("services", "a modification changes the name, the address or adds services: none given"))
	}
	if len([]rune(a.Name)) > 200 {
		errs = append(errs, domain.FieldError("name", "is longer than 200 characters"))
	}
	if len([]rune(a.Street)) > 200 {
		errs = append(errs, domain.FieldError("address.street", "is longer than 200 characters"))
	}
	if a.Municipality != "" {
		if _, ok := domain.MunicipalityByCode(a.Municipality); !ok {
			errs = append(errs, domain.FieldError("address.municipality", "%q is not a municipality code (ME-01 to ME-25)", a.Municipality))
		}
	}
	if strings.TrimSpace(a.Reason) == "" {
		errs = append(errs, domain.FieldError("reason", "is required"))
	}
	return append(errs, checkServices(a.Services)...)
}

func checkServices(services []string) []*domain.Error {
	var errs []*domain.Error
	for i, s := range services {
		if _, ok := ServiceByCode(s); !ok {
			errs = append(errs, domain.FieldError(fmt.Sprintf("services[%d]", i), "%q is not a service of the catalogue (%s)", s, strings.Join(serviceCodes(), ", ")))
		} else if slices.Index(services, s) < i {
			errs = append(errs, domain.FieldError(fmt.Sprintf("services[%d]", i), "%q is named twice", s))
		}
	}
	return errs
}

func serviceCodes() []string {
	codes := make([]string, len(services))
	for i, s := range services {
		codes[i] = s.Code
	}
	return codes
}

// checkStart refuses a first day missing or in the past.
func checkStart(field string, start, today time.Time) []*domain.Error {
	switch {
	case start.IsZero():
		return []*domain.Error{domain.FieldError(field, "is required")}
	case dayOf(start).Before(dayOf(today)):
		return []*domain.Error{domain.FieldError(field, "%s is in the past (today is %s)", start.Format(time.DateOnly), today.Format(time.DateOnly))}
	}
	return nil
}

// CheckDocuments checks the codes of an application's documents: every
// required one present (each missing one named), none unknown or twice.
func CheckDocuments(kind string, docs []string) []*domain.Error {
	var errs []*domain.Error
	for i, code := range docs {
		if _, ok := DocumentByCode(code); !ok {
			errs = append(errs, domain.FieldError(fmt.Sprintf("documents[%d]", i), "%q is not a kind of document", code))
		} else if slices.Index(docs, code) < i {
			errs = append(errs, domain.FieldError("documents."+code, "is attached twice"))
		}
	}
	for _, code := range required[kind] {
		if !slices.Contains(docs, code) {
			errs = append(errs, domain.FieldError("documents."+code, "is required"))
		}
	}
	return errs
}

// Draft is an officer's draft of the decision on an application.
type Draft struct {
	Outcome    string `json:"outcome"`
	ValidFrom  string `json:"valid_from,omitempty"` // YYYY-MM-DD: the licence's first day, or the day a modification or deletion takes effect
	Reasons    string `json:"reasons,omitempty"`
	Conditions string `json:"conditions,omitempty"`
}

// CheckDraft checks a draft drafted on today: a known outcome, a first
// day not in the past for a grant, reasons for a refusal, conditions for a
// grant with conditions. Every fault is returned.
func CheckDraft(d Draft, today time.Time) []*domain.Error {
	var errs []*domain.Error
	switch d.Outcome {
	case OutcomeGrant, OutcomeConditions:
		if d.ValidFrom == "" {
			errs = append(errs, domain.FieldError("valid_from", "is required for a grant"))
		} else if from, err := time.Parse(time.DateOnly, d.ValidFrom); err != nil {
			errs = append(errs, domain.FieldError("valid_from", "%q is not a date (YYYY-MM-DD)", d.ValidFrom))
		} else {
			errs = append(errs, checkStart("valid_from", from, today)...)
		}
		if d.Outcome == OutcomeConditions && strings.TrimSpace(d.Conditions) == "" {
			errs = append(errs, domain.FieldError("conditions", "are required for a grant with conditions"))
		}
	case OutcomeRefuse:
		if strings.TrimSpace(d.Reasons) == "" {
			errs = append(errs, domain.FieldError("reasons", "are required for a refusal"))
		}
	default:
		errs = append(errs, domain.FieldError("outcome", "%q is not an outcome (grant, grant_with_conditions, refuse)", d.Outcome))
	}
	if len([]rune(d.Reasons)) > 4000 {
		errs = append(errs, domain.FieldError("reasons", "is longer than 4000 characters"))
	}
	if len([]rune(d.Conditions)) > 4000 {
		errs = append(errs, domain.FieldError("conditions", "is longer than 4000 characters"))
	}
	return errs
}

// Granted reports whether the draft's outcome grants the application.
func (d Draft) Granted() bool { return d.Outcome == OutcomeGrant || d.Outcome == OutcomeConditions }

//go:embed licensing/*.json
var licensingFiles embed.FS

// InspectionForm is the JSON Schema name of the inspection's checklist.
const InspectionForm = "inspection"

var licensingForms = func() *schema.Set {
	s, err := schema.Load(licensingFiles, "licensing")
	if err != nil {
		panic("licensing forms: " + err.Error()) // embedded and tested: a build defect
	}
	return s
}()

// InspectionSchema is the inspection checklist's JSON Schema, as the pages
// render it.
func InspectionSchema() json.RawMessage {
	raw, _ := licensingForms.Raw(InspectionForm)
	return raw
}

// CheckInspectionReport checks a licence inspection's report against its schema and a
// day of inspection not in the future: every failing field is listed.
func CheckInspectionReport(report json.RawMessage, today time.Time) error {
	if err := licensingForms.Validate(InspectionForm, report); err != nil {
		return err
	}
	var r struct {
		InspectedOn string `json:"inspected_on"`
	}
	_ = json.Unmarshal(report, &r)
	if d, err := time.Parse(time.DateOnly, r.InspectedOn); err == nil && dayOf(d).After(dayOf(today)) {
		return domain.FieldError("inspected_on", "%s is in the future", r.InspectedOn)
	}
	return nil
}

// ExpiryWarnings are the days a licence ending on validUntil warns on:
// six and three months before its last day.
func ExpiryWarnings(validUntil time.Time) (first, second time.Time) {
	return monthsBefore(validUntil, FirstWarningMonths), monthsBefore(validUntil, SecondWarningMonths)
}

// monthsBefore is the same day n months before t, or that month's last
// day when it is shorter (31 December: 30 June).
func monthsBefore(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month()-time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(t.Day(), last)-1)
}
