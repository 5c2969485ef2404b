package web

import (
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/activation"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/domain/cases"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/domain/violence"
)

// TestPagesSpeakOneLanguage renders every page of the desk (issue 17) with
// representative data, through the pages' own handlers over a stand-in
// API, in Montenegrin and in English, and fails on any text of the other
// language (a value of the catalogue that differs between the two) or on
// a code left raw (the states, roles, kinds, task types, stages, benefit
// and procedure codes, centres, catalogue keys, and the developers' GUESS
// flag), checked as words of the page's visible text.
func TestPagesSpeakOneLanguage(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cfg: Config{API: fakeAPI(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}
	checks := languageChecks()
	rendered := map[string]bool{}
	for _, pc := range pageCases(s) {
		for _, lang := range languages {
			t.Run(pc.name+"/"+lang, func(t *testing.T) {
				body, status := pc.run(t, lang)
				if status >= 500 || status == http.StatusFound || status == http.StatusSeeOther {
					t.Fatalf("status %d: %.400s", status, body)
				}
				page := pageOf(body)
				if !strings.Contains(body, `data-page="`+pc.tpl+`"`) {
					t.Errorf("not the page %s: %.300s", pc.tpl, body)
				}
				rendered[pc.tpl] = true
				text := visibleText(body)
				for _, bad := range checks[lang].find(text) {
					t.Errorf("%s shows %q: %s", page, bad, around(text, bad))
				}
				if strings.Contains(text, "%!") { // a format's verb and its value do not match
					t.Errorf("%s shows a formatting slip: %s", page, around(text, "%!"))
				}
				for _, want := range pc.want[lang] {
					if !strings.Contains(text, want) && !strings.Contains(body, want) {
						t.Errorf("%s does not say %q", page, want)
					}
				}
			})
		}
	}
	for name := range pages {
		if !rendered[name] {
			t.Errorf("page %s was not rendered by the test: add a case", name)
		}
	}
}

// TestTheLanguageCheckFails: the check finds English on a Montenegrin
// page, a Montenegrin word on an English one, raw codes and the GUESS flag.
func TestTheLanguageCheckFails(t *testing.T) {
	checks := languageChecks()
	for _, c := range []struct{ lang, text, want string }{
		{"cnr", "Zahtjev Z-2026-000001 · Due 22.11.2026.", "Due"},
		{"cnr", "Stanje: acknowledged", "acknowledged"},
		{"cnr", "Zadatak: case_initial_assessment", "case_initial_assessment"},
		{"cnr", "Pravo: MO · 120,00 €", "MO"},
		{"cnr", "Postupak P01", "P01"},
		{"cnr", "od 28.05.2013.: Pravilnik (GUESS)", "GUESS"},
		{"cnr", "Ana Radović · caseworker", "caseworker"},
		{"en", "Task · Rok 22 Nov 2026", "Rok"},
		{"en", "State: initial_assessment", "initial_assessment"},
		{"en", "Missing: claimed_by", "claimed_by"},
	} {
		found := checks[c.lang].find(c.text)
		if !contains(found, c.want) {
			t.Errorf("%s %q: found %v; want %q", c.lang, c.text, found, c.want)
		}
	}
	for _, c := range []struct{ lang, text string }{
		{"cnr", "Moji zadaci · Rok 22.11.2026. · Ana Radović · stručni radnik · Materijalno obezbjeđenje"},
		{"en", "My inbox · Due 22 Nov 2026 · Ana Radović · caseworker · open"},
	} {
		if found := checks[c.lang].find(c.text); len(found) > 0 {
			t.Errorf("%s %q: found %v; want nothing", c.lang, c.text, found)
		}
	}
}

// ---- the check

type languageCheck struct {
	words []string
}

// find lists the phrases of the other language and the raw codes text
// holds as words: each found where neither side touches a letter, a digit,
// '_' or '-' (a substring search, not a regexp per word: thousands of
// regexps over every page took minutes under the race detector).
func (lc languageCheck) find(text string) []string {
	var out []string
	for _, w := range lc.words {
		if holdsWord(text, w) {
			out = append(out, w)
		}
	}
	return out
}

// holdsWord says whether w occurs in text as a word of its own.
func holdsWord(text, w string) bool {
	if w == "" {
		return false
	}
	for from := 0; ; {
		i := strings.Index(text[from:], w)
		if i < 0 {
			return false
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(text[:i])
		after, _ := utf8.DecodeRuneInString(text[i+len(w):])
		if (i == 0 || !wordRune(before)) && (i+len(w) == len(text) || !wordRune(after)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		from = i + size
	}
}

func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_' || r == '-'
}

// languageChecks are, per language, what its pages must never show.
func languageChecks() map[string]languageCheck {
	own := map[string]map[string]bool{"cnr": {}, "en": {}}      // each language's values
	ownWords := map[string]map[string]bool{"cnr": {}, "en": {}} // and the words they are made of
	split := regexp.MustCompile(`[^\pL\pN_-]+`)
	for _, m := range messages {
		for _, l := range languages {
			own[l][m[l]] = true
			for _, w := range split.Split(m[l], -1) {
				ownWords[l][w] = true
			}
		}
	}
	other := map[string]string{"cnr": "en", "en": "cnr"}
	out := map[string]languageCheck{}
	for _, lang := range languages {
		bad := map[string]bool{}
		for _, m := range messages {
			w := m[other[lang]]
			if len([]rune(w)) < 2 || strings.Contains(w, "%") || own[lang][w] || w == m[lang] || ownWords[lang][w] { // "do": "until" in Montenegrin, a word of English
				continue
			}
			bad[w] = true
		}
		for _, code := range rawCodes() {
			if own[lang][code] || ownWords[lang][code] { // a word of its language ("open" in English, "plan" in Montenegrin)
				continue
			}
			bad[code] = true
		}
		words := make([]string, 0, len(bad))
		for w := range bad {
			words = append(words, w)
		}
		sort.Strings(words)
		out[lang] = languageCheck{words: words}
	}
	return out
}

// rawCodes are the codes the API gives that a page must say in words.
func rawCodes() []string {
	codes := []string{"GUESS", "PRETPOSTAVKA"}
	for enum, values := range enumWords {
		for v := range values {
			if len(v) > 1 && enum != "registry" { // "M"/"F" are letters of words too
				codes = append(codes, v)
			}
		}
	}
	for key := range messages {
		if strings.ContainsAny(key, "_.") { // a missing word shows its key
			codes = append(codes, key)
		}
	}
	for _, stage := range []string{"intake", "opening", "initial_assessment", "detailed_assessment", "plan", "monitoring", "closing"} {
		codes = append(codes, stage, "case_"+stage)
	}
	for _, b := range benefits.Catalogue() {
		codes = append(codes, string(b.Code))
	}
	codes = append(codes, cases.Procedures.Codes()...)
	for _, r := range domain.Roles() {
		codes = append(codes, string(r))
	}
	for _, c := range domain.Centres() {
		codes = append(codes, c.ID)
	}
	for _, u := range domain.DemoUsers() {
		codes = append(codes, u.Username)
	}
	return codes
}

var (
	scriptRE = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`)
	tagRE    = regexp.MustCompile(`(?s)<[^>]*>`)
	attrRE   = regexp.MustCompile(`\s(placeholder|aria-label|title|alt|label)="([^"]*)"`)
	buttonRE = regexp.MustCompile(`<input[^>]*type="(?:submit|button)"[^>]*value="([^"]*)"`)
	spaceRE  = regexp.MustCompile(`\s+`)
)

// visibleText is what a page shows and reads out: its text and the
// attributes that are read (placeholders, labels, titles).
func visibleText(body string) string {
	body = scriptRE.ReplaceAllString(body, " ")
	var extra []string
	for _, m := range attrRE.FindAllStringSubmatch(body, -1) {
		extra = append(extra, m[2])
	}
	for _, m := range buttonRE.FindAllStringSubmatch(body, -1) {
		extra = append(extra, m[1])
	}
	text := tagRE.ReplaceAllString(body, " \n ")
	text = html.UnescapeString(text + " \n " + strings.Join(extra, " \n "))
	return spaceRE.ReplaceAllString(text, " ")
}

func around(text, w string) string {
	i := strings.Index(text, w)
	if i < 0 {
		return ""
	}
	from, to := max(0, i-60), min(len(text), i+len(w)+60)
	return "…" + text[from:to] + "…"
}

func pageOf(body string) string {
	if m := regexp.MustCompile(`<h1[^>]*>(.*?)</h1>`).FindStringSubmatch(body); m != nil {
		return strings.TrimSpace(tagRE.ReplaceAllString(m[1], ""))
	}
	return "the page"
}

// ---- the pages

type pageCase struct {
	name string
	tpl  string // the page's template
	run  func(t *testing.T, lang string) (string, int)
	want map[string][]string // what it must say, by language
}

// request runs h as user would reach it: method, path with its route's
// params, a form, the language cookie.
func (s *server) request(t *testing.T, lang, username, method, target string, params gin.Params, form url.Values, h gin.HandlerFunc) (string, int) {
	t.Helper()
	u, ok := domain.DemoUser(username)
	if !ok {
		t.Fatalf("no demo user %s", username)
	}
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	c.Request = httptest.NewRequest(method, target, body)
	if form != nil {
		c.Request.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	c.Request.AddCookie(&http.Cookie{Name: cookieLang, Value: lang})
	c.Params = params
	c.Set("user", u)
	c.Set("token", "test-token")
	c.Set("csrf", "test-csrf")
	h(c)
	return w.Body.String(), w.Code
}

func get(s *server, user, target string, h gin.HandlerFunc, params ...string) func(*testing.T, string) (string, int) {
	return func(t *testing.T, lang string) (string, int) {
		var ps gin.Params
		for i := 0; i+1 < len(params); i += 2 {
			ps = append(ps, gin.Param{Key: params[i], Value: params[i+1]})
		}
		return s.request(t, lang, user, http.MethodGet, target, ps, nil, h)
	}
}

func post(s *server, user, target string, form url.Values, h gin.HandlerFunc, params ...string) func(*testing.T, string) (string, int) {
	return func(t *testing.T, lang string) (string, int) {
		var ps gin.Params
		for i := 0; i+1 < len(params); i += 2 {
			ps = append(ps, gin.Param{Key: params[i], Value: params[i+1]})
		}
		return s.request(t, lang, user, http.MethodPost, target, ps, form, h)
	}
}

func both(cnr, en string) map[string][]string { return map[string][]string{"cnr": {cnr}, "en": {en}} }

func pageCases(s *server) []pageCase {
	claimForm := url.Values{"applicant": {personID}, "benefit": {"MO"}, "members": {memberID}, "payee_account": {"ME25 5050 0001 2345 6789 52"}, "consent": {"yes"}}
	regForm := url.Values{"jmbg": {unknownJMBG}, "given_name": {"Mil4n"}, "family_name": {"Kovačević"}, "municipality": {"ME-16"}, "settlement": {""}}
	return append([]pageCase{
		{name: "inbox", tpl: "inbox", run: get(s, "ana.caseworker", "/inbox", s.inbox), want: map[string][]string{"cnr": {"Pregled zahtjeva", "podnesen preko interneta"}, "en": {"Review claim", "filed online"}}},
		{name: "public register of providers", tpl: "public_providers", run: get(s, "citizen.demo", "/public/providers?municipality=ME-16", s.publicProviders),
			want: map[string][]string{"cnr": {"Dnevni boravak za djecu sa smetnjama u razvoju", "oduzeta", "Podgorica"}, "en": {"Day care for children with disabilities", "withdrawn"}}},
		cashDeskPageCases(s)[0], // the cash desk (cashdesk_test.go)
		cashDeskPageCases(s)[1],
		cashDeskPageCases(s)[2],
		cashDeskPageCases(s)[3],
		cashDeskPageCases(s)[4],
		cashDeskPageCases(s)[5],
		cashDeskPageCases(s)[6],
		carePageCases(s)[0], // the resident's care (care_test.go)
		carePageCases(s)[1],
		carePageCases(s)[2],
		carePageCases(s)[3],
		carePageCases(s)[4],
		carePageCases(s)[5],
		carePageCases(s)[6],
		placementPageCases(s)[0], // the placements (placements_test.go)
		placementPageCases(s)[1],
		placementPageCases(s)[2],
		placementPageCases(s)[3],
		placementPageCases(s)[4],
		serviceReferralPageCases(s)[0], // referrals to providers' services (servicereferrals_test.go)
		serviceReferralPageCases(s)[1],
		serviceReferralPageCases(s)[2],
		serviceUsePageCases(s)[0], // the provider's service-use records (serviceuse_test.go)
		serviceUsePageCases(s)[1],
		serviceUsePageCases(s)[2],
		serviceUsePageCases(s)[3],
		waitingListPageCases(s)[0], // the waiting lists (waitinglists_test.go)
		waitingListPageCases(s)[1],
		costReportPageCases(s)[0], // the cost reports (costreports_test.go)
		costReportPageCases(s)[1],
		costReportPageCases(s)[2],
		gatehousePageCases(s)[0], // the gatehouse (gatehouse_test.go)
		gatehousePageCases(s)[1],
		gatehousePageCases(s)[2],
		// the residential institutions' pages (institution_test.go)
		institutionPageCases(s)[0],
		institutionPageCases(s)[1],
		institutionPageCases(s)[2],
		institutionPageCases(s)[3],
		institutionPageCases(s)[4],
		providerPageCases(s)[0], // contracts, delegations, the provider's pages (provider_test.go)
		providerPageCases(s)[1],
		providerPageCases(s)[2],
		providerPageCases(s)[3],
		providerPageCases(s)[4],
		inspectionPageCases(s)[0], // the officer's page of a provider and their list (inspections_test.go)
		inspectionPageCases(s)[1],
		learningPageCases(s)[0], // the professionals' pages (learning_test.go)
		learningPageCases(s)[1],
		learningPageCases(s)[2],
		learningPageCases(s)[3],
		{name: "e-file", tpl: "person", run: get(s, "ana.caseworker", "/persons/"+personID, s.personPage, "id", personID),
			want: both("prijavljeni prihodi", "registered income")},
		{name: "new claim: search", tpl: "newclaim", run: get(s, "ana.caseworker", "/claims/new?q=Vujovi%C4%87", s.newClaim)},
		{name: "new claim: register", tpl: "newclaim", run: get(s, "ana.caseworker", "/claims/new?q="+unknownJMBG, s.newClaim)},
		{name: "new claim: form", tpl: "newclaim", run: get(s, "ana.caseworker", "/claims/new?person="+personID, s.newClaim)},
		{name: "new claim: sent back", tpl: "newclaim", run: post(s, "ana.caseworker", "/claims", claimForm, s.fileClaim),
			want: map[string][]string{"cnr": {"kontrolne cifre IBAN-a se ne slažu", "ME25 5050 0001 2345 6789 52"}, "en": {"the IBAN's check digits do not match"}}},
		{name: "registration sent back", tpl: "newclaim", run: post(s, "ana.caseworker", "/persons", regForm, s.registerPerson),
			want: both("dozvoljena su samo slova", "letters, spaces, hyphens and apostrophes only")},
		{name: "claim: review", tpl: "claim", run: get(s, "ana.caseworker", "/claims/"+claimNumber, s.claimPage, "number", claimNumber),
			want: map[string][]string{"cnr": {"parametar čeka potvrdu", "podnesen preko interneta"}, "en": {"parameter awaiting confirmation", "filed online"}}},
		{name: "claim: approval", tpl: "claim", run: get(s, "marko.supervisor", "/claims/"+claimNumber, s.claimPage, "number", claimNumber)},
		{name: "claim: decided", tpl: "claim", run: get(s, "ana.caseworker", "/claims/"+claimDecided, s.claimPage, "number", claimDecided)},
		{name: "claim: withdrawal unconfirmed", tpl: "claim", run: post(s, "ana.caseworker", "/claims/"+claimNumber+"/withdraw", url.Values{"reason": {"Podnosilac odustaje"}}, s.withdraw, "number", claimNumber),
			want: both("potvrdite radnju", "confirm the action")},
		{name: "board", tpl: "board", run: get(s, "marko.supervisor", "/board", s.board),
			want: map[string][]string{"cnr": {"Nepreuzeto: stručni radnik", "Ana Radović", "Preraspodijeli označene"}, "en": {"Unclaimed: caseworker", "Reassign the checked"}}},
		{name: "board: filtered", tpl: "board", run: get(s, "marko.supervisor", "/board?worker=ana.caseworker&overdue=true&type=claim.review", s.board),
			want: both("Poništi filtere", "Clear the filters")},
		{name: "board: reassignment unchecked", tpl: "board", run: post(s, "marko.supervisor", "/board/reassign?overdue=true", url.Values{"to": {""}}, s.reassign),
			want: both("označite bar jedan zadatak", "check at least one task")},
		{name: "board: reassignment refused", tpl: "board", run: post(s, "marko.supervisor", "/board/reassign", url.Values{"task": {"t1"}, "to": {"jelena.caseworker"}, "reason": {"Godišnji odmor"}}, s.reassign),
			want: map[string][]string{"cnr": {"Jelena Lekić nije radnik centra", "Godišnji odmor"}, "en": {"Jelena Lekić is not on the staff of"}}},
		{name: "cases", tpl: "cases", run: get(s, "ana.caseworker", "/cases", s.casesPage)},
		{name: "new case", tpl: "newcase", run: get(s, "ana.caseworker", "/cases/new?person="+personID, s.newCase), want: both("Izaberite postupak", "Choose the procedure")},
		{name: "new case: sent back", tpl: "newcase", run: post(s, "ana.caseworker", "/cases", url.Values{"person": {personID}, "procedure": {""}, "f.source": {"school"}}, s.openCase),
			want: both("obavezno polje", "is required")},
		{name: "case: opening", tpl: "case", run: get(s, "ana.caseworker", "/cases/"+caseNumber, s.casePage, "number", caseNumber), want: both("Ivan Bošković", "Ivan Bošković")},
		{name: "case: monitoring", tpl: "case", run: get(s, "ana.caseworker", "/cases/"+caseMonitored, s.casePage, "number", caseMonitored)},
		{name: "case: transfer unconfirmed", tpl: "case", run: post(s, "marko.supervisor", "/cases/"+caseMonitored+"/actions/transfer", url.Values{"centre_id": {"csr-niksic"}}, s.caseAction,
			"number", caseMonitored, "action", "transfer")},
		{name: "dv register", tpl: "dvregister", run: get(s, "dragana.dv", "/dv", s.dvRegisterPage)},
		// The staff's registers (issue 21; the stand-in API's answers in carers_test.go).
		{name: "registers: guardians", tpl: "registers", run: get(s, "ana.caseworker", "/registers", s.registersPage),
			want: map[string][]string{"cnr": {"Milica Đurović", "obuka – završena", "traje"}, "en": {"Milica Đurović", "training – completed", "in force"}}},
		{name: "registers: foster carers", tpl: "registers", run: get(s, "ana.caseworker", "/registers?register=foster-carers&state=all", s.registersPage),
			want: map[string][]string{"cnr": {"Hraniteljska porodica", "okončano rješenjem"}, "en": {"Foster family", "ended by decision"}}},
		{name: "registers: beneficiaries", tpl: "registers", run: get(s, "goran.ministry", "/registers?register=beneficiaries&benefit=MO&on=2026-11-30", s.registersPage),
			want: map[string][]string{"cnr": {"Broj korisnika: 1", "Materijalno obezbjeđenje"}, "en": {"Beneficiaries: 1"}}},
		{name: "dv notification", tpl: "dv", run: get(s, "dragana.dv", "/dv/"+dvRef, s.dvPage, "reference", dvRef)},
		{name: "dv notification without a case", tpl: "dv", run: get(s, "dragana.dv", "/dv/"+dvRefNoCase, s.dvPage, "reference", dvRefNoCase),
			want: both("Pridruži predmetu "+caseNumber, "Join case "+caseNumber)},
		{name: "activation", tpl: "activation", run: get(s, "ana.caseworker", "/activation", s.activationPage)},
		{name: "referral", tpl: "referral", run: get(s, "ana.caseworker", "/activation/"+referralID, s.referralPage, "id", referralID)},
		{name: "referral: agency", tpl: "referral", run: get(s, "zorana.zzz", "/activation/"+referralID, s.referralPage, "id", referralID)},
		{name: "payroll", tpl: "payroll", run: get(s, "marija.finance", "/payrolls/2026-10", s.payrollPage, "period", "2026-10"),
			want: map[string][]string{"cnr": {"Ukupno za obračun", "oktobar 2026.", "Podgorica", "preuzmi", "novo pravo (1)"}, "en": {"Grand total", "October 2026", "download"}}},
		{name: "payroll: months", tpl: "payroll", run: get(s, "nina.finance", "/payrolls", s.payrollPage), want: both("bez obračuna", "no payroll")},
		{name: "payroll: a month without one", tpl: "payroll", run: get(s, "nina.finance", "/payrolls/2026-08", s.payrollPage, "period", "2026-08"),
			want: both("Za avgust 2026. nema obračuna isplata.", "There is no payroll for August 2026.")},
		{name: "payroll: approval unconfirmed", tpl: "payroll", run: post(s, "marija.finance", "/payrolls/2026-10/approve", url.Values{}, s.payrollAction, "period", "2026-10", "action", "approve"),
			want: both("potvrdite radnju", "confirm the action")},
		{name: "search", tpl: "search", run: get(s, "ana.caseworker", "/persons?q=Jovana", s.searchPage)},
		{name: "reports", tpl: "reports", run: get(s, "luka.analyst", "/reports", s.reportsPage)},
		{name: "audit", tpl: "audit", run: get(s, "tea.auditor", "/audit", s.auditPage)},
		{name: "refused", tpl: "message", run: get(s, "jelena.caseworker", "/persons/"+refusedID, s.personPage, "id", refusedID),
			want: both("nema pravo na ovu radnju", "may not do this")},
	}, append(append(append(employerPageCases(s), portalPageCases(s)...), biPageCases(s)...), append(licensingPageCases(s), pharmacyPageCases(s)...)...)...) // the employers' portal (employer_test.go), the citizens' (portal_test.go), the statistics (bi_test.go), licensing (licensing_test.go), the medicines (pharmacy_test.go)
}

// ---- the stand-in API

const (
	personID      = "11111111-1111-1111-1111-111111111111"
	memberID      = "22222222-2222-2222-2222-222222222222"
	refusedID     = "33333333-3333-3333-3333-333333333333"
	unknownJMBG   = "0101990210006"
	claimNumber   = "Z-2026-000001"
	claimDecided  = "Z-2026-000002"
	caseNumber    = "S-2026-000001"
	caseMonitored = "S-2026-000002"
	dvRef         = "NP-2026-000001"
	dvRefNoCase   = "NP-2026-000002"
	referralID    = "RA-2026-000001"
)

func fakeAPI() http.Handler {
	r := gin.New()
	js := func(body string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(http.StatusOK, "application/json", []byte(body)) }
	}
	refuse := func(status int, body string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(status, "application/json", []byte(body)) }
	}
	// The staff's registers (issue 21, carers_test.go).
	fakeRegisterAPI(r)
	r.GET("/api/v1/public/providers", func(c *gin.Context) { // the public register (issue 21): the service's name in the language asked
		name := providers.Services()[0].Label(c.Query("lang"))
		js(`{"as_of":"2026-12-01","entries":[{"provider_id":1,"name":"Dnevni centar Sunce","street":"Njegoševa 1","municipality":"ME-16",` +
			`"municipality_name":"Podgorica","licence_number":"L-2026-001","service":"day_care_disability","service_name":"` + name + `",` +
			`"valid_from":"2026-01-01","valid_until":"2031-12-31","state":"withdrawn"}]}`)(c)
	})
	// the professionals' register and courses (learning_test.go)
	fakeLearning(r)
	// the residential institutions (institution_test.go)
	fakeInstitutionAPI(r)
	// contracts, delegations, the provider's pages (provider_test.go)
	providerFakeAPI(r)
	r.GET("/api/v1/providers/:id/supervision", fakeSupervision) // the officer's page of a provider (inspections_test.go)
	r.GET("/api/v1/providers", fakeProvidersInForce)            // the providers a placement may name (inspections_test.go)
	r.GET("/api/v1/tasks", js(`{"tasks":[`+strings.Join([]string{taskReview, taskCase, taskDV, taskReferral, taskAppeal}, ",")+`],"counts":{"total":5,"shown":5,"overdue":1}}`))
	r.GET("/api/v1/persons/:id", func(c *gin.Context) {
		if c.Param("id") == refusedID {
			refuse(http.StatusForbidden, `{"error":{"code":"forbidden","message":"the caseworker role of csr-niksic may not read this person of centre csr-podgorica"}}`)(c)
			return
		}
		js(efile)(c)
	})
	r.GET("/api/v1/persons", func(c *gin.Context) {
		if c.Query("jmbg") == unknownJMBG {
			js(`{"persons":[],"total":0}`)(c)
			return
		}
		js(`{"persons":[` + personJSON + `],"total":1}`)(c)
	})
	r.POST("/api/v1/persons", refuse(http.StatusBadRequest, `{"error":{"code":"invalid","message":"2 fields are invalid","fields":[
		{"field":"given_name","message":"may contain letters, spaces, hyphens and apostrophes only"},{"field":"address.settlement","message":"is required"}]}}`))
	r.POST("/api/v1/claims", refuse(http.StatusBadRequest, `{"error":{"code":"invalid","field":"payee_account","message":"IBAN check digits do not match (ISO 13616 mod 97)"}}`))
	r.GET("/api/v1/claims/:number", func(c *gin.Context) {
		if c.Param("number") == claimDecided {
			js(decidedJSON)(c)
			return
		}
		js(claimJSON)(c)
	})
	r.GET("/api/v1/cases", js(`{"cases":[`+caseSummary(caseNumber, "opening")+`,`+caseSummary(caseMonitored, "monitoring")+`]}`))
	r.GET("/api/v1/cases/:number", func(c *gin.Context) {
		if c.Param("number") == caseMonitored {
			js(caseView(caseMonitored, "monitoring", ""))(c)
			return
		}
		js(caseView(caseNumber, "opening", taskOpening))(c)
	})
	r.POST("/api/v1/cases", refuse(http.StatusBadRequest, `{"error":{"code":"invalid","field":"procedure","message":"procedure \"\" does not exist (P01 to P42)"}}`))
	r.GET("/api/v1/procedures", func(c *gin.Context) {
		var list []any
		for _, code := range cases.Procedures.Codes() {
			d, _ := cases.Procedures.Get(code, 0)
			list = append(list, gin.H{"code": d.Code, "version": d.Version, "name": d.Name, "group": d.Group, "urgent": d.Urgent})
		}
		c.JSON(http.StatusOK, gin.H{"procedures": list})
	})
	r.GET("/api/v1/procedures/:code", func(c *gin.Context) {
		v, _ := strconv.Atoi(c.Query("version"))
		d, err := cases.Procedures.Get(c.Param("code"), v)
		if err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": gin.H{"code": "invalid", "message": err.Error()}})
			return
		}
		forms := map[string]json.RawMessage{}
		for _, name := range []string{"intake", "tracking_item", "decision"} {
			forms[name], _ = cases.Procedures.Form(name)
		}
		for _, st := range d.Stages {
			forms[st.Form], _ = cases.Procedures.Form(st.Form)
		}
		c.JSON(http.StatusOK, gin.H{"code": d.Code, "version": d.Version, "name": d.Name, "decisions": d.Decisions, "subprocedures": d.SubProcedures, "forms": forms})
	})
	r.GET("/api/v1/revisions", js(`{"revisions":[{"entitlement_id":"e1","beneficiary_person_id":"`+personID+`","beneficiary_name":"Jovana Vujović","benefit":"MO","amount":"120.00","next_revision":"2026-12-01","overdue":true,"revision_id":null}]}`))
	r.GET("/api/v1/dv-register", js(`{"entries":[`+dvJSON+`]}`))
	r.GET("/api/v1/violence-notifications/:ref", func(c *gin.Context) {
		if c.Param("ref") == dvRefNoCase { // no case yet: the victim's open case may be joined (issue 17)
			js(strings.NewReplacer(`"case_number":"`+caseNumber+`"`, `"case_number":"","direction":"from_police","open_cases":[{"number":"`+caseNumber+
				`","procedure":"P37","stage":"opening","person_id":"`+personID+`","role":"beneficiary"}]`, dvRef, dvRefNoCase).Replace(dvJSON))(c)
			return
		}
		js(dvJSON)(c)
	})
	r.GET("/api/v1/schemas/:name", func(c *gin.Context) {
		var raw json.RawMessage
		switch c.Param("name") {
		case "dv-first-contact.json":
			raw, _ = violence.Schemas.Raw("first_contact")
		case "activation-decision.json":
			raw, _ = activation.Schemas.Raw("decision")
		}
		c.Data(http.StatusOK, "application/json", raw)
	})
	r.GET("/api/v1/activation/referrals", js(`{"referrals":[`+referralJSON+`]}`))
	r.GET("/api/v1/activation/referrals/:id", js(referralJSON))
	r.GET("/api/v1/payrolls/:period", func(c *gin.Context) {
		if c.Param("period") == "2026-08" {
			refuse(http.StatusNotFound, `{"error":{"code":"not_found","message":"payroll payroll/2026-08 not found"}}`)(c)
			return
		}
		js(payrollJSON)(c)
	})
	r.GET("/api/v1/payrolls", js(`{"latest":"2026-10","months":[{"period":"2026-10","payable":true,"payroll":{"id":"payroll/2026-10","state":"awaiting_approval",
		"prepared_by":"nina.finance","approved_by":"","updated_at":"2026-11-20T10:00:00Z","files":1,"transfers":2,"total":"240.00"}},
		{"period":"2026-09","payable":true,"payroll":{"id":"payroll/2026-09","state":"sent","prepared_by":"nina.finance","approved_by":"marija.finance",
		"updated_at":"2026-10-20T10:00:00Z","files":1,"transfers":2,"total":"200.00"}},{"period":"2026-08","payable":true,"payroll":null}]}`))
	r.GET("/api/v1/tasks/workload", js(`{"centre_id":"csr-podgorica","as_of":"2026-11-21T10:00:00Z","open":7,"overdue":2,"workers":[
		{"worker":"ana.caseworker","open":5,"overdue":1,"oldest_since":"2026-11-10T08:00:00Z"},
		{"worker":"","group":"caseworker","open":2,"overdue":1,"oldest_since":"2026-11-20T09:30:00Z"}]}`))
	r.POST("/api/v1/tasks/reassign", refuse(http.StatusBadRequest, `{"error":{"code":"invalid","field":"to","message":"\"jelena.caseworker\" is not on the staff of csr-podgorica"}}`))
	r.GET("/api/v1/reports/cases", js(`{"centre_id":"csr-podgorica","timeliness":[{"centre_id":"csr-podgorica","worker":"ana.caseworker","stage":"initial_assessment","met":3,"missed":1,"open":2}],
		"open_per_worker":[{"centre_id":"csr-podgorica","worker":"ivan.caseworker","open_cases":4}],"by_procedure_and_stage":[{"procedure":"P22","status":"open","stage":"plan","cases":2}]}`))
	r.GET("/api/v1/statistics/violence", js(`{"year":2026,"by_municipality":[{"key":"ME-16","victims":12}],"by_month":[{"key":"2026-10","victims":3}]}`))
	employerFakeAPI(r) // employer_test.go
	biFakeAPI(r)       // bi_test.go
	licensingFakeAPI(r)
	pharmacyFakeAPI(r)  // the medicines (pharmacy_test.go)
	placementFakeAPI(r) // the placements (placements_test.go)
	serviceReferralFakeAPI(r)
	gatehouseFakeAPI(r)
	cashDeskFakeAPI(r) // the cash desk (cashdesk_test.go)
	fakeCareAPI(r)     // the resident's care (care_test.go)
	// the provider's service-use records (serviceuse_test.go)
	serviceUseFakeAPI(r)
	fakeWaitingLists(r) // the waiting lists (waitinglists_test.go)
	// the cost reports (costreports_test.go)
	costReportsFakeAPI(r)
	r.GET("/api/v1/audit/misuse", js(`{"from":"2026-10-22","to":"2026-11-21","scope":"all centres","findings":[{"username":"ivan.caseworker","role":"caseworker","centre_id":"csr-podgorica","kind":"other_centre","count":3,"first":"2026-11-01T10:00:00Z","last":"2026-11-20T10:00:00Z"}]}`))
	return r
}

var personJSON = `{"id":"` + personID + `","jmbg":"0103986215005","given_name":"Jovana","family_name":"Vujović","birth_date":"1986-03-01","sex":"F",
	"address":{"municipality":"ME-16","municipality_name":"Podgorica","settlement":"Podgorica","street":"Bulevar Svetog Petra Cetinjskog 12"},
	"centre":{"id":"csr-podgorica","name":"JU Centar za socijalni rad Podgorica"},"open_rights":["MO"],"open_cases":1}`

var efile = `{"person":` + personJSON + `,
	"household":{"id":"h1","address":{"settlement":"Podgorica","street":"Bulevar Svetog Petra Cetinjskog 12"},"members":[
		{"person_id":"` + personID + `","jmbg":"0103986215005","given_name":"Jovana","family_name":"Vujović","relation":"head"},
		{"person_id":"` + memberID + `","jmbg":"1505012215008","given_name":"Luka","family_name":"Vujović","relation":"child"}]},
	"evidence":[
		{"id":1,"kind":"identity","source":"population","value":{"jmbg":"0103986215005","given_name":"Jovana","family_name":"Vujović","birth_date":"1986-03-01","sex":"F","alive":true},"valid_from":"1986-03-01","fetched_at":"2026-11-20T10:00:00Z","provenance":{"request_id":"x-1"}},
		{"id":2,"kind":"registered_income","source":"tax","value":{"sources":[{"payer_pib":"02655284","kind":"employment","monthly_net":"250.00"}],"monthly_total_net":"250.00"},"valid_from":"2026-10-01","fetched_at":"2026-11-20T10:00:00Z","provenance":{"request_id":"x-2"}},
		{"id":3,"kind":"health_insurance","source":"health","declared":true,"value":{"insured":true,"basis":"dependant"},"valid_from":"2020-01-01","fetched_at":"2026-11-20T10:00:00Z","provenance":{"request_id":"x-3"}}],
	"pending_sources":["pension"],"failed_sources":["vehicles"],
	"entitlements":[{"id":"e1","benefit":"MO","amount":"120.00","periodicity":"monthly","valid_from":"2026-11-01","state":"active","claim_number":"` + claimNumber + `","versions":[],"notices":[],"tasks":[]}],
	"changes":[{"occurred_on":"2026-11-02","kind":"income","source":"tax","state":"applied","outcome":[{"benefit":"MO","action":"rerated","from":"2026-12-01"}]}],
	"payments":[{"period":"2026-10","benefit":"MO","amount":"120.00","channel":"bank","state":"exception","reason":"IBAN check digits do not match (ISO 13616 mod 97)"}],
	"claims":[{"number":"` + claimNumber + `","benefit":"MO","state":"approved","filed_at":"2026-11-03T09:00:00Z"}],
	"cases":[{"number":"` + caseNumber + `","procedure":"P22","procedure_name":{"cnr":"Smještaj","en":"Placement"},"stage":"opening","status":"open","opened_at":"2026-11-04T09:00:00Z"}],
	"referrals":[{"id":"` + referralID + `","state":"acknowledged","referred_at":"2026-11-05T09:00:00Z","agency_reference":"ZZZ-77"}],
	"violence":[{"reference":"` + dvRef + `","received_at":"2026-11-06T09:00:00Z","state":"contacted","risk_level":"high","case_number":"` + caseNumber + `"}],
	"access_log":[{"at":"2026-11-20T10:00:00Z","username":"ana.caseworker","role":"caseworker","centre_id":"csr-podgorica","purpose":"e_file","outcome":"allowed"},
		{"at":"2026-11-20T11:00:00Z","username":"police-system","role":"police_officer","purpose":"police_notification","outcome":"denied"}]}`

func task(id, typ, subject, group, data string) string {
	return `{"id":"` + id + `","type":"` + typ + `","subject":"` + subject + `","person_id":"` + personID + `","person_name":"Jovana Vujović","centre_id":"csr-podgorica",
		"candidate_group":"` + group + `","assignee":"ana.caseworker","state":"open","due_at":"2026-11-25T10:00:00Z","created_at":"2026-11-19T10:00:00Z","overdue":true,
		"escalated_to":"supervisor@csr-podgorica","data":` + data + `}`
}

var (
	taskReview   = strings.Replace(task("t1", "claim.review", claimNumber, "caseworker@csr-podgorica", `{"max_amount":"150.00"}`), `"state":"open"`, `"channel":"online","state":"open"`, 1) // filed online (issue 18)
	taskApprove  = task("t6", "claim.approve", claimNumber, "supervisor@csr-podgorica", `{"decision":"grant","amount":"120.00","prepared_by":"ana.caseworker"}`)
	taskCase     = task("t2", "case_initial_assessment", "P22 "+caseNumber+": initial_assessment", "caseworker@csr-podgorica", `{"case":"`+caseNumber+`","stage":"initial_assessment","form":"initial_assessment","procedure":"P22"}`)
	taskDV       = task("t3", "dv_first_contact", dvRef+": police notification PU-1", "dv_caseworker@csr-podgorica", `{"notification":"`+dvRef+`"}`)
	taskReferral = task("t4", "activation.decide", referralID+": Job offer refused", "caseworker@csr-podgorica", `{"referral":"`+referralID+`","cause":"job_offer_refused"}`)
	taskAppeal   = task("t5", "appeal.review", "ZA-1: appeal against R-1", "caseworker@csr-podgorica", `{}`)
	taskOpening  = task("t7", "case_opening", "P22 "+caseNumber+": opening", "caseworker@csr-podgorica", `{"case":"`+caseNumber+`","stage":"opening","form":"opening","procedure":"P22"}`)
)

var claimJSON = `{"number":"` + claimNumber + `","benefit":"MO","state":"review","state_reason":"pravo „Materijalno obezbjeđenje” se već ostvaruje po zahtjevu Z-2025-000009: isto pravo se ne može ostvariti dvaput",
	"applicant_person_id":"` + personID + `","person_names":{"` + personID + `":"Jovana Vujović"},"payee_account":"ME25505000012345678951","filed_by":"ana.caseworker","channel":"online",
	"calculation":{"eligible":true,"amount":"120.00","max_amount":"150.00","reasons":["the household's income 250.00 EUR is not below the threshold 120.00 EUR"],
		"why":[{"key":"no.income","args":["250.00","120.00"]}],"evidence_ids":[1,2],
		"lines":[{"what":"household members","value":"2","source":"population/household","text":{"key":"members"},"from":{"key":"src.household"}},
			{"what":"vehicle limit","value":"5000","source":"parameter mo.property.vehicle_value_max from 2013-05-28: Rulebook (GUESS)","text":{"key":"param.mo.property.vehicle_value_max"},
				"from":{"key":"src.param.guess","args":["mo.property.vehicle_value_max","2013-05-28","Rulebook","Pravilnik o bližim uslovima","28.05.2013."]}},
			{"what":"top-up","value":"120.00","source":"Art. 38","text":{"key":"mo.topup"},"from":{"key":"src.mo_topup"}}]},
	"tasks":[` + taskReview + `,` + taskApprove + `]}`

var decidedJSON = `{"number":"` + claimDecided + `","benefit":"LI","state":"approved","applicant_person_id":"` + personID + `","person_names":{"` + personID + `":"Jovana Vujović"},
	"payee_account":"","calculation":{"eligible":true,"amount":"90.00","lines":[],"reasons":[]},"tasks":[],
	"decision":{"id":"d1","number":"R-2026-000001","kind":"grant","amount":"90.00","issued_at":"2026-11-20T10:00:00Z","prepared_by":"ana.caseworker","approved_by":"marko.supervisor","document_sha256":"ab12"},
	"entitlement":{"amount":"90.00","periodicity":"monthly","valid_from":"2026-11-01","state":"active"}}`

func caseSummary(number, stage string) string {
	return `{"number":"` + number + `","procedure":"P22","version":1,"procedure_name":{"cnr":"Smještaj odraslog lica","en":"Placement of an adult"},"centre_id":"csr-podgorica","status":"open",
		"stage":"` + stage + `","manager":"ana.caseworker","team":["ivan.caseworker"],"stage_due":"2026-11-23T10:00:00Z","overdue":true,
		"persons":[{"person_id":"` + personID + `","name":"Jovana Vujović","role":"beneficiary"}]}`
}

func caseView(number, stage, task string) string {
	v := strings.TrimSuffix(caseSummary(number, stage), "}") + `,
		"stages":[{"seq":1,"stage":"intake","worker":"ana.caseworker","started_at":"2026-11-04T09:00:00Z","due_at":"2026-11-07T09:00:00Z","done_at":"2026-11-04T10:00:00Z","met_deadline":true}],
		"tracking":[{"item":1,"kind":"visit","what":"Obilazak stana","due":"2026-11-10","overdue":true},{"item":2,"kind":"report","what":"Pismo doma","due":"2026-12-10","done_at":"2026-11-20T10:00:00Z","done_by":"ivan.caseworker"}],
		"decisions":[{"id":"cd1","number":"CSR-1/2026","kind":"placement","prepared_by":"ana.caseworker","approved_by":"marko.supervisor","issued_at":"2026-11-20T10:00:00Z"}],
		"subprocedures":[` + strings.Replace(caseSummary("S-2026-000003", "plan"), `"P22"`, `"P41"`, 1) + `],
		"history":[
			{"at":"2026-11-04T09:00:00Z","kind":"intake","stage":"intake","by":"ana.caseworker","summary":"intake: open_case","data":{"source":"walk_in","urgency":"urgent","description":"Gospođa živi sama i ne može da se stara o sebi."}},
			{"at":"2026-11-04T09:01:00Z","kind":"stage_started","stage":"opening","summary":"opening due 2026-11-07"},
			{"at":"2026-11-05T09:00:00Z","kind":"stage_completed","stage":"opening","by":"ana.caseworker","summary":"opening submitted"},
			{"at":"2026-11-05T10:00:00Z","kind":"opening_approved","stage":"opening","by":"marko.supervisor","summary":"opening: approve"},
			{"at":"2026-11-06T10:00:00Z","kind":"note","stage":"plan","by":"ana.caseworker","summary":"Razgovor sa kćerkom."},
			{"at":"2026-11-07T10:00:00Z","kind":"tracking_added","stage":"monitoring","by":"ana.caseworker","summary":"Obilazak stana by 2026-11-10","data":{"kind":"visit","what":"Obilazak stana","due":"2026-11-10"}},
			{"at":"2026-11-08T10:00:00Z","kind":"decision_prepared","stage":"monitoring","by":"ana.caseworker","summary":"placement"},
			{"at":"2026-11-09T10:00:00Z","kind":"subprocedure_started","stage":"monitoring","by":"ana.caseworker","summary":"P41 S-2026-000003"},
			{"at":"2026-11-10T10:00:00Z","kind":"transferred","stage":"monitoring","by":"marko.supervisor","summary":"csr-niksic → csr-podgorica"},
			{"at":"2026-11-11T10:00:00Z","kind":"review_requested","stage":"monitoring","by":"ana.caseworker","summary":"review asked for before its time"}],
		"tasks":[` + task + `]}`
	return v
}

var dvJSON = `{"reference":"` + dvRef + `","police_reference":"PU-1","municipality":"ME-16","centre_id":"csr-podgorica","state":"received","risk_level":"high",
	"received_at":"2026-11-20T08:00:00Z","occurred_at":"2026-11-20T07:00:00Z","measures":["restraining_order"],"case_number":"` + caseNumber + `",
	"report":{"state":"pending","attempts":2,"last_error":"dial tcp: connection refused"},"description":"Komšije su pozvale policiju.",
	"persons":[{"role":"victim","identified":true,"person_id":"` + personID + `","name":"Jovana Vujović","jmbg":"0103986215005","relationship":"spouse"},
		{"role":"perpetrator","identified":false,"name":"","description":"muškarac, četrdesetih","relationship":"former_partner"}],
	"tasks":[` + strings.Replace(taskDV, `"assignee":"ana.caseworker"`, `"assignee":"dragana.dv"`, 1) + `],
	"timeline":[{"at":"2026-11-20T08:00:00Z","kind":"received","by":"police-system","summary":"police notification"},
		{"at":"2026-11-20T09:00:00Z","kind":"first_contact","by":"dragana.dv","summary":"phone, risk high","data":{"contact":"phone","risk_level":"high"}},
		{"at":"2026-11-20T09:30:00Z","kind":"case_linked","by":"dragana.dv","summary":"` + caseNumber + `"},
		{"at":"2026-11-20T10:00:00Z","kind":"report_acknowledged","by":"police","summary":"police reference PU-1"}]}`

var referralJSON = `{"id":"` + referralID + `","person_id":"` + personID + `","name":"Jovana Vujović","jmbg":"0103986215005","centre_id":"csr-podgorica","state":"decision_pending",
	"referred_by":"ana.caseworker","referred_at":"2026-11-01T09:00:00Z","agency_reference":"ZZZ-77","work_capacity_notes":"Završena srednja škola.","family_constraints":"Dvoje djece.",
	"last_step_at":"2026-11-15T09:00:00Z",
	"steps":[{"kind":"job_offer_refused","occurred_at":"2026-11-15T09:00:00Z","received_at":"2026-11-15T09:05:00Z","sender":"employment-system","body":{"employer":"Plantaže","officer":"Zorana Milić"}}],
	"decisions":[{"id":"ad1","number":"RA-1/2026","measure":"reduce","effective_from":"2026-12-01","deduction":"24.00"}],
	"tasks":[` + taskReferral + `,` + task("t8", "activation.approve", referralID+": approve reduce (Job offer refused)", "supervisor@csr-podgorica", `{"referral":"`+referralID+`"}`) + `],
	"timeline":[{"at":"2026-11-01T09:00:00Z","kind":"to_agency","summary":"referral to the Employment Agency","delivery":"acknowledged","attempts":1,"data":{"Kind":"referral"}},
		{"at":"2026-11-01T09:05:00Z","kind":"agency_acknowledged","summary":"the agency took the referral as ZZZ-77","data":{"agency_reference":"ZZZ-77"}},
		{"at":"2026-11-15T09:05:00Z","kind":"agency_step","by":"employment-system","summary":"Job offer refused; Plantaže","data":{"Kind":"job_offer_refused"}},
		{"at":"2026-11-16T09:05:00Z","kind":"decision","by":"marko.supervisor","summary":"decision RA-1/2026: reduce from 2026-12-01"},
		{"at":"2026-11-16T09:06:00Z","kind":"to_agency","summary":"the centre's decision RA-1/2026 to the agency","delivery":"pending","attempts":3,"last_error":"503","data":{"Kind":"outcome","DecisionNumber":"RA-1/2026"}}]}`

var payrollJSON = `{"id":"2026-10","period":"2026-10","state":"awaiting_approval","prepared_by":"nina.finance","approved_by":"",
	"files":[{"name":"pain001-2026-10-1.xml","kind":"pain.001","sha256":"ab12","transfers":2,"total":"240.00"}],
	"summary":[{"benefit":"MO","municipality":"ME-16","channel":"bank","state":"prepared","count":2,"total":"240.00"}],
	"exceptions":[{"entitlement_id":"e2","payee":"Luka Vujović","period":"2026-10","amount":"120.00","reason":"a Montenegrin IBAN has 22 characters, this one 21"}],
	"changes":[{"entitlement_id":"e1","payee":"Jovana Vujović","benefit":"MO","kind":"changed","before":"100.00","now":"120.00"}],
	"change_counts":{"new":1,"stopped":0,"changed":1},"changes_offset":0,
	"totals":{"count":3,"total":"360.00","by_channel":{"bank":{"count":2,"total":"240.00"},"post":{"count":1,"total":"120.00"}}}}`

// TestEveryFormFieldHasWords: every field and choice of every form the
// pages render from a schema (each procedure's stages, the intake, the
// tracking item and the decision, the DV first contact, the activation
// decision) has its label and choices in both languages, so that no form
// falls back to its field's name.
func TestEveryFormFieldHasWords(t *testing.T) {
	raws := map[string]json.RawMessage{}
	for _, code := range cases.Procedures.Codes() {
		d, _ := cases.Procedures.Get(code, 0)
		for _, st := range d.Stages {
			raws[st.Form], _ = cases.Procedures.Form(st.Form)
		}
	}
	for _, name := range []string{"intake", "tracking_item", "decision"} {
		raws[name], _ = cases.Procedures.Form(name)
	}
	raws["first_contact"], _ = violence.Schemas.Raw("first_contact")
	raws["activation_decision"], _ = activation.Schemas.Raw("decision")
	var walk func(form string, s *schema)
	walk = func(form string, s *schema) {
		for _, key := range s.order {
			p := s.props[key]
			if _, ok := messages["f."+key]; !ok {
				t.Errorf("form %s: field %s has no words (f.%s)", form, key, key)
			}
			enum := p.enum()
			if p.Items != nil {
				enum = append(enum, p.Items.enum()...)
				walk(form, p.Items)
			}
			for _, v := range enum {
				if _, ok := messages["o."+v]; !ok {
					t.Errorf("form %s: choice %s of %s has no words (o.%s)", form, v, key, v)
				}
			}
		}
	}
	for name, raw := range raws {
		sch, err := parseSchema(raw)
		if err != nil {
			t.Fatalf("form %s: %v", name, err)
		}
		walk(name, sch)
	}
}
