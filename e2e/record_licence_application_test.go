package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/karton-social/karton/workflows"
)

// licenceApplication: a maintainer's e-application to register a company
// not yet on the register, with its documents, over the API (issue 21,
// item 1). The first is inspected, its refusal drafted by one ministry
// officer and approved by another: the decision is issued and the Licence
// workflow ends (licence_refused.json). The maintainer files again; this
// time the draft grants the licence, is sent back once and drafted again,
// and is approved: the decision is issued and the workflow sleeps until
// six months before the licence expires (licence_granted.json, saved
// while it waits).
func (r *recorder) licenceApplication(t *testing.T) {
	app := r.fileLicence(t)
	r.inspectLicence(t, app)
	r.licenceAct(t, "goran.ministry", app, "draft", `{"outcome":"refuse","reasons":"Prostor nije prilagođen korisnicima usluga."}`, "approval")
	r.licenceAct(t, "jovana.ministry", app, "approval", `{"outcome":"approve"}`, "refused")
	r.saveDone(t, "licence_refused.json", workflows.LicenceID(app))

	app = r.fileLicence(t)
	r.inspectLicence(t, app)
	grant := fmt.Sprintf(`{"outcome":"grant","valid_from":%q}`, time.Now().AddDate(0, 1, 0).Format(time.DateOnly))
	r.licenceAct(t, "goran.ministry", app, "draft", grant, "approval")
	r.licenceAct(t, "jovana.ministry", app, "approval", `{"outcome":"send_back"}`, "drafting")
	r.licenceAct(t, "jovana.ministry", app, "draft", grant, "approval")
	r.licenceAct(t, "goran.ministry", app, "approval", `{"outcome":"approve"}`, "")
	id := workflows.LicenceID(app)
	r.waitEvents(t, id, enumspb.EVENT_TYPE_TIMER_STARTED, 1) // the decision is issued; it sleeps until the first expiry warning
	r.save(t, "licence_granted.json", id)
}

// fileLicence files nikola.maintainer's application to register his
// company, with its statute, premises and staff list, and waits for its
// completeness check to send it to inspection; it returns its id.
func (r *recorder) fileLicence(t *testing.T) int64 {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	start := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	for _, f := range [][2]string{{"kind", "registration"}, {"name", "Centar Oslonac d.o.o."}, {"street", "Bulevar Svetog Petra Cetinjskog 5"},
		{"municipality", "Podgorica"}, {"founded_on", "2024-01-10"}, {"services", "counselling"}, {"start_on", start}} {
		_ = mw.WriteField(f[0], f[1])
	}
	for _, d := range []string{"statute", "premises", "staff_list"} {
		fw, _ := mw.CreateFormFile(d, d+".pdf")
		_, _ = fw.Write([]byte("%PDF-1.4\n" + d + "\n%%EOF\n"))
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", r.api+"/licence-applications", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	tok, err := r.s.Token("nikola.maintainer")
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var app struct {
		ID    int64
		State string
	}
	if err := json.NewDecoder(resp.Body).Decode(&app); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("file a licence application = %d %v", resp.StatusCode, err)
	}
	r.waitLicenceState(t, app.ID, "inspection")
	return app.ID
}

// inspectLicence records the inspection's report of the application.
func (r *recorder) inspectLicence(t *testing.T, app int64) {
	t.Helper()
	report := fmt.Sprintf(`{"report":{"inspected_on":%q,"premises_suitable":true,"staff_qualified":true,"safety_measures":true,"records_kept":true,"findings":"Prostor i kadar pregledani."}}`,
		time.Now().Format(time.DateOnly))
	r.licenceAct(t, "goran.ministry", app, "inspection", report, "drafting")
}

// licenceAct posts body to the application's action as user and, when
// want is not empty, waits for the application to stand in state want.
func (r *recorder) licenceAct(t *testing.T, user string, app int64, action, body, want string) {
	t.Helper()
	if code, b := as(t, user, "POST", fmt.Sprintf("%s/licence-applications/%d/%s", r.api, app, action), body); code != http.StatusOK {
		t.Fatalf("%s of licence application %d by %s = %d %s", action, app, user, code, b)
	}
	if want != "" {
		r.waitLicenceState(t, app, want)
	}
}

// waitLicenceState waits until the application stands in state.
func (r *recorder) waitLicenceState(t *testing.T, app int64, state string) {
	t.Helper()
	var got struct{ State string }
	for deadline := time.Now().Add(60 * time.Second); got.State != state; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("licence application %d is %q; want %q", app, got.State, state)
		}
		_, b := as(t, "goran.ministry", "GET", fmt.Sprintf("%s/licence-applications/%d", r.api, app), "")
		_ = json.Unmarshal(b, &got)
	}
}
