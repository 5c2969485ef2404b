package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

type searchAnswer struct {
	Persons []struct {
		ID         string
		GivenName  string   `json:"given_name"`
		FamilyName string   `json:"family_name"`
		BirthDate  string   `json:"birth_date"`
		OpenRights []string `json:"open_rights"`
		OpenCases  int      `json:"open_cases"`
	}
	Total, Offset, Limit int
}

func search(t *testing.T, ts *httptest.Server, user, query string) (int, searchAnswer, []byte) {
	t.Helper()
	code, body := doAs(t, ts, user, "GET", "/api/v1/persons?"+query, "")
	var a searchAnswer
	_ = json.Unmarshal(body, &a)
	return code, a, body
}

// newJMBGBorn is a new JMBG of a person born on birth.
func newJMBGBorn(birth time.Time) string {
	jmbgSerial++
	j, err := domain.MakeJMBG(birth, 21, jmbgSerial)
	if err != nil {
		panic(err)
	}
	return string(j)
}

// The search finds a name typed without its diacritics, tells how many it
// found and pages through them, finds by date of birth, says plainly when
// it finds nobody, keeps within the caller's centre, and names every
// person it lists in the audit record.
func TestPersonSearch(t *testing.T) {
	ctx := context.Background()
	ts, db := newServerWith(t, nil)
	milica := seedPerson(t, db, newJMBGBorn(time.Date(1985, 3, 12, 0, 0, 0, 0, time.UTC)), "Podgorica", "Milica", "Đurović")
	seedPerson(t, db, newJMBG(21), "Podgorica", "Marko", "Đurović")
	seedPerson(t, db, newJMBG(26), "Nikšić", "Nikola", "Đurović")
	for range 25 {
		seedPerson(t, db, newJMBG(21), "Podgorica", "Ana", "Perović")
	}
	for _, name := range []string{"Djurovic", "Durovic", "Đurović", "djurović"} {
		code, a, body := search(t, ts, "ana.caseworker", "name="+url.QueryEscape(name))
		if code != http.StatusOK || a.Total != 2 || len(a.Persons) != 2 {
			t.Errorf("name=%s = %d %s; want the two Đurović of Podgorica", name, code, body)
		}
	}
	code, a, body := search(t, ts, "ana.caseworker", "name=perovic")
	if code != http.StatusOK || a.Total != 25 || len(a.Persons) != 20 || a.Limit != 20 || a.Offset != 0 {
		t.Errorf("name=perovic = %d %s; want 20 of 25", code, body)
	}
	if _, a, body = search(t, ts, "ana.caseworker", "name=perovic&offset=20"); a.Total != 25 || len(a.Persons) != 5 || a.Offset != 20 {
		t.Errorf("name=perovic&offset=20 = %s; want the last 5 of 25", body)
	}
	if _, a, body = search(t, ts, "ana.caseworker", "birth_date=1985-03-12"); a.Total != 1 || a.Persons[0].ID != string(milica.ID) || a.Persons[0].BirthDate != "1985-03-12" {
		t.Errorf("birth_date=1985-03-12 = %s; want Milica", body)
	}
	if _, a, body = search(t, ts, "ana.caseworker", "name=Marko&birth_date=1985-03-12"); a.Total != 0 || a.Persons == nil {
		t.Errorf("Marko born 1985-03-12 = %s; want none, said as an empty list and a total of 0", body)
	}
	// Nikšić's caseworker finds Nikšić's Đurović only; Podgorica's by JMBG is refused.
	if _, a, body = search(t, ts, "jelena.caseworker", "name=durovic"); a.Total != 1 || a.Persons[0].GivenName != "Nikola" {
		t.Errorf("Nikšić's search = %s; want Nikola only", body)
	}
	if code, _, body := search(t, ts, "jelena.caseworker", "jmbg="+string(milica.JMBG)); code != http.StatusForbidden {
		t.Errorf("another centre's person by JMBG = %d %s; want 403", code, body)
	}
	// The ministry's appeals officers search every centre.
	if _, a, body = search(t, ts, "vesna.appeals", "name=durovic"); a.Total != 3 {
		t.Errorf("the appeals officer's search = %s; want the three Đurović", body)
	}
	for _, tt := range []struct{ query, field string }{
		{"birth_date=12.03.1985", "birth_date"}, {"name=x&limit=0", "limit"}, {"name=x&offset=-1", "offset"}, {"", "jmbg"},
		{"name=" + strings.Repeat("a", 101), "name"},
	} {
		code, _, body := search(t, ts, "ana.caseworker", tt.query)
		var e errBody
		_ = json.Unmarshal(body, &e)
		if code != http.StatusBadRequest || e.Error.Field != tt.field {
			t.Errorf("?%s = %d %s; want 400 on %s", tt.query, code, body, tt.field)
		}
	}
	var named int
	err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE purpose = 'person_search' AND person_ids @> ARRAY[$1]::uuid[]`, string(milica.ID)).Scan(&named)
	if err != nil || named == 0 {
		t.Errorf("no audit record of a search names the person it found (%v)", err)
	}
}

// A caseworker of the person's centre takes the population register's
// name and address, or corrects them by hand with a reason; both are in
// the audit log with their purpose and keep the values before and after.
// Nobody else may.
func TestCorrectARegistration(t *testing.T) {
	ctx := context.Background()
	ts, db := newServerWith(t, nil)
	p := seedPerson(t, db, "2101006500003", "Podgorica", "Jovana", "Vujović")
	path := "/api/v1/persons/" + string(p.ID)
	if code, body := doAs(t, ts, "ana.caseworker", "POST", path+"/register-values", ""); code != http.StatusConflict {
		t.Errorf("register values before the register answered = %d %s; want 409", code, body)
	}
	at := time.Now()
	if _, err := db.RecordAnswer(ctx, store.Exchange{RequestID: "r-mup-1", PersonID: p.ID, Source: domain.SourcePopulation, RequestedAt: at, AnsweredAt: at,
		ResponseHash: "h", Body: []byte(`{}`)}, []store.Fact{
		{Kind: domain.KindIdentity, ValidFrom: at, Value: []byte(`{"jmbg":"2101006500003","given_name":"Stefan","family_name":"Bulatović","birth_date":"2006-01-21","sex":"M","alive":true}`)},
		{Kind: domain.KindResidence, ValidFrom: at, Value: []byte(`{"municipality":"ME-16","settlement":"Podgorica","street":"Njegoševa 7"}`)},
	}); err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"jelena.caseworker", "nina.finance", "vesna.appeals", "tea.auditor"} {
		if code, body := doAs(t, ts, user, "POST", path+"/register-values", ""); code != http.StatusForbidden {
			t.Errorf("%s takes the register's values = %d %s; want 403", user, code, body)
		}
	}
	if code, body := doAs(t, ts, "ana.caseworker", "POST", path+"/register-values", `{"fields":["nickname"]}`); code != http.StatusBadRequest {
		t.Errorf("fields=[nickname] = %d %s; want 400", code, body)
	}
	code, body := doAs(t, ts, "ana.caseworker", "POST", path+"/register-values", `{"fields":["family_name"]}`)
	var got struct {
		Person  struct{ GivenName, FamilyName string }
		Changed []string
	}
	_ = json.Unmarshal(body, &got)
	if code != http.StatusOK || !strings.Contains(string(body), `"family_name":"Bulatović"`) || !strings.Contains(string(body), `"given_name":"Jovana"`) ||
		fmt.Sprint(got.Changed) != "[family_name]" {
		t.Fatalf("take the family name = %d %s", code, body)
	}
	code, body = doAs(t, ts, "marko.supervisor", "POST", path+"/register-values", "")
	if code != http.StatusOK || !strings.Contains(string(body), `"given_name":"Stefan"`) || !strings.Contains(string(body), `"street":"Njegoševa 7"`) ||
		!strings.Contains(string(body), `"changed":["given_name","address"]`) {
		t.Fatalf("take the rest = %d %s", code, body)
	}
	if code, body = doAs(t, ts, "ana.caseworker", "POST", path+"/register-values", ""); code != http.StatusOK || !strings.Contains(string(body), `"changed":[]`) {
		t.Errorf("taking them again = %d %s; want 200 and nothing changed", code, body)
	}
	// By hand: the reason is required; the values are checked as at registration.
	correction := func(given, reason string) string {
		return fmt.Sprintf(`{"given_name":%q,"family_name":"Bulatović","address":{"municipality":"Podgorica","settlement":"Podgorica","street":"Njegoševa 7"},"reason":%q}`, given, reason)
	}
	for _, tt := range []struct{ body, field string }{{correction("Stefan", ""), "reason"}, {correction("St3fan", "x"), "given_name"}, {`{"given_name":"A","colour":1}`, ""}} {
		code, body := doAs(t, ts, "ana.caseworker", "POST", path+"/corrections", tt.body)
		var e errBody
		_ = json.Unmarshal(body, &e)
		if code != http.StatusBadRequest || e.Error.Field != tt.field {
			t.Errorf("correction %s = %d %s; want 400 on %q", tt.body, code, body, tt.field)
		}
	}
	if code, body := doAs(t, ts, "jelena.caseworker", "POST", path+"/corrections", correction("Stevan", "x")); code != http.StatusForbidden {
		t.Errorf("another centre's correction = %d %s; want 403", code, body)
	}
	code, body = doAs(t, ts, "ana.caseworker", "POST", path+"/corrections", correction("Stevan", "lična karta viđena"))
	if code != http.StatusOK || !strings.Contains(string(body), `"given_name":"Stevan"`) || !strings.Contains(string(body), `"changed":["given_name"]`) {
		t.Fatalf("correction by hand = %d %s", code, body)
	}
	list, err := db.PersonCorrections(ctx, p.ID)
	if err != nil || len(list) != 3 || list[0].Source != "hand" || list[0].Reason != "lična karta viđena" || list[0].Before.GivenName != "Stefan" ||
		list[2].Source != "register" || list[2].Before.FamilyName != "Vujović" || len(list[2].Evidence) != 2 {
		t.Errorf("corrections kept = %+v, %v", list, err)
	}
	for purpose, want := range map[string]int{"register_values": 3, "person_correction": 1} {
		var n int
		err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE purpose = $1 AND outcome = 'allowed' AND person_ids @> ARRAY[$2]::uuid[]`,
			purpose, string(p.ID)).Scan(&n)
		if err != nil || n != want {
			t.Errorf("allowed audit records with purpose %s naming the person = %d (%v); want %d", purpose, n, err, want)
		}
	}
	var denied int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE outcome = 'denied' AND purpose IN ('register_values', 'person_correction')`).Scan(&denied); err != nil || denied != 5 {
		t.Errorf("denied corrections in the audit log = %d (%v); want 5", denied, err)
	}
}

// Pages name persons: the inbox's tasks, a claim's persons and the case
// list's persons carry their names, read at the time of the request.
func TestNamesWherePersonsAppear(t *testing.T) {
	ctx := context.Background()
	ts, db := newServerWith(t, nil)
	p := seedPerson(t, db, newJMBG(21), "Podgorica", "Milica", "Đurović")
	cl, err := db.CreateClaim(ctx, store.Claim{Benefit: "DNJP", ApplicantID: p.ID, CentreID: p.CentreID, Consent: true, FiledBy: "seed",
		Period: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTask(ctx, store.Task{ID: "claim:" + cl.Number + ":review-1", WorkflowID: "claim/" + cl.Number, Type: "claim.review",
		Subject: cl.Number, PersonID: p.ID, CentreID: p.CentreID, CandidateRole: "caseworker", DueAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	number, err := db.NextCaseNumber(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: "P07", Version: 1, CentreID: p.CentreID,
		Status: "open", Stage: "opening", OpenedBy: "seed", OpenedAt: time.Now(), Persons: []store.CasePerson{{PersonID: p.ID, Role: "beneficiary"}}}}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/api/v1/tasks?group=mine":    `"person_name":"Milica Đurović"`,
		"/api/v1/claims/" + cl.Number: `"person_names":{"` + string(p.ID) + `":"Milica Đurović"}`,
		"/api/v1/cases":               `"persons":[{"person_id":"` + string(p.ID) + `","role":"beneficiary","name":"Milica Đurović"}]`,
	} {
		if code, body := doAs(t, ts, "ana.caseworker", "GET", path, ""); code != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d %s; want %s", path, code, body, want)
		}
	}
	// The case list names its persons in the audit record.
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE purpose = 'case_list' AND person_ids @> ARRAY[$1]::uuid[]`, string(p.ID)).Scan(&n); err != nil || n != 1 {
		t.Errorf("case list audit records naming the person = %d (%v); want 1", n, err)
	}
}
