package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/interop/xroad"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// portalTemporal starts every workflow and takes every Update, and
// remembers what it was asked.
type portalTemporal struct {
	client.Client
	started []string
	inputs  []any
	updates []client.UpdateWorkflowOptions
}

func (s *portalTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	s.started = append(s.started, o.ID)
	s.inputs = append(s.inputs, args[0])
	return namedRun{id: o.ID}, nil
}

func (s *portalTemporal) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	s.updates = append(s.updates, o)
	return updateDone{}, nil
}

type namedRun struct {
	client.WorkflowRun
	id string
}

func (r namedRun) GetID() string    { return r.id }
func (r namedRun) GetRunID() string { return "run" }

type updateDone struct{ client.WorkflowUpdateHandle }

func (updateDone) Get(context.Context, any) error { return nil }

// portalForm posts a multipart form as user.
func portalForm(t *testing.T, ts *httptest.Server, user, path string, fields map[string][]string, files map[string][]byte) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for name, data := range files {
		w, _ := mw.CreateFormFile(name, "dokument.pdf")
		_, _ = w.Write(data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tokens[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes()
}

func fieldsOf(b []byte) []string {
	var e struct {
		Error struct {
			Field  string
			Fields []struct{ Field string }
		}
	}
	_ = json.Unmarshal(b, &e)
	out := []string{}
	if e.Error.Field != "" {
		out = append(out, e.Error.Field)
	}
	for _, f := range e.Error.Fields {
		out = append(out, f.Field)
	}
	return out
}

var pdf = []byte("%PDF-1.4\n% potvrda\n1 0 obj\n<<>>\nendobj\n%%EOF\n")

// TestCitizensPortalOverHTTP: the demo citizen, unknown to Karton, reads
// an empty file with the forms he may apply with, and may not apply yet;
// asks for his data, and is registered from the population register (the
// registries then asked); with his household linked he reads his file,
// applies for child allowance (every bad field named first, nothing
// recorded; then filed online with the whole household, its workflow
// started as at the counter), reads the claim (the centre's tasks left
// out, its request for a document shown), answers the request (a wrong
// request and a file that is no document refused), withdraws it (for its
// centre, his reason optional); another person's claim, decision and
// document are not found for him, and staff do not reach his portal.
func TestCitizensPortalOverHTTP(t *testing.T) {
	ctx := context.Background()
	pop := sim.NewPopulation(10)
	reg := httptest.NewServer(sim.NewServer(pop, sim.Faults{}))
	t.Cleanup(reg.Close)
	tc := &portalTemporal{}
	ts, db := newServerFor(t, func(d *api.Deps) {
		d.Temporal = tc
		d.Registry = &xroad.Client{BaseURL: reg.URL, ClientID: "ME/GOV/MRSS/karton", HTTP: &http.Client{Timeout: 2 * time.Second}}
	})

	code, b := doAs(t, ts, "citizen.demo", "GET", "/api/v1/me", "")
	var me struct {
		Known     bool
		Person    *struct{ ID, GivenName string }
		Household *struct {
			Members []struct {
				PersonID string `json:"person_id"`
				Relation string
				You      bool
			}
		}
		Forms []struct {
			Benefit   string
			Documents []struct{ Key string }
		}
		Claims []struct {
			Number       string
			Channel      string
			OpenRequests int `json:"open_requests"`
		}
		Decisions []struct {
			ID        string
			Finality  string
			MayAppeal bool `json:"may_appeal"`
			Appeals   []any
		}
	}
	_ = json.Unmarshal(b, &me)
	if code != 200 || me.Known || me.Person != nil || len(me.Forms) != 3 || me.Forms[1].Benefit != "DD" {
		t.Fatalf("the portal before any file = %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/me", ""); code != 403 {
		t.Errorf("a caseworker's portal = %d %s; want 403 (the citizens' own)", code, b)
	}
	if code, b := doAs(t, ts, "citizen.demo", "POST", "/api/v1/me/claims", `{"benefit":"DD","consent":true}`); code != 409 || !strings.Contains(string(b), "no file") {
		t.Errorf("applying without a file = %d %s; want 409", code, b)
	}

	code, b = doAs(t, ts, "citizen.demo", "POST", "/api/v1/me/evidence/refresh", `{}`)
	var reg1 struct {
		Person     struct{ ID, GivenName, FamilyName string }
		Registered bool
		WorkflowID string `json:"workflow_id"`
	}
	_ = json.Unmarshal(b, &reg1)
	h, _ := pop.Lookup(sim.DemoCitizenJMBG)
	if code != 202 || !reg1.Registered || reg1.Person.ID == "" || reg1.WorkflowID != "evidence/"+reg1.Person.ID {
		t.Fatalf("asking for his data = %d %s", code, b)
	}
	citizen, err := db.PersonByJMBG(ctx, sim.DemoCitizenJMBG)
	if err != nil || citizen.GivenName != h.Members[0].GivenName || citizen.Address.Municipality != "ME-16" || citizen.CentreID != "csr-podgorica" {
		t.Fatalf("registered as %+v, %v; want the register's %s of Podgorica", citizen, err, h.Members[0].GivenName)
	}
	if code, b := doAs(t, ts, "citizen.demo", "POST", "/api/v1/me/evidence/refresh", `{}`); code != 202 || !strings.Contains(string(b), `"registered":false`) {
		t.Errorf("asking again = %d %s; want 202, not registered again", code, b)
	}
	// The refresh's population answer links the household (the worker's
	// part, done here by hand).
	link := store.HouseholdLink{RegisterNumber: h.RegisterNumber, Address: h.Address}
	for _, m := range h.Members {
		link.Members = append(link.Members, store.HouseholdLinkMember{JMBG: m.JMBG, GivenName: m.GivenName, FamilyName: m.FamilyName,
			BirthDate: m.BirthDate, Sex: m.Sex, Relation: m.Relation})
	}
	if _, err := db.LinkHousehold(ctx, link); err != nil {
		t.Fatal(err)
	}
	code, b = doAs(t, ts, "citizen.demo", "GET", "/api/v1/me", "")
	_ = json.Unmarshal(b, &me)
	if code != 200 || !me.Known || me.Household == nil || len(me.Household.Members) != 4 {
		t.Fatalf("his file with the household = %d %s", code, b)
	}
	var child, wife string
	for _, m := range me.Household.Members {
		switch {
		case m.Relation == "child" && child == "":
			child = m.PersonID
		case m.Relation == "spouse":
			wife = m.PersonID
		}
	}
	stranger := seedPerson(t, db, "0101900350008", "Nikšić", "Marko", "Perić")

	// Every bad field named at once, nothing recorded.
	claims := func() int {
		var n int
		_ = db.Pool().QueryRow(ctx, `SELECT count(*) FROM claims`).Scan(&n)
		return n
	}
	for _, tt := range []struct {
		body   string
		fields []string
	}{
		{`{"benefit":"LI","consent":true}`, []string{"benefit"}},
		{`{"benefit":"DD"}`, []string{"consent"}},
		{`{"benefit":"DD","consent":true,"member_person_ids":["` + string(stranger.ID) + `"],"payee_account":"ME25505000012345678952"}`, []string{"payee_account", "member_person_ids"}},
		{`{"benefit":"ND","consent":true}`, []string{"subject_person_id"}},
		{`{"benefit":"ND","consent":true,"subject_person_id":"` + string(stranger.ID) + `"}`, []string{"subject_person_id"}},
	} {
		code, b := doAs(t, ts, "citizen.demo", "POST", "/api/v1/me/claims", tt.body)
		got := fieldsOf(b)
		if code != 400 || strings.Join(got, ",") != strings.Join(tt.fields, ",") {
			t.Errorf("%s = %d %s; want 400 naming %v", tt.body, code, b, tt.fields)
		}
	}
	code, b = portalForm(t, ts, "citizen.demo", "/api/v1/me/claims", map[string][]string{"benefit": {"DD"}, "consent": {"yes"}},
		map[string][]byte{"document.school_certificate": []byte("just text"), "document.passport": pdf})
	if got := fieldsOf(b); code != 400 || strings.Join(got, ",") != "document.passport,document.school_certificate" {
		t.Errorf("documents that are not the form's, or no PDF = %d %s (%v)", code, b, got)
	}
	code, b = portalForm(t, ts, "citizen.demo", "/api/v1/me/claims", map[string][]string{"benefit": {"DD"}, "consent": {"yes"}},
		map[string][]byte{"document.school_certificate": pdf})
	if code != 503 || claims() != 0 || len(tc.started) != 2 {
		t.Errorf("a document without an object store = %d %s, %d claims, started %v; want 503 and nothing recorded", code, b, claims(), tc.started)
	}

	// Filed online, for the whole household, as at the counter.
	code, b = doAs(t, ts, "citizen.demo", "POST", "/api/v1/me/claims", `{"benefit":"DD","consent":true,"payee_account":"ME25505000012345678951"}`)
	var filed struct{ Number, Channel, WorkflowID string }
	_ = json.Unmarshal(b, &filed)
	if code != 201 || filed.Channel != "online" || tc.started[len(tc.started)-1] != "claim/"+filed.Number {
		t.Fatalf("applying for child allowance = %d %s (started %v)", code, b, tc.started)
	}
	in, _ := tc.inputs[len(tc.inputs)-1].(workflows.ClaimInput)
	cl, err := db.ClaimByNumber(ctx, filed.Number)
	if err != nil || cl.Channel != store.ChannelOnline || len(cl.Members) != 4 || cl.Members[0] != citizen.ID || cl.FiledBy != "citizen.demo" ||
		in.CentreID != "csr-podgorica" || in.Benefit != "DD" || len(in.Members) != 4 || cl.PayeeIBAN != "ME25505000012345678951" {
		t.Fatalf("the claim filed online = %+v, %v (workflow input %+v)", cl, err, in)
	}
	if code, b := doAs(t, ts, "citizen.demo", "POST", "/api/v1/me/claims", `{"benefit":"DD","consent":true}`); code != 409 {
		t.Errorf("a second child allowance claim for the same children = %d %s; want 409", code, b)
	}

	// The claim as he reads it; the centre's request for a document.
	if _, err := db.CreateTask(ctx, store.Task{ID: "claim:" + cl.Number + ":review-1", WorkflowID: "claim/" + cl.Number, Type: "claim.review",
		Subject: cl.Number, PersonID: citizen.ID, CentreID: cl.CentreID, CandidateRole: "caseworker", DueAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	request := "claim:" + cl.Number + ":document-1"
	if _, err := db.CreateTask(ctx, store.Task{ID: request, WorkflowID: "claim/" + cl.Number, Type: workflows.TaskObtainDocument, Subject: cl.Number,
		PersonID: domain.PersonID(child), CentreID: cl.CentreID, CandidateRole: "caseworker", DueAt: time.Now().Add(72 * time.Hour),
		Data: json.RawMessage(`{"what":"Potvrda vrtića"}`)}); err != nil {
		t.Fatal(err)
	}
	code, b = doAs(t, ts, "citizen.demo", "GET", "/api/v1/claims/"+cl.Number, "")
	var view struct {
		Channel  string
		Tasks    []any
		Requests []struct {
			TaskID string `json:"task_id"`
			What   string
			State  string
		} `json:"document_requests"`
	}
	_ = json.Unmarshal(b, &view)
	if code != 200 || view.Channel != "online" || len(view.Tasks) != 0 || len(view.Requests) != 1 || view.Requests[0].What != "Potvrda vrtića" ||
		view.Requests[0].State != "open" {
		t.Fatalf("his claim = %d %s; want it online, without the centre's tasks, with the request", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/claims/"+cl.Number, ""); code != 200 || !strings.Contains(string(b), `"channel":"online"`) ||
		!strings.Contains(string(b), `"type":"claim.review"`) {
		t.Errorf("the caseworker's view of the claim = %d %s; want it marked online, with its tasks", code, b)
	}
	// In her inbox the claim's task is marked as filed online; a task of a
	// claim filed at the counter is not.
	var inbox struct {
		Tasks []struct{ ID, Subject, Channel string }
	}
	code, b = doAs(t, ts, "ana.caseworker", "GET", "/api/v1/tasks", "")
	_ = json.Unmarshal(b, &inbox)
	marked := map[string]string{}
	for _, tk := range inbox.Tasks {
		marked[tk.Subject] += tk.Channel + ";"
	}
	if code != 200 || !strings.Contains(marked[cl.Number], "online") {
		t.Errorf("the caseworker's inbox = %d %s; want the claim's tasks marked online", code, b)
	}
	_, b = doAs(t, ts, "citizen.demo", "GET", "/api/v1/me", "")
	_ = json.Unmarshal(b, &me)
	if len(me.Claims) != 1 || me.Claims[0].Number != cl.Number || me.Claims[0].OpenRequests != 1 || me.Claims[0].Channel != "online" {
		t.Errorf("his claims = %+v; want the one with its open request", me.Claims)
	}
	code, b = portalForm(t, ts, "citizen.demo", "/api/v1/claims/"+cl.Number+"/documents", map[string][]string{"answers": {"claim:" + cl.Number + ":review-1"}},
		map[string][]byte{"file": pdf})
	if code != 400 || fieldOf(b) != "answers" {
		t.Errorf("answering what is no request = %d %s; want 400 on answers", code, b)
	}
	code, b = portalForm(t, ts, "citizen.demo", "/api/v1/claims/"+cl.Number+"/documents", map[string][]string{"answers": {request}},
		map[string][]byte{"file": []byte("plain words")})
	if code != 400 || fieldOf(b) != "file" {
		t.Errorf("an answer that is no PDF or image = %d %s; want 400 on file", code, b)
	}
	code, b = portalForm(t, ts, "citizen.demo", "/api/v1/claims/"+cl.Number+"/documents", map[string][]string{"answers": {request}},
		map[string][]byte{"file": pdf})
	if code != 503 {
		t.Errorf("a right answer without an object store = %d %s; want 503 (the object store is the only thing missing)", code, b)
	}

	// Another person's claim, decision and document do not exist for him;
	// nor does his wife's claim, though she is of his household.
	theirs, err := db.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: stranger.ID, CentreID: stranger.CentreID, Consent: true, FiledBy: "seed",
		Period: time.Now(), Members: []domain.PersonID{stranger.ID}})
	if err != nil {
		t.Fatal(err)
	}
	hers, err := db.CreateClaim(ctx, store.Claim{Benefit: "ND", ApplicantID: domain.PersonID(wife), SubjectID: domain.PersonID(child), CentreID: cl.CentreID,
		Consent: true, FiledBy: "seed", Period: time.Now(), Members: []domain.PersonID{domain.PersonID(wife), domain.PersonID(child)}})
	if err != nil {
		t.Fatal(err)
	}
	theirDecision, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: theirs.Number, CentreID: stranger.CentreID, Kind: "rejection", Benefit: "MO",
		PeriodFrom: theirs.Period, PreparedBy: "a", ApprovedBy: "b", IssuedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	theirDocument, err := db.CreateDocument(ctx, store.Document{ClaimNumber: theirs.Number, Kind: "evidence", ObjectKey: "claims/x", SHA256: "x",
		ContentType: "application/pdf", Size: 1, UploadedBy: "seed"})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/claims/" + theirs.Number, "/api/v1/claims/" + hers.Number, "/api/v1/decisions/" + theirDecision.ID + "/document",
		"/api/v1/documents/" + theirDocument.ID, "/api/v1/decisions/" + theirDecision.ID + "/appeals"} {
		if code, b := doAs(t, ts, "citizen.demo", "GET", path, ""); code != 404 {
			t.Errorf("GET %s as the citizen = %d %s; want 404", path, code, b)
		}
	}
	for _, path := range []string{"/api/v1/claims/" + theirs.Number + "/withdraw", "/api/v1/claims/" + hers.Number + "/withdraw"} {
		if code, b := doAs(t, ts, "citizen.demo", "POST", path, `{}`); code != 404 {
			t.Errorf("POST %s as the citizen = %d %s; want 404", path, code, b)
		}
	}
	if code, b := portalForm(t, ts, "citizen.demo", "/api/v1/claims/"+theirs.Number+"/documents", nil, map[string][]byte{"file": pdf}); code != 404 {
		t.Errorf("uploading to another's claim = %d %s; want 404", code, b)
	}

	// He withdraws his own: for its centre, with the reason he gives none of.
	code, b = doAs(t, ts, "citizen.demo", "POST", "/api/v1/claims/"+cl.Number+"/withdraw", `{}`)
	if code != 200 || len(tc.updates) != 1 {
		t.Fatalf("withdrawing his claim = %d %s (updates %d)", code, b, len(tc.updates))
	}
	w, _ := tc.updates[0].Args[0].(workflows.Withdrawal)
	if tc.updates[0].WorkflowID != "claim/"+cl.Number || tc.updates[0].UpdateName != workflows.UpdateWithdraw || w.CentreID != cl.CentreID ||
		w.By != "citizen.demo" || w.Reason != api.WithdrawnOnline {
		t.Errorf("the withdrawal = %+v %+v", tc.updates[0], w)
	}
}

// TestCitizensDecisionsAndAppeals: the decisions on his claims are in his
// file with their PDF and where they stand; he reads his own decision's
// document (no PDF yet: 409, not 404); he appeals one delivered three
// days ago (202) and then may not appeal it again; one delivered twenty
// days ago is final and his appeal is refused naming the deadline; his
// access log never shows a restricted access; and his portal is
// rate-limited.
func TestCitizensDecisionsAndAppeals(t *testing.T) {
	ctx := context.Background()
	tc := &portalTemporal{}
	ts, db := newServerFor(t, func(d *api.Deps) { d.Temporal = tc })
	own := seedPerson(t, db, "2101006500003", "Podgorica", "Stefan", "Bulatović")
	decide := func(benefit string, issued time.Time) store.Decision {
		c, err := db.CreateClaim(ctx, store.Claim{Benefit: benefit, ApplicantID: own.ID, CentreID: own.CentreID, Consent: true, FiledBy: "citizen.demo",
			Period: issued, Members: []domain.PersonID{own.ID}, Channel: store.ChannelOnline})
		if err != nil {
			t.Fatal(err)
		}
		d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: own.CentreID, Kind: "grant", Benefit: benefit,
			Amount: decimal.RequireFromString("87.91"), PeriodFrom: c.Period, PreparedBy: "a", ApprovedBy: "b", IssuedAt: issued})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetClaimState(ctx, c.Number, "approved", ""); err != nil {
			t.Fatal(err)
		}
		return d
	}
	month := time.Now().AddDate(0, -1, 0)
	recent, old := decide("MO", month), decide("JNP", month.AddDate(0, 0, -1))
	if err := db.SetDecisionDocument(ctx, recent.ID, "decisions/x.pdf", "ab12"); err != nil {
		t.Fatal(err)
	}
	day := func(days int) time.Time { return time.Now().AddDate(0, 0, days) }
	if _, err := db.RecordDelivery(ctx, recent.ID, day(-3), time.Now(), "ana.caseworker"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordDelivery(ctx, old.ID, day(-20), time.Now(), "ana.caseworker"); err != nil {
		t.Fatal(err)
	}
	var me struct {
		Decisions []struct {
			ID          string
			Finality    string
			DocumentURL string `json:"document_url"`
			MayAppeal   bool   `json:"may_appeal"`
			Appeals     []any
		}
	}
	code, b := doAs(t, ts, "citizen.demo", "GET", "/api/v1/me", "")
	_ = json.Unmarshal(b, &me)
	if code != 200 || len(me.Decisions) != 2 || me.Decisions[0].ID != recent.ID || !me.Decisions[0].MayAppeal || me.Decisions[0].Finality != "appealable" ||
		me.Decisions[0].DocumentURL != "/api/v1/decisions/"+recent.ID+"/document" || me.Decisions[1].MayAppeal || me.Decisions[1].Finality != "final" ||
		me.Decisions[1].DocumentURL != "" {
		t.Fatalf("his decisions = %d %s", code, b)
	}
	if code, b := doAs(t, ts, "citizen.demo", "GET", "/api/v1/decisions/"+old.ID+"/document", ""); code != 409 {
		t.Errorf("his decision without its PDF = %d %s; want 409 (his, but no document yet)", code, b)
	}
	if code, b := doAs(t, ts, "citizen.demo", "POST", "/api/v1/decisions/"+recent.ID+"/appeals", `{"grounds":"Prihod moje supruge nije tačan."}`); code != 202 ||
		tc.started[len(tc.started)-1][:7] != "appeal/" {
		t.Fatalf("his appeal within 15 days = %d %s", code, b)
	}
	_, b = doAs(t, ts, "citizen.demo", "GET", "/api/v1/me", "")
	_ = json.Unmarshal(b, &me)
	if me.Decisions[0].MayAppeal || len(me.Decisions[0].Appeals) != 1 || me.Decisions[0].Finality != "under_appeal" {
		t.Errorf("the appealed decision = %+v; want it under appeal, no second appeal offered", me.Decisions[0])
	}
	deadline := day(-5).Format("02.01.2006.")
	if code, b := doAs(t, ts, "citizen.demo", "POST", "/api/v1/decisions/"+old.ID+"/appeals", `{"grounds":"Kasno, ali ipak."}`); code != 409 ||
		!strings.Contains(string(b), deadline) {
		t.Errorf("his appeal after 15 days = %d %s; want 409 naming the deadline %s", code, b, deadline)
	}

	// A restricted access (domestic violence) naming him stays out of his log.
	for _, rec := range []store.AuditRecord{
		{At: time.Now(), Username: "dragana.dv", Role: "dv_caseworker", CentreID: own.CentreID, Action: "GET /api/v1/persons/:id", Resource: "person",
			PersonIDs: []domain.PersonID{own.ID}, TargetCentre: own.CentreID, Purpose: "e_file", Status: 200, Outcome: "allowed", Restricted: true},
		{At: time.Now(), Username: "dragana.dv", Role: "dv_caseworker", CentreID: own.CentreID, Action: "GET /api/v1/dv-register", Resource: "dv_register",
			PersonIDs: []domain.PersonID{own.ID}, TargetCentre: own.CentreID, Purpose: "dv_register", Status: 200, Outcome: "allowed"},
	} {
		if err := db.AppendAudit(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	code, b = doAs(t, ts, "citizen.demo", "GET", "/api/v1/me/access-log", "")
	if code != 200 || strings.Contains(string(b), "dv_caseworker") || strings.Contains(string(b), "dv_register") || !strings.Contains(string(b), "own_file") {
		t.Errorf("his access log = %d %s; want his own reads, no restricted access", code, b)
	}

	// At most 10 requests a second, in bursts of 50: a burst of 200 sent at
	// once is cut (only if they took 15 s to arrive, on a machine loaded to
	// a standstill, would the bucket refill as fast as they come; 60 were
	// once all answered on a loaded machine).
	var limited atomic.Int64
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", ts.URL+"/api/v1/benefits", nil)
			req.Header.Set("Authorization", "Bearer "+tokens["citizen.demo"])
			if resp, err := http.DefaultClient.Do(req); err == nil {
				if resp.StatusCode == http.StatusTooManyRequests {
					limited.Add(1)
				}
				_ = resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if limited.Load() == 0 {
		t.Error("200 requests at once from one citizen were all answered; want the portal's rate limit to cut them")
	}
	for range 60 {
		if code, _ := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/benefits", ""); code == http.StatusTooManyRequests {
			t.Fatal("a caseworker was cut by the citizens' rate limit")
		}
	}
}
