package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
)

// careHome records institution id (a provider, one unit of kind with a bed
// per person) and admits each person: their placement ids.
func careHome(t *testing.T, db *store.DB, id, pib string, kind institutions.Kind, persons ...domain.Person) []int64 {
	t.Helper()
	ctx := context.Background()
	prov, err := db.CreateProvider(ctx, store.Provider{Name: "Dom " + id, PIB: pib, Street: "Ulica 1", Municipality: "ME-16",
		FoundedOn: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	room := store.Room{Name: "Soba 1", Gender: institutions.GenderAny}
	for i := range persons {
		room.Beds = append(room.Beds, store.Bed{Label: string(rune('A' + i))})
	}
	in, err := db.CreateInstitution(ctx, store.Institution{ID: id, Name: "Dom " + id, ProviderID: prov.ID, Street: "Ulica 1", Municipality: "ME-16",
		Units: []store.Unit{{Name: "Odjeljenje A", Kind: kind, CareLevel: 1, Rooms: []store.Room{room}}}})
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	on := time.Now().AddDate(0, -2, 0)
	for i, p := range persons {
		pl, err := db.InsertPlacement(ctx, store.Placement{PersonID: p.ID, CentreID: p.CentreID, InstitutionID: id,
			BedID: in.Units[0].Rooms[0].Beds[i].ID, State: store.PlacementAdmitted, AdmittedOn: &on, CreatedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pl.ID)
	}
	return out
}

// careServer is the API over a fresh database with Grabovac (the demo
// citizen and a child its residents) and Bijelo Polje (one resident), and
// a token for a nurse of Bijelo Polje (no demo user is one).
func careServer(t *testing.T) (do func(user, method, path, body string) (int, []byte), grabovac, bijelo []int64, db *store.DB) {
	t.Helper()
	var iss api.TokenIssuer
	srv, db := newServerFor(t, func(d *api.Deps) { iss = d.DevIssuer })
	tok, err := iss.Token(domain.User{Username: "marija.nurse", Name: "Marija Bulatović", Role: domain.RoleInstitutionMedical, InstitutionID: "dom-bijelo-polje"})
	if err != nil {
		t.Fatal(err)
	}
	tokens["marija.nurse"] = tok
	t.Cleanup(func() { delete(tokens, "marija.nurse") })
	citizen := seedPerson(t, db, "2101006500003", "Podgorica", "Stefan", "Bulatović")
	child := seedPerson(t, db, careJMBG(t, time.Now().AddDate(-9, 0, 0), 301), "Kotor", "Luka", "Radović")
	elder := seedPerson(t, db, careJMBG(t, time.Date(1940, 4, 4, 0, 0, 0, 0, time.UTC), 302), "Bijelo Polje", "Mara", "Đukić")
	grabovac = careHome(t, db, "dom-grabovac", "03000010", institutions.KindElderly, citizen, child)
	bijelo = careHome(t, db, "dom-bijelo-polje", "03001016", institutions.KindElderly, elder)
	return func(user, method, path, body string) (int, []byte) { return doAs(t, srv, user, method, path, body) }, grabovac, bijelo, db
}

func careID(id int64) string { return strconv.FormatInt(id, 10) }

func careJMBG(t *testing.T, born time.Time, serial int) string {
	t.Helper()
	j, err := domain.MakeJMBG(born, 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

type careCase struct {
	user, method, path, body string
	status                   int
	fields                   []string // every field the 400 names, in order
	message                  string
}

func (cc careCase) check(t *testing.T, do func(user, method, path, body string) (int, []byte)) []byte {
	t.Helper()
	code, body := do(cc.user, cc.method, cc.path, cc.body)
	var e struct {
		Error struct {
			Message, Field string
			Fields         []struct{ Field string }
		}
	}
	_ = json.Unmarshal(body, &e)
	var got []string
	for _, f := range e.Error.Fields {
		got = append(got, f.Field)
	}
	if got == nil && e.Error.Field != "" {
		got = []string{e.Error.Field}
	}
	if code != cc.status || (cc.fields != nil && strings.Join(got, ",") != strings.Join(cc.fields, ",")) || !strings.Contains(string(body), cc.message) {
		t.Errorf("%s %s %s %s = %d %s; want %d fields %v message %q", cc.user, cc.method, cc.path, cc.body, code, body, cc.status, cc.fields, cc.message)
	}
	return body
}

// TestResidentPlanAndNotes: the social worker reads the resident, saves
// plan versions whose visitors become the visit rules (every fault named,
// a stale version a 409), adds notes and a correction; the director reads
// but does not write; another institution's social worker finds nobody.
func TestResidentPlanAndNotes(t *testing.T) {
	do, grabovac, bijelo, db := careServer(t)
	res, child := "/api/v1/residents/"+careID(grabovac[0]), "/api/v1/residents/"+careID(grabovac[1])
	body := careCase{"bojana.social", "GET", res, "", 200, nil, `"name":"Stefan Bulatović"`}.check(t, do)
	if !strings.Contains(string(body), `"institution_name":"Dom dom-grabovac"`) || !strings.Contains(string(body), `"bed":"A"`) {
		t.Errorf("resident: %s", body)
	}
	future := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	good := `{"data":{"goals":[{"goal":"Samostalno kretanje"}],"visitors_barred":[{"name":"Petar Vukić","reason":"sudska zabrana prilaska"}],"visitors_allowed":[{"name":"Ana Vukić","relation":"kćerka"}]},"base_version":0}`
	for _, cc := range []careCase{
		{"bojana.social", "GET", res + "/plan", "", 200, nil, `"version":0,"latest":0,"data":{}`},
		{"bojana.social", "GET", res + "/plan?version=x", "", 400, []string{"version"}, "whole number"},
		{"bojana.social", "GET", res + "/plan?version=3", "", 400, []string{"version"}, "no version 3"},
		{"bojana.social", "PUT", res + "/plan", `{}`, 400, []string{"data"}, "required"},
		{"bojana.social", "PUT", res + "/plan", `{"data":{"goals":[{"goal":"x"}],"visitors_barred":[{"name":"Petar Vukić","jmbg":"0101990210008","reason":"zabrana"}],"visitors_allowed":[{"name":"petar vukić","relation":"sin"}]},"base_version":-1}`,
			400, []string{"base_version", "data.goals.0.goal", "data.visitors_allowed.0.name", "data.visitors_barred.0.jmbg"}, "a person may not be both"},
		{"bojana.social", "PUT", res + "/plan", `{"data":{"goals":[{"goal":"Cilj"}]},"colour":1}`, 400, nil, "colour"},
		{"bojana.social", "PUT", child + "/plan", `{"data":{"goals":[{"goal":"Škola"}]}}`, 400, []string{"data.visitors_allowed"}, "child's plan"},
		{"bojana.social", "PUT", res + "/plan", good, 200, nil, `"version":1,"latest":1`},
		{"bojana.social", "PUT", res + "/plan", good, 409, []string{"base_version"}, "version 1 was saved meanwhile"},
		{"vera.director", "GET", res + "/plan?version=1", "", 200, nil, `"visitor_name":"Petar Vukić","allowed":false,"reason":"sudska zabrana prilaska","set_by":"bojana.social"`},
		{"vera.director", "PUT", res + "/plan", good, 403, nil, "may not update care_plan"},
		{"senad.social", "GET", res + "/plan", "", 404, nil, "resident " + careID(grabovac[0]) + " not found"},
		{"senad.social", "GET", "/api/v1/residents/" + careID(bijelo[0]) + "/plan", "", 200, nil, `"version":0`},
		{"bojana.social", "GET", "/api/v1/residents/" + careID(bijelo[0]), "", 404, nil, "not found"},
		{"bojana.social", "GET", "/api/v1/residents/999999/notes", "", 404, nil, "resident 999999 not found"},
		{"bojana.social", "GET", "/api/v1/residents/abc/notes", "", 404, nil, "not found"},
		{"ana.caseworker", "GET", res + "/plan", "", 403, nil, "may not read care_plan"},
		{"bojana.social", "POST", res + "/notes", `{"date":"` + future + `","text":"  "}`, 400, []string{"date", "text"}, "in the future"},
		{"bojana.social", "POST", res + "/notes", `{"date":"2026-13-01","text":"x","corrects":-1}`, 400, []string{"date", "corrects"}, "not a date"},
		{"bojana.social", "POST", res + "/notes", `{"date":"2026-11-02","text":"Dobro se uklopio."}`, 201, nil, `"date":"2026-11-02"`},
		{"rade.gate", "POST", res + "/notes", `{"text":"x"}`, 403, nil, "may not create social_note"},
	} {
		cc.check(t, do)
	}
	if rules, _ := db.VisitRules(context.Background(), grabovac[0]); len(rules) != 2 {
		t.Errorf("visit rules after the plan: %+v", rules)
	}
	var notes struct{ Notes []struct{ ID int64 } }
	_ = json.Unmarshal(careCase{"vera.director", "GET", res + "/notes", "", 200, nil, "Dobro se uklopio."}.check(t, do), &notes)
	if len(notes.Notes) != 1 {
		t.Fatalf("notes: %+v", notes)
	}
	careCase{"bojana.social", "POST", res + "/notes", `{"text":"Ispravka: uklopio se brzo.","corrects":` + careID(notes.Notes[0].ID) + `}`, 201, nil, `"corrects":` + careID(notes.Notes[0].ID)}.check(t, do)
	careCase{"bojana.social", "POST", child + "/notes", `{"text":"Ispravka","corrects":` + careID(notes.Notes[0].ID) + `}`, 400, []string{"corrects"}, "not a note on this resident"}.check(t, do)
	careCase{"bojana.social", "PUT", child + "/plan", `{"data":{"goals":[{"goal":"Škola"}],"visitors_allowed":[{"name":"Jelena Radović","relation":"majka"}]}}`, 200, nil, `"allowed":true`}.check(t, do)
}

// TestMedicalCompartment: the medical records exist for the medical staff
// of the resident's institution only: every other institution role, the
// centres' staff and the ministry get the 404 of a route that is not
// there, another institution's nurse the 404 of a resident not there; the
// resident's page shows no trace of them. Every read is audited naming
// the resident, restricted: the citizen's access log shows the
// institution's reads of the plan, not the medical ones.
func TestMedicalCompartment(t *testing.T) {
	do, grabovac, _, db := careServer(t)
	ctx := context.Background()
	res := "/api/v1/residents/" + careID(grabovac[0])
	for _, cc := range []careCase{
		{"milan.nurse", "POST", res + "/medical-records", `{"date":"2026-11-03","kind":"diagnosis","text":"Hipertenzija, terapija po protokolu."}`, 201, nil, `"kind":"diagnosis"`},
		{"milan.nurse", "POST", res + "/medical-records", `{"date":"x","kind":"gossip","text":""}`, 400, []string{"date", "kind", "text"}, "not a kind of medical record"},
		{"milan.nurse", "POST", res + "/medical-records", `{"text":"Pregled"}`, 400, []string{"kind"}, "required"},
		{"milan.nurse", "GET", res + "/medical-records", "", 200, nil, "Hipertenzija"},
	} {
		cc.check(t, do)
	}
	outsiders := []string{"marija.nurse"}
	for _, u := range domain.DemoUsers() {
		if u.Role != domain.RoleInstitutionMedical && !u.Machine && u.Role != domain.RoleCitizen {
			outsiders = append(outsiders, u.Username)
		}
	}
	for _, user := range outsiders {
		for _, m := range []string{"GET", "POST"} {
			code, body := do(user, m, res+"/medical-records", `{"kind":"note","text":"x"}`)
			if code != http.StatusNotFound || strings.Contains(string(body), "Hipertenzija") {
				t.Errorf("%s %s medical records as %s = %d %s; want 404", m, res, user, code, body)
			}
		}
	}
	if n, _ := db.MedicalRecords(ctx, grabovac[0]); len(n) != 1 {
		t.Errorf("medical records after the outsiders: %d; want 1", len(n))
	}
	for _, user := range []string{"bojana.social", "vera.director"} {
		for _, path := range []string{res, res + "/plan", res + "/notes"} {
			if _, body := do(user, "GET", path, ""); strings.Contains(strings.ToLower(string(body)), "medical") || strings.Contains(string(body), "Hipertenzija") {
				t.Errorf("GET %s as %s shows a trace of the medical records: %s", path, user, body)
			}
		}
	}
	var restricted, named int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE restricted), count(*) FILTER (WHERE person_ids @> ARRAY[p.person_id]) FROM audit_log, placements p
		WHERE p.id = $1 AND resource = 'medical_record' AND username = 'milan.nurse'`, grabovac[0]).Scan(&restricted, &named); err != nil || restricted != 4 || named != 4 {
		t.Errorf("the nurse's 4 requests audited restricted %d, naming the resident %d (%v); want 4 and 4", restricted, named, err)
	}
	_, body := do("citizen.demo", "GET", "/api/v1/me/access-log", "")
	if !strings.Contains(string(body), `"role":"institution_social_worker","centre":"Dom dom-grabovac"`) || strings.Contains(string(body), "institution_medical") {
		t.Errorf("the resident's access log: %s; want the social worker's reads in Grabovac, not the nurse's", body)
	}
}
