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

const careResident = `{"placement_id":5,"name":"Stana Vukić","birth_date":"1938-03-01","age":88,"institution_id":"dom-grabovac",
	"institution_name":"JU Dom za stare \"Grabovac\"","unit":"Odjeljenje A","room":"Soba 1","bed":"1/A","admitted_on":"2026-09-01"}`

const carePlan = `{"placement_id":5,"version":2,"latest":2,"saved_by":"bojana.social","saved_at":"2026-11-20T10:00:00Z",
	"data":{"goals":[{"goal":"Samostalno kretanje uz pomagalo","responsible":"fizioterapeut","due":"2027-03-01"}],
		"activities":[{"activity":"Šetnja u dvorištu","frequency":"svaki dan"}],"contacts":[{"name":"Ana Vukić","relation":"kćerka","phone":"+382 67 123 456"}],
		"visitors_barred":[{"name":"Petar Vukić","reason":"sudska zabrana prilaska"}],"visitors_allowed":[{"name":"Ana Vukić","relation":"kćerka"}]},
	"versions":[{"version":2,"saved_by":"bojana.social","saved_at":"2026-11-20T10:00:00Z"},{"version":1,"saved_by":"bojana.social","saved_at":"2026-10-01T09:00:00Z"}],
	"visit_rules":[{"visitor_name":"Petar Vukić","allowed":false,"reason":"sudska zabrana prilaska","set_by":"bojana.social","set_at":"2026-11-20T10:00:00Z"},
		{"visitor_name":"Ana Vukić","allowed":true,"reason":"kćerka","set_by":"bojana.social","set_at":"2026-11-20T10:00:00Z"}]}`

// fakeCareAPI answers the resident's routes as the API does for the
// institution's staff: the medical records for the medical staff only.
func fakeCareAPI(r *gin.Engine) {
	js := func(status int, body string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(status, "application/json", []byte(body)) }
	}
	r.GET("/api/v1/residents/:placement", js(200, careResident))
	r.GET("/api/v1/residents/:placement/plan", js(200, carePlan))
	r.PUT("/api/v1/residents/:placement/plan", js(400, `{"error":{"code":"invalid","message":"2 fields are invalid","fields":[
		{"field":"data.goals.0.goal","message":"length must be >= 3, but got 1"},
		{"field":"data.visitors_allowed.0.name","message":"Petar Vukić is also barred from visiting (visitors_barred.0): a person may not be both"}]}}`))
	r.GET("/api/v1/residents/:placement/notes", js(200, `{"placement_id":5,"notes":[
		{"id":7,"date":"2026-11-21","text":"Ispravka: kćerka dolazi nedjeljom.","corrects":6,"written_by":"bojana.social","written_at":"2026-11-21T09:00:00Z"},
		{"id":6,"date":"2026-11-20","text":"Kćerka dolazi subotom.","written_by":"bojana.social","written_at":"2026-11-20T09:00:00Z"}]}`))
	r.POST("/api/v1/residents/:placement/notes", js(400, `{"error":{"code":"invalid","message":"2 fields are invalid","fields":[
		{"field":"date","message":"2030-01-01 is in the future"},{"field":"text","message":"is required"}]}}`))
	r.GET("/api/v1/residents/:placement/medical-records", js(200, `{"placement_id":5,"records":[
		{"id":3,"date":"2026-11-03","kind":"diagnosis","text":"Hipertenzija, terapija po protokolu.","written_by":"milan.nurse","written_at":"2026-11-03T08:00:00Z"}]}`))
	r.POST("/api/v1/residents/:placement/medical-records", js(400, `{"error":{"code":"invalid","message":"2 fields are invalid","fields":[
		{"field":"kind","message":"\"gossip\" is not a kind of medical record: examination, diagnosis, note, referral"},{"field":"text","message":"is required"}]}}`))
}

// carePageCases are the resident's pages in both languages (language_test.go).
func carePageCases(s *server) []pageCase {
	return []pageCase{
		{name: "resident: the social worker", tpl: "resident", run: get(s, "bojana.social", "/residents/5", s.residentPage, "placement", "5"),
			want: map[string][]string{"cnr": {"Stana Vukić", "Individualni plan", "Verzija 2", "Bojana Ivanović", "zabranjene", "Petar Vukić", "ispravlja bilješku #6", "Dodaj bilješku", "01.03.1938."},
				"en": {"Individual plan", "Version 2, saved by Bojana Ivanović", "barred", "corrects note #6", "Add the note"}}},
		{name: "resident: a note refused", tpl: "resident", run: post(s, "bojana.social", "/residents/5/notes", url.Values{"date": {"2030-01-01"}, "text": {""}},
			s.addResidentNote, "placement", "5"), want: map[string][]string{"cnr": {"u budućnosti"}, "en": {"in the future"}}},
		{name: "resident plan: the form", tpl: "resident_plan", run: get(s, "bojana.social", "/residents/5/plan", s.residentPlanPage, "placement", "5"),
			want: map[string][]string{"cnr": {"Lica koja ne smiju posjećivati korisnika", "Sačuvaj novu verziju plana", `value="sudska zabrana prilaska"`}, "en": {"Persons who may not visit", "Save a new version of the plan"}}},
		{name: "resident plan: refused", tpl: "resident_plan", run: post(s, "bojana.social", "/residents/5/plan",
			url.Values{"base_version": {"2"}, "f.goals.0.goal": {"x"}, "f.visitors_barred.0.name": {"Petar Vukić"}, "f.visitors_barred.0.reason": {"zabrana"},
				"f.visitors_allowed.0.name": {"Petar Vukić"}, "f.visitors_allowed.0.relation": {"sin"}}, s.saveResidentPlan, "placement", "5"),
			want: map[string][]string{"cnr": {`value="x"`}, "en": {`value="x"`}}},
		{name: "resident: the nurse", tpl: "resident", run: get(s, "milan.nurse", "/residents/5", s.residentPage, "placement", "5"),
			want: map[string][]string{"cnr": {"Medicinska dokumentacija", `href="/residents/5/medical"`}, "en": {"Open the medical records"}}},
		{name: "resident medical records", tpl: "resident_medical", run: get(s, "milan.nurse", "/residents/5/medical", s.medicalPage, "placement", "5"),
			want: map[string][]string{"cnr": {"dijagnoza", "Hipertenzija", "Milan Đurović"}, "en": {"diagnosis", "Add the entry"}}},
		{name: "resident medical: refused", tpl: "resident_medical", run: post(s, "milan.nurse", "/residents/5/medical", url.Values{"kind": {"gossip"}},
			s.addMedicalEntry, "placement", "5")},
	}
}

// TestResidentPageShowsNoTraceOfMedicalRecords: for the social worker and
// the director the resident's page has no medical section, link or word;
// the director reads the plan and notes without their forms.
func TestResidentPageShowsNoTraceOfMedicalRecords(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cfg: Config{API: fakeAPI(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}
	for _, user := range []string{"bojana.social", "vera.director"} {
		for _, lang := range languages {
			body, status := s.request(t, lang, user, http.MethodGet, "/residents/5", gin.Params{{Key: "placement", Value: "5"}}, nil, s.residentPage)
			low := strings.ToLower(body)
			if status != http.StatusOK || strings.Contains(low, "medic") || strings.Contains(body, "Hipertenzija") {
				t.Errorf("%s (%s): %d, a trace of the medical records: %.300s", user, lang, status, body)
			}
			if user == "vera.director" && (strings.Contains(body, `id="form-note"`) || !strings.Contains(body, "Petar Vukić")) {
				t.Errorf("the director's page: the note form shown or the plan not: %.300s", body)
			}
		}
	}
}

// TestPlanValuesFillTheForm: a saved plan fills its form's rows, and the
// form read back is the plan.
func TestPlanValuesFillTheForm(t *testing.T) {
	sch, err := planSchema()
	if err != nil {
		t.Fatal(err)
	}
	var plan struct{ Data obj }
	if err := json.Unmarshal([]byte(carePlan), &plan); err != nil {
		t.Fatal(err)
	}
	values := planValues(sch, plan.Data)
	if values.Get("f.visitors_barred.0.reason") != "sudska zabrana prilaska" || values.Get("f.goals.0.due") != "2027-03-01" {
		t.Errorf("values: %v", values)
	}
	var back any
	_ = json.Unmarshal(sch.read(values), &back)
	raw, _ := json.Marshal(plan.Data)
	if got, _ := json.Marshal(back); string(got) != string(raw) {
		t.Errorf("read back %s; want %s", got, raw)
	}
}
