package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/professionals"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// TestProfessionalRegisterAndLearning: an officer puts Ana on the
// register, every bad exam and licence named; Ana reads her own record but
// not the register; the head reads the centre's; Ana enrols, fails and
// then passes a course's test, the hours credited once.
func TestProfessionalRegisterAndLearning(t *testing.T) {
	ts, _ := newServerWith(t, unreachableTemporal{})
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/professionals", `{"username":"ana.caseworker"}`); code != http.StatusForbidden {
		t.Fatalf("a caseworker registers: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", "/api/v1/professionals", `{"username":"nina.finance"}`); code != http.StatusBadRequest || !strings.Contains(string(b), `"field":"username"`) {
		t.Errorf("a finance officer registered: %d %s", code, b)
	}
	code, b := doAs(t, ts, officer, "POST", "/api/v1/professionals", `{"username":"ana.caseworker"}`)
	if code != http.StatusCreated {
		t.Fatalf("register: %d %s", code, b)
	}
	var p struct{ ID int64 }
	_ = json.Unmarshal(b, &p)
	if code, _ := doAs(t, ts, officer, "POST", "/api/v1/professionals", `{"username":"ana.caseworker"}`); code != http.StatusConflict {
		t.Errorf("registered twice: %d", code)
	}
	base := fmt.Sprintf("/api/v1/professionals/%d", p.ID)
	// No exam yet, a bad number, an end before the start: all named.
	code, b = doAs(t, ts, officer, "POST", base+"/licences", `{"number":"x","valid_from":"2026-01-01","valid_until":"2025-01-01"}`)
	for _, f := range []string{"number", "exam", "valid_until"} {
		if code != http.StatusBadRequest || !strings.Contains(string(b), `"field":"`+f+`"`) {
			t.Errorf("a bad licence: %d %s; want a fault on %s", code, b, f)
		}
	}
	if code, b := doAs(t, ts, officer, "POST", base+"/exam", `{"passed_on":"2999-01-01"}`); code != http.StatusBadRequest {
		t.Errorf("an exam in the future: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", base+"/exam", `{"passed_on":"2020-06-01"}`); code != http.StatusOK {
		t.Fatalf("exam: %d %s", code, b)
	}
	from := time.Now().AddDate(-1, 0, 0).Format(time.DateOnly)
	code, b = doAs(t, ts, officer, "POST", base+"/licences", `{"number":"LR-API-1","valid_from":"`+from+`"}`)
	if code != http.StatusCreated || !strings.Contains(string(b), `"licensed":true`) {
		t.Fatalf("licence: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/professionals", ""); code != http.StatusForbidden {
		t.Errorf("a caseworker reads the register: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/me/professional", ""); code != http.StatusOK || !strings.Contains(string(b), `"registered":true`) {
		t.Errorf("her own record: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "sanja.head", "GET", "/api/v1/professionals", ""); code != http.StatusOK || !strings.Contains(string(b), `"username":"ana.caseworker"`) {
		t.Errorf("the head reads the centre's register: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "sanja.head", "GET", base, ""); code != http.StatusOK || !strings.Contains(string(b), `"username":"ana.caseworker"`) ||
		!strings.Contains(string(b), `"LR-API-1"`) {
		t.Errorf("the head reads one professional of the centre: %d %s; want her record with the licence", code, b)
	}
	if code, b := doAs(t, ts, "sanja.head", "GET", "/api/v1/professionals?centre_id=csr-niksic", ""); code != http.StatusForbidden {
		t.Errorf("the head reads another centre's: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "jelena.caseworker", "GET", base, ""); code != http.StatusForbidden {
		t.Errorf("another centre's caseworker reads Ana: %d %s", code, b)
	}

	course := `{"code":"ethics","title":{"cnr":"Etika","en":"Ethics"},"body":{"cnr":"Tekst","en":"Text"},"hours":"8","pass_mark":100,` +
		`"questions":[{"text":{"cnr":"Da?","en":"Yes?"},"options":[{"cnr":"Da","en":"Yes"},{"cnr":"Ne","en":"No"}],"answer":0}]}`
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/courses", course); code != http.StatusForbidden {
		t.Errorf("a caseworker publishes: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", "/api/v1/courses", `{"code":"X","title":{"cnr":"","en":""},"body":{"cnr":"a","en":"b"},"hours":"0","pass_mark":0,"questions":[]}`); code != http.StatusBadRequest || strings.Count(string(b), `"field"`) < 5 {
		t.Errorf("a bad course: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", "/api/v1/courses", course); code != http.StatusCreated {
		t.Fatalf("publish: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/courses/ethics", ""); code != http.StatusOK || strings.Contains(string(b), `"answer"`) {
		t.Errorf("the course: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/courses/ethics/attempts", `{"version":1,"answers":[0]}`); code != http.StatusConflict {
		t.Errorf("a test without enrolment: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/courses/ethics/enrolment", `{}`); code != http.StatusOK {
		t.Fatalf("enrol: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/courses/ethics/attempts", `{"version":1,"answers":[7]}`); code != http.StatusBadRequest || !strings.Contains(string(b), `"answers.0"`) {
		t.Errorf("an answer out of range: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/courses/ethics/attempts", `{"version":1,"answers":[1]}`); code != http.StatusOK || !strings.Contains(string(b), `"passed":false`) {
		t.Errorf("a failed test: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/courses/ethics/attempts", `{"version":1,"answers":[0]}`); code != http.StatusOK || !strings.Contains(string(b), `"hours_credited":"8.0"`) {
		t.Errorf("a passed test: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/courses/ethics/attempts", `{"version":1,"answers":[0]}`); code != http.StatusConflict {
		t.Errorf("passing again: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/me/professional", ""); !strings.Contains(string(b), `"hours":"8.0"`) {
		t.Errorf("her hours after the pass: %d %s", code, b)
	}
}

// TestCaseManagerMustBeLicensed: a guardianship (P01) needs a licensed case
// manager: opening it for Ivan, who holds no licence, is a 400 on
// data.case_manager naming him and why, in the caller's language; for Ana,
// licensed, the opening goes on to the workflow (here: Temporal down, 503).
// A counselling case (P07) takes Ivan.
func TestCaseManagerMustBeLicensed(t *testing.T) {
	ts, db := newServerWith(t, unreachableTemporal{})
	ctx := context.Background()
	jmbg, _ := domain.MakeJMBG(time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), 21, 7)
	child := seedPerson(t, db, string(jmbg), "Podgorica", "Marko", "Marković")
	open := func(procedure string) string {
		number, err := db.NextCaseNumber(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: procedure, Version: 1, CentreID: "csr-podgorica",
			Status: "open", Stage: "opening", OpenedBy: "seed", OpenedAt: time.Now(), Persons: []store.CasePerson{{PersonID: child.ID, Role: "beneficiary"}}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateTask(ctx, store.Task{ID: "case:" + number + ":opening-1", WorkflowID: workflows.CaseWorkflowID(number), Type: "case_stage",
			Subject: number, PersonID: child.ID, CentreID: "csr-podgorica", CandidateRole: "caseworker", DueAt: time.Now().Add(time.Hour),
			Data: json.RawMessage(`{"stage":"opening","form":"opening"}`)}); err != nil {
			t.Fatal(err)
		}
		return "/api/v1/cases/" + number + "/stages/opening"
	}
	ana, err := db.CreateProfessional(ctx, store.Professional{Username: "ana.caseworker", CentreID: "csr-podgorica", CreatedBy: officer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordExam(ctx, ana.ID, time.Now().AddDate(-3, 0, 0), officer); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddProfessionalLicence(ctx, ana.ID, store.ProfessionalLicence{Licence: licenceFor("LR-CASE-1"), RecordedBy: officer}); err != nil {
		t.Fatal(err)
	}
	guardianship := open("P01")
	code, b := doAs(t, ts, "marko.supervisor", "POST", guardianship, `{"data":{"case_manager":"ivan.caseworker"}}`)
	if code != http.StatusBadRequest || !strings.Contains(string(b), `"field":"data.case_manager"`) ||
		!strings.Contains(string(b), "Ivan Bošković nema važeću licencu za rad") {
		t.Errorf("an unlicensed manager of a guardianship: %d %s; want 400 naming Ivan in Montenegrin", code, b)
	}
	if err := db.SetLanguage(ctx, "marko.supervisor", "en"); err != nil {
		t.Fatal(err)
	}
	if code, b := doAs(t, ts, "marko.supervisor", "POST", guardianship, `{"data":{"case_manager":"ivan.caseworker"}}`); code != http.StatusBadRequest ||
		!strings.Contains(string(b), "Ivan Bošković holds no licence to work in force") {
		t.Errorf("in English: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "marko.supervisor", "POST", guardianship, `{"data":{"case_manager":"ana.caseworker"}}`); code != http.StatusServiceUnavailable {
		t.Errorf("a licensed manager: %d %s; want the workflow's turn (503, Temporal down)", code, b)
	}
	if code, b := doAs(t, ts, "marko.supervisor", "POST", open("P07"), `{"data":{"case_manager":"ivan.caseworker"}}`); code != http.StatusServiceUnavailable {
		t.Errorf("counselling with an unlicensed manager: %d %s; want the workflow's turn (503)", code, b)
	}
}

// licenceFor is a licence to work in force: from a year ago for six years.
func licenceFor(number string) professionals.Licence {
	from := time.Now().UTC().AddDate(-1, 0, 0).Truncate(24 * time.Hour)
	return professionals.Licence{Number: number, ValidFrom: from, ValidUntil: professionals.ValidUntil(from)}
}
