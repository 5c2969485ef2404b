package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// The citizens' portal's pages in TestPagesSpeakOneLanguage: the home
// with and without a file, what the state knows, the application (each
// form, and sent back), a claim with a request for a document, decided
// with an appeal open and with its deadline passed, and the withdrawal
// and the appeal sent back. They run over a stand-in API of their own:
// the citizen's file, their claims and decisions.

const (
	portalClaimOpen    = "Z-2026-000101"
	portalClaimDecided = "Z-2026-000102"
	portalClaimFinal   = "Z-2026-000103"
	citizenID          = "44444444-4444-4444-4444-444444444444"
	spouseID           = "55555555-5555-5555-5555-555555555555"
	childID            = "66666666-6666-6666-6666-666666666666"
)

func portalPageCases(s *server) []pageCase {
	known := &server{cfg: s.cfg, pages: s.pages}
	known.cfg.API = portalFakeAPI(true)
	unknown := &server{cfg: s.cfg, pages: s.pages}
	unknown.cfg.API = portalFakeAPI(false)
	const u = "citizen.demo"
	applyForm := url.Values{"benefit": {"DD"}, "members": {childID}, "payee_account": {"ME25 5050 0001 2345 6789 52"}}
	return []pageCase{
		{name: "portal: home", tpl: "portal_home", run: get(known, u, "/me", known.portalHome),
			want: map[string][]string{"cnr": {"Moja prava i zahtjevi", portalClaimOpen, "preko interneta", "centar traži dokument", "10.2026.", "rok za žalbu"},
				"en": {"My benefits and claims", "the centre asks for a document", "appeal by"}}},
		{name: "portal: home without a file", tpl: "portal_home", run: get(unknown, u, "/me", unknown.portalHome),
			want: both("Pribavi moje podatke iz evidencija", "Get my data from the registries")},
		{name: "portal: data", tpl: "portal_data", run: get(known, u, "/me/data", known.portalData),
			want: map[string][]string{"cnr": {"Fond za zdravstveno osiguranje", "Milica Bulatović", "Ponovo pitaj evidencije", "Fond penzijskog i invalidskog osiguranja", "stručni radnik"},
				"en": {"Health Insurance Fund", "Ask the registries again", "Who looked at your data"}}},
		{name: "portal: apply", tpl: "portal_apply", run: get(known, u, "/me/apply", known.portalApply), want: both("Izaberite pravo", "Choose the benefit")},
		{name: "portal: apply for child allowance", tpl: "portal_apply", run: get(known, u, "/me/apply?benefit=DD", known.portalApply),
			want: both("Potvrda o redovnom školovanju", "Certificate of regular schooling")},
		{name: "portal: apply for the newborn grant", tpl: "portal_apply", run: get(known, u, "/me/apply?benefit=ND", known.portalApply),
			want: both("Za koje dijete", "For which child")},
		{name: "portal: application sent back", tpl: "portal_apply", run: post(known, u, "/me/apply", applyForm, known.portalFile),
			want: map[string][]string{"cnr": {"kontrolne cifre IBAN-a se ne slažu", "ME25 5050 0001 2345 6789 52", "podnosilac mora dati saglasnost"},
				"en": {"the IBAN's check digits do not match"}}},
		{name: "portal: claim with a request", tpl: "portal_claim", run: get(known, u, "/me/claims/"+portalClaimOpen, known.portalClaim, "number", portalClaimOpen),
			want: map[string][]string{"cnr": {"Ljekarsko uvjerenje za Saru", "Izvod iz matične knjige rođenih", "Pošalji dokument", "Poslali ste dokument 19.11.2026.", "Odgovor na zahtjev centra"},
				"en": {"Send the document", "Birth certificate", "the centre is looking at it"}}},
		{name: "portal: claim decided", tpl: "portal_claim", run: get(known, u, "/me/claims/"+portalClaimDecided, known.portalClaim, "number", portalClaimDecided),
			want: both("Izjavi žalbu", "File the appeal")},
		{name: "portal: claim decided, too late to appeal", tpl: "portal_claim", run: get(known, u, "/me/claims/"+portalClaimFinal, known.portalClaim, "number", portalClaimFinal),
			want: both("Rok za žalbu istekao je 15.11.2026.", "The 15 days for an appeal ended on 15 Nov 2026")},
		{name: "portal: withdrawal unconfirmed", tpl: "portal_claim", run: post(known, u, "/me/claims/"+portalClaimOpen+"/withdraw", url.Values{"reason": {"Zaposlio sam se"}},
			known.portalWithdraw, "number", portalClaimOpen),
			want: map[string][]string{"cnr": {"potvrdite radnju", "Zaposlio sam se"}, "en": {"confirm the action"}}},
		{name: "portal: appeal sent back", tpl: "portal_claim", run: post(known, u, "/me/decisions/pd2/appeal", url.Values{"claim": {portalClaimDecided}, "grounds": {"x"}},
			known.portalAppeal, "id", "pd2"),
			want: both("napišite zašto smatrate da rješenje nije dobro", "say why you think the decision is wrong")},
	}
}

// TestPortalIsTheCitizensHome: the citizen lands on the portal, staff who
// open a portal page go to their own, and a claim that is not the
// citizen's is the API's 404, shown as a page.
func TestPortalIsTheCitizensHome(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{pages: pages}
	s.cfg.API = portalFakeAPI(true)
	body, status := s.request(t, "cnr", "citizen.demo", http.MethodGet, "/me/claims/Z-2026-999999", gin.Params{{Key: "number", Value: "Z-2026-999999"}}, nil, s.portalClaim)
	if status != http.StatusNotFound || strings.Contains(body, "Z-2026-999999 ") {
		t.Errorf("another's claim: %d %.200s; want 404", status, body)
	}
	if _, status := s.request(t, "cnr", "ana.caseworker", http.MethodGet, "/me", nil, nil, s.portalHome); status != http.StatusFound {
		t.Errorf("a caseworker on /me: %d; want a redirect to her home", status)
	}
	body, _ = s.request(t, "en", "citizen.demo", http.MethodGet, "/me", nil, nil, s.portalHome)
	for _, want := range []string{`href="/me/claims/` + portalClaimOpen + `"`, `href="/decisions/pd2/pdf"`, `href="/me/claims/` + portalClaimDecided + `#h-appeal"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the home page has no %s", want)
		}
	}
	if strings.Contains(body, `href="/me/claims/`+portalClaimFinal+`#h-appeal"`) {
		t.Error("the home page offers an appeal against a final decision")
	}
	if homeOf(userNamed(t, "citizen.demo")) != "/me" {
		t.Error("the citizen's home is not the portal")
	}
	var paths []string
	for _, l := range menuOf(userNamed(t, "citizen.demo")) {
		paths = append(paths, l.Path)
	}
	if strings.Join(paths, " ") != "/me /me/apply /me/data" {
		t.Errorf("the citizen's menu = %v; want the portal's three pages", paths)
	}
}

// TestPortalApplicationIsPassedOn: the application reaches the API as
// the form it is (the members ticked, the consent, the account, the
// documents as document.<key>) and the citizen lands on the claim.
func TestPortalApplicationIsPassedOn(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	var got *http.Request
	r := gin.New()
	r.POST("/api/v1/me/claims", func(c *gin.Context) {
		_ = c.Request.ParseMultipartForm(1 << 20)
		got = c.Request
		c.Data(http.StatusCreated, "application/json", []byte(`{"number":"Z-2026-000200","channel":"online","documents":[]}`))
	})
	s := &server{pages: pages}
	s.cfg.API = r
	form := url.Values{"benefit": {"DD"}, "members": {childID, spouseID}, "payee_account": {"ME25505000012345678951"}, "consent": {"yes"}}
	w := httptestRequest(t, s, form)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/me/claims/Z-2026-000200" {
		t.Fatalf("filed: %d to %q; want 303 to the claim", w.Code, w.Header().Get("Location"))
	}
	if got == nil {
		t.Fatal("the API was not called")
	}
	f := got.MultipartForm.Value
	if strings.Join(f["member_person_ids"], ",") != childID+","+spouseID || f["consent"][0] != "yes" || f["benefit"][0] != "DD" ||
		f["payee_account"][0] != "ME25505000012345678951" {
		t.Errorf("the API got %v", f)
	}
	if _, ok := got.MultipartForm.File["document.school_certificate"]; !ok {
		t.Errorf("the API got no document.school_certificate: %v", got.MultipartForm.File)
	}
}

func userNamed(t *testing.T, username string) domain.User {
	t.Helper()
	u, ok := domain.DemoUser(username)
	if !ok {
		t.Fatalf("no demo user %s", username)
	}
	return u
}

// httptestRequest sends form with a school certificate to the portal's
// application as the demo citizen.
func httptestRequest(t *testing.T, s *server, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("document.school_certificate", "potvrda.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4 a certificate of schooling"))
	_ = mw.Close()
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = httptest.NewRequest(http.MethodPost, "/me/apply", &buf)
	c.Request.Header.Set("Content-Type", mw.FormDataContentType())
	c.Set("user", userNamed(t, "citizen.demo"))
	c.Set("token", "test-token")
	c.Set("csrf", "test-csrf")
	s.portalFile(c)
	c.Writer.WriteHeaderNow()
	return w
}

// portalFakeAPI is the API as the demo citizen sees it: known, their
// file, claims and decisions; else a citizen Karton keeps no file about.
func portalFakeAPI(known bool) http.Handler {
	r := gin.New()
	js := func(status int, body string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(status, "application/json", []byte(body)) }
	}
	if known {
		r.GET("/api/v1/me", js(http.StatusOK, portalMeJSON))
	} else {
		r.GET("/api/v1/me", js(http.StatusOK, `{"known":false,"person":null,"household":null,"facts":[],"sources":[],"rights":[],"payments":[],"decisions":[],"claims":[],"forms":[],"pending_sources":[],"note":"Karton keeps no file about you yet"}`))
	}
	r.GET("/api/v1/me/access-log", js(http.StatusOK, `{"person_id":"`+citizenID+`","accesses":[
		{"at":"2026-11-20T10:00:00Z","who":"caseworker","role":"caseworker","centre":"CSR Podgorica","purpose":"benefit_claim","action":"read","outcome":"allowed"},
		{"at":"2026-11-20T09:00:00Z","who":"Karton (automatic registry query)","role":"system","centre":"","purpose":"evidence_refresh","action":"update","outcome":"allowed"},
		{"at":"2026-11-19T09:00:00Z","who":"you","role":"citizen","centre":"","purpose":"own_file","action":"read","outcome":"allowed"}]}`))
	r.POST("/api/v1/me/claims", js(http.StatusBadRequest, `{"error":{"code":"invalid","message":"2 fields are invalid","fields":[
		{"field":"consent","message":"the applicant must consent to the evidence lookups (Law on Social and Child Protection; the claim form)"},
		{"field":"payee_account","message":"IBAN check digits do not match (ISO 13616 mod 97)"}]}}`))
	r.GET("/api/v1/claims/:number", func(c *gin.Context) {
		switch c.Param("number") {
		case portalClaimOpen:
			js(http.StatusOK, portalClaimJSON(portalClaimOpen, "review", "", `[{"task_id":"tk9","what":"Ljekarsko uvjerenje za Saru","person_id":"`+childID+
				`","due_at":"2026-12-01T10:00:00Z","state":"open","answered_by":[]}]`, `[{"id":"doc1","kind":"birth_certificate_abroad","content_type":"application/pdf","size":1200,"sha256":"ab","uploaded_at":"2026-11-18T10:00:00Z","from_applicant":true,"url":"/api/v1/documents/doc1"},`+
				`{"id":"doc2","kind":"answer","content_type":"image/png","size":900,"sha256":"cd","uploaded_at":"2026-11-19T10:00:00Z","from_applicant":true,"answers_task":"tk9","url":"/api/v1/documents/doc2"}]`))(c)
		case portalClaimDecided:
			js(http.StatusOK, portalClaimJSON(portalClaimDecided, "approved", "pd2", `[]`, `[]`))(c)
		case portalClaimFinal:
			js(http.StatusOK, portalClaimJSON(portalClaimFinal, "rejected", "pd3", `[]`, `[]`))(c)
		default:
			js(http.StatusNotFound, `{"error":{"code":"not_found","message":"claim `+c.Param("number")+` not found"}}`)(c)
		}
	})
	r.GET("/api/v1/decisions/:id/appeals", func(c *gin.Context) {
		if c.Param("id") == "pd3" {
			js(http.StatusOK, `{"id":"pd3","kind":"claim","number":"R-2026-000103","outcome":"rejection","centre_id":"csr-podgorica","issued_at":"2026-10-30T10:00:00Z",
				"delivered_on":"2026-10-31","appeal_deadline":"2026-11-15","final_on":"2026-11-16","finality":"final","appeals":[]}`)(c)
			return
		}
		js(http.StatusOK, `{"id":"pd2","kind":"claim","number":"R-2026-000102","outcome":"grant","centre_id":"csr-podgorica","issued_at":"2026-11-20T10:00:00Z",
			"delivered_on":"2026-11-21","appeal_deadline":"2026-12-06","finality":"appealable","appeals":[]}`)(c)
	})
	r.POST("/api/v1/decisions/:id/appeals", js(http.StatusBadRequest, `{"error":{"code":"invalid","field":"grounds","message":"say why the decision is wrong"}}`))
	return r
}

func portalClaimJSON(number, state, decision, requests, documents string) string {
	benefit := "DD"
	if number == portalClaimOpen {
		benefit = "ND"
	}
	out := `{"number":"` + number + `","benefit":"` + benefit + `","state":"` + state + `","state_reason":"","centre_id":"csr-podgorica","applicant_person_id":"` + citizenID + `",
		"subject_person_id":null,"member_person_ids":["` + citizenID + `","` + childID + `"],"payee_account":"ME25505000012345678951","filed_by":"citizen.demo",
		"filed_at":"2026-11-18T09:00:00Z","period":"2026-11-01","channel":"online","documents":` + documents + `,"document_requests":` + requests + `,
		"calculations":[],"tasks":[],"person_names":{"` + citizenID + `":"Stefan Bulatović","` + childID + `":"Sara Bulatović"}`
	switch decision {
	case "pd2":
		out += `,"calculation":{"eligible":true,"amount":"33.60","lines":[],"reasons":[]},
		"decision":{"id":"pd2","number":"R-2026-000102","kind":"grant","amount":"33.60","issued_at":"2026-11-20T10:00:00Z","prepared_by":"","approved_by":"","document_sha256":"cd","document_url":"/api/v1/decisions/pd2/document"},
		"entitlement":{"id":"e9","benefit":"DD","amount":"33.60","periodicity":"monthly","valid_from":"2026-11-01","next_revision":"2027-11-01T00:00:00Z","state":"active"}`
	case "pd3":
		out += `,"decision":{"id":"pd3","number":"R-2026-000103","kind":"rejection","amount":"0.00","issued_at":"2026-10-30T10:00:00Z","prepared_by":"","approved_by":"","document_sha256":"ef","document_url":"/api/v1/decisions/pd3/document"}`
	}
	return out + "}"
}

var portalMeJSON = `{"known":true,
	"person":{"id":"` + citizenID + `","jmbg":"2101006500003","given_name":"Stefan","family_name":"Bulatović","birth_date":"2006-01-21","sex":"M",
		"address":{"municipality":"ME-16","municipality_name":"Podgorica","settlement":"Podgorica","street":"Crnogorskih serdara 26"},
		"centre":{"id":"csr-podgorica","name":"JU Centar za socijalni rad Podgorica"}},
	"household":{"address":{"municipality":"ME-16","municipality_name":"Podgorica","settlement":"Podgorica","street":"Crnogorskih serdara 26"},"source":"population","fetched_at":"2026-11-18T08:00:00Z",
		"members":[{"person_id":"` + citizenID + `","given_name":"Stefan","family_name":"Bulatović","birth_date":"2006-01-21","relation":"head","you":true},
			{"person_id":"` + spouseID + `","given_name":"Milica","family_name":"Bulatović","birth_date":"2005-06-14","relation":"spouse","you":false},
			{"person_id":"` + childID + `","given_name":"Sara","family_name":"Bulatović","birth_date":"2025-09-03","relation":"child","you":false}]},
	"facts":[
		{"id":1,"kind":"identity","source":"population","institution":"MUP","value":{"jmbg":"2101006500003","given_name":"Stefan","family_name":"Bulatović","birth_date":"2006-01-21","sex":"M","alive":true},"valid_from":"2006-01-21","fetched_at":"2026-11-18T08:00:00Z","declared":false},
		{"id":2,"kind":"health_insurance","source":"health","value":{"insured":true,"basis":"dependant"},"valid_from":"2024-01-01","fetched_at":"2026-11-18T08:00:01Z","declared":false},
		{"id":3,"kind":"pension","source":"pension","value":{"receives":false},"valid_from":"2026-11-01","fetched_at":"2026-11-18T08:00:02Z","declared":false}],
	"sources":[{"source":"population","state":"answered"},{"source":"tax","state":"pending"}],
	"rights":[{"id":"e9","benefit":"DD","amount":"33.60","periodicity":"monthly","valid_from":"2026-11-01","state":"active","next_revision":"2027-11-01","claim_number":"` + portalClaimDecided + `",
		"versions":[{"seq":1,"valid_from":"2026-11-01","valid_to":null,"amount":"33.60","state":"active","reason":"grant","ref":"R-2026-000102"}],"notices":[]}],
	"payments":[{"period":"2026-10","benefit":"DD","amount":"33.60","channel":"bank","state":"paid"}],
	"decisions":[{"id":"pd2","kind":"claim","number":"R-2026-000102","outcome":"grant","centre_id":"csr-podgorica","issued_at":"2026-11-20T10:00:00Z","delivered_on":"2026-11-21",
		"appeal_deadline":"2026-12-06","finality":"appealable","appeals":[],"benefit":"DD","amount":"33.60","claim_number":"` + portalClaimDecided + `",
		"document_url":"/api/v1/decisions/pd2/document","document_sha256":"cd","may_appeal":true},
		{"id":"pd3","kind":"claim","number":"R-2026-000103","outcome":"rejection","centre_id":"csr-podgorica","issued_at":"2026-10-30T10:00:00Z","delivered_on":"2026-10-31",
		"appeal_deadline":"2026-11-15","final_on":"2026-11-16","finality":"final","appeals":[],"benefit":"DD","amount":"0.00","claim_number":"` + portalClaimFinal + `",
		"document_url":"/api/v1/decisions/pd3/document","document_sha256":"ef","may_appeal":false}],
	"claims":[{"number":"` + portalClaimOpen + `","benefit":"ND","state":"review","filed_at":"2026-11-18T09:00:00Z","channel":"online","open_requests":1},
		{"number":"` + portalClaimDecided + `","benefit":"DD","state":"approved","filed_at":"2026-11-10T09:00:00Z","channel":"online","open_requests":0},
		{"number":"` + portalClaimFinal + `","benefit":"DD","state":"rejected","filed_at":"2026-10-20T09:00:00Z","channel":"counter","open_requests":0}],
	"forms":[],"pending_sources":["tax"]}`

// TestClaimSteps: a claim's progress marks the steps behind it done and
// the one it is at current; a decided claim has every step done.
func TestClaimSteps(t *testing.T) {
	say := func(state string) string {
		var out []string
		for _, st := range stepsOf(state) {
			mark := "-"
			switch {
			case st.Done && st.Current:
				mark = "*"
			case st.Current:
				mark = ">"
			case st.Done:
				mark = "+"
			}
			out = append(out, mark+strings.TrimPrefix(st.Key, "p.step_"))
		}
		return strings.Join(out, " ")
	}
	for state, want := range map[string]string{
		"filed":    ">filed -evidence -review -approval -decided",
		"review":   "+filed +evidence >review -approval -decided",
		"deciding": "+filed +evidence +review +approval >decided",
		"approved": "+filed +evidence +review +approval *decided",
		"rejected": "+filed +evidence +review +approval *decided",
	} {
		if got := say(state); got != want {
			t.Errorf("%s: %s; want %s", state, got, want)
		}
	}
}
