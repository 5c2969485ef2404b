package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// fakeRegisterAPI answers the staff's registers (issue 21) for the pages'
// tests: a guardian with a training, a foster family whose placement
// ended, one beneficiary of MO.
func fakeRegisterAPI(r *gin.Engine) {
	js := func(body string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(http.StatusOK, "application/json", []byte(body)) }
	}
	person := func(id, given, family, jmbg, assessments string) string {
		return `{"person_id":"` + id + `","jmbg":"` + jmbg + `","given_name":"` + given + `","family_name":"` + family +
			`","municipality":"ME-16","assessments":[` + assessments + `]}`
	}
	training := `{"id":1,"person_id":"` + memberID + `","kind":"training","role":"guardian","held_on":"2026-02-01","outcome":"completed","hours":12,` +
		`"centre_id":"csr-podgorica","recorded_by":"ana.caseworker"}`
	r.GET("/api/v1/registers/guardians", js(`{"role":"guardian","centre_id":"csr-podgorica","state":"current","entries":[{"decision_number":"CSR-7/2026",`+
		`"case_number":"`+caseMonitored+`","centre_id":"csr-podgorica","from":"2026-03-02","ended_on":null,"end_decision_number":"",`+
		`"carers":[`+person(memberID, "Milica", "Đurović", "0202975215007", training)+`],"wards":[`+person(personID, "Luka", "Perović", "0101010215005", "")+`],`+
		`"allowances_paid":null}]}`))
	r.GET("/api/v1/registers/foster-carers", js(`{"role":"foster_carer","centre_id":"csr-podgorica","state":"all","entries":[{"decision_number":"CSR-8/2026",`+
		`"case_number":"`+caseNumber+`","centre_id":"csr-podgorica","from":"2026-03-02","ended_on":"2026-09-02","end_decision_number":"CSR-19/2026",`+
		`"carers":[`+person(memberID, "Vesna", "Knežević", "0404978215001", "")+`,`+person(refusedID, "Zoran", "Knežević", "0505976215004", "")+`],`+
		`"wards":[`+person(personID, "Nina", "Lakić", "0303012215003", "")+`],"allowances_paid":"1240.00"}]}`))
	r.GET("/api/v1/registers/beneficiaries", js(`{"benefit":"MO","on":"2026-11-30","centre_id":"","count":1,"beneficiaries":[{"person_id":"`+personID+`",`+
		`"jmbg":"0101980215006","given_name":"Ana","family_name":"Vuković","municipality":"ME-16","centre_id":"csr-podgorica","entitlement_id":"e1",`+
		`"amount":"100.00","from":"2024-01-01","decision_number":"CSR-1/2024","decision_date":"2024-01-01"}]}`))
}

// TestAssessmentFormSendsWhatWasChosen: the register's form under a carer
// sends the assessment to the API as the caseworker chose it (the hours a
// number) and goes back to the register; a refusal comes back as the
// page's message.
func TestAssessmentFormSendsWhatWasChosen(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	key := "POST /api/v1/registers/carers/" + memberID + "/assessments"
	api := &boardsAPI{got: map[string][]byte{}, code: map[string]int{key: http.StatusCreated}, body: map[string]string{key: `{}`}}
	s := &server{cfg: Config{API: api, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}
	params := gin.Params{{Key: "id", Value: memberID}}
	w := s.send("ana.caseworker", "POST", "/registers/carers/"+memberID+"/assessments", url.Values{"register": {"foster-carers"}, "role": {"foster_carer"},
		"kind": {"training"}, "held_on": {"2026-11-20"}, "outcome": {"completed"}, "hours": {"24"}}, params, s.recordAssessment)
	var sent map[string]any
	if err := json.Unmarshal(api.got[key], &sent); err != nil || sent["kind"] != "training" || sent["role"] != "foster_carer" ||
		sent["held_on"] != "2026-11-20" || sent["outcome"] != "completed" || sent["hours"] != float64(24) {
		t.Errorf("the assessment sent: %v %v", sent, err)
	}
	if loc := w.Header().Get("Location"); loc != "/registers?register=foster-carers" {
		t.Errorf("after the assessment: to %q", loc)
	}
	api.code[key], api.body[key] = http.StatusBadRequest, `{"error":{"code":"invalid","field":"held_on","message":"2027-01-01 is in the future"}}`
	w = s.send("ana.caseworker", "POST", "/registers/carers/"+memberID+"/assessments", url.Values{"register": {"elsewhere"}, "role": {"guardian"},
		"kind": {"suitability"}, "held_on": {"2027-01-01"}, "outcome": {"suitable"}}, params, s.recordAssessment)
	if f := flashOf(w); f == "" || w.Header().Get("Location") != "/registers?register=guardians" {
		t.Errorf("a refused assessment: %q to %q", f, w.Header().Get("Location"))
	}
}

// TestDecisionNamesCarersByJMBG: the decision form takes the guardian or
// foster carers by JMBG, sends the API the registered person's id, keeps a
// line that is not a JMBG as typed, and refuses a JMBG nobody registered
// has on the field, in the page's language, without sending anything.
func TestDecisionNamesCarersByJMBG(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cfg: Config{API: fakeAPI(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}
	var sent url.Values
	var errs map[string]string
	resolve := func(c *gin.Context) {
		sent, errs = s.carersByJMBG(c, url.Values{"f.carers": {"0103986215005\n\n" + memberID + "\n"}, "f.kind": {"guardian_appointment"}})
		c.Status(http.StatusNoContent)
	}
	s.request(t, "en", "ana.caseworker", http.MethodPost, "/cases/"+caseMonitored+"/actions/prepare-decision", nil, url.Values{}, resolve)
	if errs != nil || sent.Get("f.carers") != personID+"\n"+memberID || sent.Get("f.kind") != "guardian_appointment" {
		t.Fatalf("carers by JMBG: sent %v, errors %v; want the person's id, then the id as typed", sent, errs)
	}
	for lang, want := range map[string]string{"en": "No registered person has the JMBG " + unknownJMBG, "cnr": "Nijedno upisano lice nema JMBG " + unknownJMBG} {
		form := url.Values{"f.kind": {"guardian_appointment"}, "f.carers": {unknownJMBG}}
		body, status := s.request(t, lang, "ana.caseworker", http.MethodPost, "/cases/"+caseMonitored+"/actions/prepare-decision",
			gin.Params{{Key: "number", Value: caseMonitored}, {Key: "action", Value: "prepare-decision"}}, form, s.caseAction)
		if status != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s: an unknown JMBG = %d, want 400 saying %q", lang, status, want)
		}
	}
}
