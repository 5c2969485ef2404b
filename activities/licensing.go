package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/store"
)

// The activities of the Licence workflow (issue 21): a provider's
// e-application checked for completeness, its inspection, draft and
// approval recorded, the decision issued into the register with its PDF,
// and the notices before the licences expire. They take the application's
// id only; everything else is read from PostgreSQL.

// LicenceApplicationInput names an application.
type LicenceApplicationInput struct {
	ApplicationID int64
}

// CheckLicenceApplicationResult is the completeness check's outcome.
type CheckLicenceApplicationResult struct {
	Kind     string
	Complete bool
	Missing  []string // codes of the documents missing
	// Stage is where the application went: inspection (scheduled on
	// InspectionOn), drafting (a deletion: no inspection) or incomplete.
	Stage        string
	InspectionOn string
}

// CheckLicenceApplication checks that every document the application's
// kind requires is on record and in the object store, and moves it on:
// to its inspection (scheduled providers.InspectionDue from now), to the
// decision's draft for a deletion, or, incomplete, to its end.
func (a *Activities) CheckLicenceApplication(ctx context.Context, in LicenceApplicationInput) (CheckLicenceApplicationResult, error) {
	app, err := a.DB.LicenceApplicationByID(ctx, in.ApplicationID)
	if err != nil {
		return CheckLicenceApplicationResult{}, asTemporal(err)
	}
	out := CheckLicenceApplicationResult{Kind: app.Kind}
	var kinds []string
	for _, d := range app.Documents {
		if a.Objects != nil {
			if _, err := a.Objects.ContentType(ctx, d.ObjectKey); err != nil {
				continue // not in the object store: missing
			}
		}
		kinds = append(kinds, d.Kind)
	}
	for _, e := range providers.CheckDocuments(app.Kind, kinds) {
		out.Missing = append(out.Missing, strings.TrimPrefix(e.Field, "documents."))
	}
	out.Complete = len(out.Missing) == 0
	from := []string{providers.StateSubmitted}
	switch {
	case !out.Complete:
		out.Stage = providers.StateIncomplete
		_, err = a.DB.MoveLicenceApplication(ctx, app.ID, from, out.Stage, nil)
	case app.Kind == providers.KindDeletion:
		out.Stage = providers.StateDrafting
		_, err = a.DB.MoveLicenceApplication(ctx, app.ID, from, out.Stage, nil)
	default:
		out.Stage = providers.StateInspection
		day := a.Now().Add(providers.InspectionDue)
		var moved store.LicenceApplication
		moved, err = a.DB.MoveLicenceApplication(ctx, app.ID, from, out.Stage, &day)
		if err == nil && moved.InspectionOn != nil {
			out.InspectionOn = moved.InspectionOn.Format(time.DateOnly)
		}
	}
	return out, asTemporal(err)
}

// LicenceStepInput is an officer's step the workflow accepted: the
// inspection report or the draft they saved, or an approval.
type LicenceStepInput struct {
	ApplicationID int64
	By            string
	Approve       bool // RecordLicenceApproval: approve (else send back)
}

// RecordLicenceInspection accepts the inspection report the officer saved.
func (a *Activities) RecordLicenceInspection(ctx context.Context, in LicenceStepInput) error {
	return asTemporal(a.DB.RecordLicenceInspection(ctx, in.ApplicationID, in.By))
}

// RecordLicenceDraft accepts the draft the officer saved and puts it
// before a second officer.
func (a *Activities) RecordLicenceDraft(ctx context.Context, in LicenceStepInput) error {
	return asTemporal(a.DB.RecordLicenceDraft(ctx, in.ApplicationID, in.By))
}

// RecordLicenceApproval records the second officer's approval, or sends
// the draft back.
func (a *Activities) RecordLicenceApproval(ctx context.Context, in LicenceStepInput) error {
	return asTemporal(a.DB.RecordLicenceApproval(ctx, in.ApplicationID, in.Approve, in.By))
}

// IssueLicenceDecisionResult is the decision issued.
type IssueLicenceDecisionResult struct {
	Number     string
	Granted    bool
	ValidUntil string // YYYY-MM-DD: the last day of the licences granted ("" when none)
}

// IssueLicenceDecision issues the approved decision: its PDF (entirely in
// Montenegrin) to the object store, then the register and the application
// in one transaction. A decision issued already (a retry) is returned as
// it was: nothing is rendered or recorded twice.
func (a *Activities) IssueLicenceDecision(ctx context.Context, in LicenceApplicationInput) (IssueLicenceDecisionResult, error) {
	app, err := a.DB.LicenceApplicationByID(ctx, in.ApplicationID)
	if err != nil {
		return IssueLicenceDecisionResult{}, asTemporal(err)
	}
	if app.DecidedAt == nil {
		if app.Draft == nil || app.ApprovedBy == "" {
			return IssueLicenceDecisionResult{}, asTemporal(domain.Errorf(domain.CodeConflict, "application %d has no approved draft", app.ID))
		}
		now := a.Now()
		d := store.LicenceDecision{Number: fmt.Sprintf("RL-%d-%d", now.Year(), app.ID), At: now}
		d.ValidFrom, _ = time.Parse(time.DateOnly, app.Draft.ValidFrom)
		if !d.ValidFrom.IsZero() {
			d.ValidUntil = providers.ValidUntil(d.ValidFrom)
		}
		var provider *store.Provider
		if app.ProviderID != nil {
			p, err := a.DB.ProviderByID(ctx, *app.ProviderID)
			if err != nil {
				return IssueLicenceDecisionResult{}, asTemporal(err)
			}
			provider = &p
		}
		pdf, err := renderLicenceDecision(app, provider, d)
		if err != nil {
			return IssueLicenceDecisionResult{}, err
		}
		if a.Objects != nil {
			d.Key = fmt.Sprintf("licensing/%d/decision-%s.pdf", app.ID, d.Number)
			if d.SHA256, err = a.Objects.Put(ctx, d.Key, "application/pdf", pdf); err != nil {
				return IssueLicenceDecisionResult{}, err
			}
		}
		if app, err = a.DB.RecordLicenceDecision(ctx, app.ID, d); err != nil {
			return IssueLicenceDecisionResult{}, asTemporal(err)
		}
	}
	out := IssueLicenceDecisionResult{Number: app.Decision, Granted: app.State == providers.StateGranted}
	if app.ValidUntil != nil {
		out.ValidUntil = app.ValidUntil.Format(time.DateOnly)
	}
	return out, nil
}

// LicenceNoticeInput asks for a notice of expiry: kind expiry_6m or
// expiry_3m (which opens the renewal).
type LicenceNoticeInput struct {
	ApplicationID int64
	Kind          string
}

// LicenceNoticeResult names the renewal the second notice opened.
type LicenceNoticeResult struct {
	RenewalID int64
}

// LicenceExpiryNotice records the notice for the maintainers and the
// officers (once), and with the second one opens the renewal (once).
func (a *Activities) LicenceExpiryNotice(ctx context.Context, in LicenceNoticeInput) (LicenceNoticeResult, error) {
	id, err := a.DB.RecordLicenceNotice(ctx, in.ApplicationID, in.Kind)
	return LicenceNoticeResult{RenewalID: id}, asTemporal(err)
}

func licenceDay(t time.Time) string { return t.Format("02.01.2006.") }

var licenceKindCnr = map[string]string{
	providers.KindRegistration: "upis u registar pružalaca usluga i izdavanje licence",
	providers.KindModification: "promjenu podataka i usluga u registru pružalaca usluga",
	providers.KindDeletion:     "brisanje iz registra pružalaca usluga",
	providers.KindRenewal:      "obnovu licence",
}

// renderLicenceDecision renders the ministry's decision on an application
// as a PDF in Montenegrin: names, never codes.
func renderLicenceDecision(app store.LicenceApplication, p *store.Provider, d store.LicenceDecision) ([]byte, error) {
	name, street, municipality := app.Name, app.Street, app.Municipality
	if p != nil {
		name, street, municipality = licenceOr(app.Name, p.Name), licenceOr(app.Street, p.Street), licenceOr(app.Municipality, p.Municipality)
	}
	if m, ok := domain.MunicipalityByCode(municipality); ok {
		municipality = m.Name
	}
	doc := newDocument("Rješenje "+d.Number, d.At)
	doc.pdf.SetKeywords(fmt.Sprintf("decision=%s application=%d kind=%s outcome=%s", d.Number, app.ID, app.Kind, app.Draft.Outcome), false)
	doc.write("B", 11, 5, "Crna Gora\nMinistarstvo socijalnog staranja, brige o porodici i demografije")
	doc.pdf.Ln(2)
	doc.write("", 10, 5, fmt.Sprintf("Broj: %s\nDatum: %s", d.Number, licenceDay(d.At)))
	doc.pdf.Ln(4)
	doc.write("", 10, 5, fmt.Sprintf("Na osnovu Zakona o socijalnoj i dječjoj zaštiti, rješavajući po zahtjevu pružaoca usluga %s, PIB %s, sa sjedištem %s, %s, za %s, donosi se",
		name, app.PIB, street, municipality, licenceKindCnr[app.Kind]))
	doc.pdf.Ln(3)
	doc.pdf.SetFont(doc.family, "B", 14)
	doc.pdf.CellFormat(0, 8, doc.text("R J E Š E N J E"), "", 1, "C", false, 0, "")
	doc.write("", 11, 6, licenceDisposition(app, name, d))
	if app.Draft.Outcome == providers.OutcomeConditions {
		doc.pdf.Ln(2)
		doc.write("B", 11, 6, "Uslovi")
		doc.write("", 10, 5, app.Draft.Conditions)
	}
	doc.pdf.Ln(3)
	doc.write("B", 11, 6, "O b r a z l o ž e nj e")
	doc.write("", 10, 5, licenceReasoning(app))
	doc.pdf.Ln(4)
	doc.write("", 10, 5, "Uputstvo o pravnom sredstvu: ovo rješenje je konačno; protiv njega se može pokrenuti upravni spor pred Upravnim sudom Crne Gore u roku od 20 dana od dana prijema.")
	doc.pdf.Ln(6)
	doc.write("", 10, 5, fmt.Sprintf("Pripremio/la: %s\nOdobrio/la: %s", official(app.DraftedBy), official(app.ApprovedBy)))
	out, err := doc.bytes()
	if err != nil {
		return nil, fmt.Errorf("render licence decision %s: %w", d.Number, err)
	}
	return out, nil
}

func licenceOr(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func licenceDisposition(app store.LicenceApplication, name string, d store.LicenceDecision) string {
	if !app.Draft.Granted() {
		return fmt.Sprintf("Odbija se zahtjev pružaoca usluga %s za %s.", name, licenceKindCnr[app.Kind])
	}
	var services []string
	for _, s := range app.Services {
		sv, _ := providers.ServiceByCode(s)
		services = append(services, sv.Label("cnr"))
	}
	switch app.Kind {
	case providers.KindDeletion:
		return fmt.Sprintf("Pružalac usluga %s briše se iz registra pružalaca usluga, a licence prestaju da važe od %s.", name, licenceDay(d.ValidFrom))
	case providers.KindModification:
		s := fmt.Sprintf("Usvaja se zahtjev za promjenu podataka pružaoca usluga %s; promjene se upisuju u registar od %s.", name, licenceDay(d.ValidFrom))
		if len(services) == 0 {
			return s
		}
		return s + fmt.Sprintf(" Izdaje se licenca za usluge: %s, sa važenjem od %s do %s.", strings.Join(services, "; "), licenceDay(d.ValidFrom), licenceDay(d.ValidUntil))
	}
	return fmt.Sprintf("Izdaje se licenca pružaocu usluga %s za usluge: %s. Licenca važi od %s do %s (šest godina) i upisuje se u registar pružalaca usluga.",
		name, strings.Join(services, "; "), licenceDay(d.ValidFrom), licenceDay(d.ValidUntil))
}

// reasoning is the decision's reasons: the documents filed, the
// inspection's checklist and findings, the officer's reasons.
func licenceReasoning(app store.LicenceApplication) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Pružalac usluga podnio je elektronski zahtjev dana %s sa dokumentacijom:", licenceDay(app.FiledAt))
	for _, d := range app.Documents {
		doc, _ := providers.DocumentByCode(d.Kind)
		fmt.Fprintf(&b, " %s;", doc.Label("cnr"))
	}
	b.WriteString(" dokumentacija je potpuna.")
	if len(app.Inspection) > 0 {
		var r map[string]any
		_ = json.Unmarshal(app.Inspection, &r)
		fmt.Fprintf(&b, "\nInspekcijski nadzor izvršen je dana %s. Nalazi:", licenceInspectionDay(r))
		for _, item := range []struct{ key, label string }{{"premises_suitable", "prostor ispunjava minimalne standarde"},
			{"staff_qualified", "stručni radnici su kvalifikovani i ima ih dovoljno"}, {"safety_measures", "mjere zaštite od požara i bezbjednosti su obezbijeđene"},
			{"records_kept", "evidencija korisnika vodi se u skladu sa zakonom"}} {
			ans := "ne"
			if v, _ := r[item.key].(bool); v {
				ans = "da"
			}
			fmt.Fprintf(&b, "\n- %s: %s", item.label, ans)
		}
		if f, _ := r["findings"].(string); f != "" {
			fmt.Fprintf(&b, "\nZapisnik: %s", f)
		}
	}
	if app.Draft.Reasons != "" {
		fmt.Fprintf(&b, "\n%s", app.Draft.Reasons)
	}
	return b.String()
}

func licenceInspectionDay(r map[string]any) string {
	s, _ := r["inspected_on"].(string)
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return licenceDay(d)
	}
	return s
}
