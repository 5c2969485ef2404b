package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// licenceTemporal stands in for Temporal: it records the workflows
// started, and takes an officer's step as the Licence workflow's
// activities do (the workflow itself is tested in workflows/).
type licenceTemporal struct {
	client.Client
	db      *store.DB
	started []string
}

func (l *licenceTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	l.started = append(l.started, o.ID)
	return namedRun{id: o.ID}, nil
}

func (l *licenceTemporal) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	var id int64
	if _, err := fmt.Sscanf(o.WorkflowID, "licence/%d", &id); err != nil {
		return nil, err
	}
	s := o.Args[0].(workflows.LicenceStep)
	var err error
	switch s.Step {
	case workflows.StepInspected:
		err = l.db.RecordLicenceInspection(ctx, id, s.By)
	case workflows.StepDrafted:
		err = l.db.RecordLicenceDraft(ctx, id, s.By)
	default:
		err = l.db.RecordLicenceApproval(ctx, id, s.Step == workflows.StepApproved, s.By)
	}
	return updateDone{}, err
}

func pdfDoc(s string) []byte { return []byte("%PDF-1.4\n" + s + "\n%%EOF\n") }

// TestLicensingByEApplication: a maintainer's application missing
// documents, dated in the past, with a bad municipality is a 400 naming
// every problem, and nothing is kept; a good one is filed with its
// documents and its workflow started; another maintainer does not see it,
// a caseworker may not; an officer inspects (a bad checklist is a 400
// naming each field) and drafts; the drafter may not approve (403); a
// second officer approves; the decision is issued (its PDF) and the
// provider is on the public register.
func TestLicensingByEApplication(t *testing.T) {
	ctx := context.Background()
	m := &devstack.MinIO{Dir: t.TempDir(), AccessKey: "karton", SecretKey: "karton-test-secret"}
	if err := m.Start(ctx); err != nil {
		t.Fatalf("start minio: %v", err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	obj, err := objects.Open(objects.Config{Endpoint: m.Endpoint(), AccessKey: "karton", SecretKey: "karton-test-secret", Bucket: "karton"})
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	tc := &licenceTemporal{}
	ts, db := newServerFor(t, func(d *api.Deps) { d.Objects, d.Temporal, d.Now = obj, tc, func() time.Time { return today } })
	tc.db = db
	const path = "/api/v1/licence-applications"
	start := today.AddDate(0, 1, 0).Format(time.DateOnly)
	fields := map[string][]string{"kind": {"registration"}, "name": {"Centar Oslonac d.o.o."}, "street": {"Bulevar Svetog Petra Cetinjskog 5"},
		"municipality": {"Atlantis"}, "founded_on": {"2024-01-10"}, "services": {"counselling", "supported_housing"},
		"start_on": {today.AddDate(0, 0, -1).Format(time.DateOnly)}}
	code, b := portalForm(t, ts, "nikola.maintainer", path, fields, map[string][]byte{"statute": pdfDoc("statut")})
	if code != http.StatusBadRequest {
		t.Fatalf("a bad application: %d %s", code, b)
	}
	for _, f := range []string{"address.municipality", "start_on", "documents.premises", "documents.staff_list"} {
		if !strings.Contains(string(b), `"field":"`+f+`"`) {
			t.Errorf("a bad application: no problem named on %s in %s", f, b)
		}
	}
	if list, _ := db.LicenceApplications(ctx, store.ApplicationFilter{}); len(list) != 0 || len(tc.started) != 0 {
		t.Fatalf("a refused application left %d applications, %d workflows", len(list), len(tc.started))
	}
	if keys, _ := obj.List(ctx, "licensing/"); len(keys) != 0 {
		t.Errorf("a refused application left documents: %v", keys)
	}
	fields["municipality"], fields["start_on"] = []string{"Podgorica"}, []string{start}
	docs := map[string][]byte{"statute": pdfDoc("statut"), "premises": pdfDoc("zakup"), "staff_list": pdfDoc("zaposleni")}
	code, b = portalForm(t, ts, "nikola.maintainer", path, fields, docs)
	if code != http.StatusCreated {
		t.Fatalf("an application: %d %s", code, b)
	}
	var app struct {
		ID         int64
		State      string
		PIB        string
		WorkflowID string `json:"workflow_id"`
		Documents  []struct{ Kind, Name string }
	}
	if err := json.Unmarshal(b, &app); err != nil || app.State != "submitted" || app.PIB != "03111008" || len(app.Documents) != 3 {
		t.Fatalf("the application: %v %s", err, b)
	}
	if len(tc.started) != 1 || tc.started[0] != workflows.LicenceID(app.ID) || app.WorkflowID != tc.started[0] {
		t.Errorf("workflows started: %v; want %s", tc.started, workflows.LicenceID(app.ID))
	}
	if code, b := portalForm(t, ts, "nikola.maintainer", path, fields, docs); code != http.StatusConflict {
		t.Errorf("a second application while the first is decided: %d %s", code, b)
	}
	one := fmt.Sprintf("%s/%d", path, app.ID)
	if code, b := doAs(t, ts, "dusica.maintainer", "GET", one, ""); code != http.StatusNotFound {
		t.Errorf("another maintainer reads it: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "dusica.maintainer", "GET", path, ""); code != http.StatusOK || strings.Contains(string(b), "Oslonac") {
		t.Errorf("another maintainer's list: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "nikola.maintainer", "GET", path, ""); code != http.StatusOK || !strings.Contains(string(b), "Oslonac") {
		t.Errorf("the maintainer's list: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", path, ""); code != http.StatusForbidden {
		t.Errorf("a caseworker lists applications: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "nikola.maintainer", "POST", one+"/inspection", `{"report":{}}`); code != http.StatusForbidden {
		t.Errorf("the maintainer inspects: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", one+"/inspection", `{"report":{}}`); code != http.StatusConflict {
		t.Errorf("an inspection before the completeness check: %d %s", code, b)
	}
	acts := &activities.Activities{DB: db, Objects: obj, Now: func() time.Time { return today }}
	if c, err := acts.CheckLicenceApplication(ctx, activities.LicenceApplicationInput{ApplicationID: app.ID}); err != nil || !c.Complete || c.Stage != "inspection" {
		t.Fatalf("completeness: %+v %v", c, err)
	}
	code, b = doAs(t, ts, officer, "POST", one+"/inspection", `{"report":{"inspected_on":"tomorrow","findings":""}}`)
	if code != http.StatusBadRequest {
		t.Fatalf("a bad checklist: %d %s", code, b)
	}
	for _, f := range []string{"inspected_on", "premises_suitable", "staff_qualified", "findings"} {
		if !strings.Contains(string(b), f) {
			t.Errorf("a bad checklist: %s not named in %s", f, b)
		}
	}
	report := fmt.Sprintf(`{"report":{"inspected_on":%q,"premises_suitable":true,"staff_qualified":true,"safety_measures":true,"records_kept":true,"findings":"Prostor i kadar u skladu sa standardima."}}`, today.Format(time.DateOnly))
	if code, b := doAs(t, ts, officer, "POST", one+"/inspection", report); code != http.StatusOK || !strings.Contains(string(b), `"state":"drafting"`) {
		t.Fatalf("the inspection: %d %s", code, b)
	}
	past := fmt.Sprintf(`{"outcome":"grant","valid_from":%q}`, today.AddDate(0, 0, -3).Format(time.DateOnly))
	if code, b := doAs(t, ts, officer, "POST", one+"/draft", past); code != http.StatusBadRequest || !strings.Contains(string(b), "valid_from") {
		t.Errorf("a licence dated in the past: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", one+"/draft", fmt.Sprintf(`{"outcome":"grant","valid_from":%q}`, start)); code != http.StatusOK || !strings.Contains(string(b), `"state":"approval"`) {
		t.Fatalf("the draft: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", one+"/approval", `{"outcome":"approve"}`); code != http.StatusForbidden || !strings.Contains(string(b), "four eyes") {
		t.Errorf("the drafter approves: %d %s; want 403 four eyes", code, b)
	}
	if code, b := doAs(t, ts, "jovana.ministry", "POST", one+"/approval", `{"outcome":"approve"}`); code != http.StatusOK || !strings.Contains(string(b), `"approved_by":"jovana.ministry"`) {
		t.Fatalf("the approval: %d %s", code, b)
	}
	d, err := acts.IssueLicenceDecision(ctx, activities.LicenceApplicationInput{ApplicationID: app.ID})
	if err != nil || !d.Granted || d.ValidUntil != providers.ValidUntil(today.AddDate(0, 1, 0)).Format(time.DateOnly) {
		t.Fatalf("the decision: %+v %v", d, err)
	}
	if again, err := acts.IssueLicenceDecision(ctx, activities.LicenceApplicationInput{ApplicationID: app.ID}); err != nil || again != d {
		t.Errorf("the decision issued again: %+v %v; want %+v", again, err, d)
	}
	if code, b := doAs(t, ts, "", "GET", "/api/v1/public/providers", ""); code != http.StatusOK || strings.Count(string(b), "Centar Oslonac") != 2 {
		t.Errorf("the public register: %d %s; want the two licences", code, b)
	}
	if code, b := doAs(t, ts, "nikola.maintainer", "GET", one+"/decision", ""); code != http.StatusOK || !strings.HasPrefix(string(b), "%PDF") {
		t.Errorf("the decision's PDF: %d %.40s", code, b)
	}
	if code, b := doAs(t, ts, officer, "GET", one+"/documents/premises", ""); code != http.StatusOK || !strings.Contains(string(b), "zakup") {
		t.Errorf("a document: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "nikola.maintainer", "GET", one+"?lang=en", ""); code != http.StatusOK || !strings.Contains(string(b), `"state_name":"Granted"`) {
		t.Errorf("the maintainer reads the decided application: %d %s", code, b)
	}
	// Three months before the licences expire the renewal opens; it
	// takes the maintainer's documents, every required one.
	n, err := acts.LicenceExpiryNotice(ctx, activities.LicenceNoticeInput{ApplicationID: app.ID, Kind: "expiry_3m"})
	if err != nil || n.RenewalID == 0 {
		t.Fatalf("the renewal: %+v %v", n, err)
	}
	renewal := fmt.Sprintf("%s/%d/documents", path, n.RenewalID)
	if code, b := portalForm(t, ts, "nikola.maintainer", renewal, nil, map[string][]byte{"premises": pdfDoc("zakup 2")}); code != http.StatusBadRequest ||
		!strings.Contains(string(b), "documents.staff_list") {
		t.Errorf("a renewal without its staff list: %d %s", code, b)
	}
	if code, b := portalForm(t, ts, "dusica.maintainer", renewal, nil, docs); code != http.StatusNotFound {
		t.Errorf("another maintainer sends the renewal's documents: %d %s", code, b)
	}
	if code, b := portalForm(t, ts, "nikola.maintainer", renewal, nil, map[string][]byte{"premises": pdfDoc("zakup 2"), "staff_list": pdfDoc("zaposleni 2")}); code != http.StatusOK ||
		!strings.Contains(string(b), `"state":"submitted"`) || tc.started[len(tc.started)-1] != workflows.LicenceID(n.RenewalID) {
		t.Errorf("the renewal's documents: %d %s (started %v)", code, b, tc.started)
	}
	if code, b := doAs(t, ts, "nikola.maintainer", "GET", path, ""); code != http.StatusOK || !strings.Contains(string(b), `"kind":"expiry_3m"`) {
		t.Errorf("the maintainer's notices: %d %s", code, b)
	}
}
