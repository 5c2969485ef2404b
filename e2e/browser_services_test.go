package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack/system"
)

// TestBrowserServicesProviderMonth (issue 23, the pages in Chromium as the
// provider's staff): a caseworker refers a child from a P26 case to the
// demo day-care centre Sunce; its staff (tamara.sunce) log in and land on
// /provider, open the referrals, accept the child on the form, record two
// days of service on /provider/service-use (the referral's days moved to
// the first of last month, as the clock cannot be), submit the month's
// cost report on /provider/cost-reports and their waiting list's report
// for last month on /provider/waiting-list; one
// finance officer (nina.finance) checks the report on
// /services/cost-reports and is not offered its approval, another
// (marija.finance) approves it. Every page is in Montenegrin with names:
// no code, login, untranslated key nor English word of the pages
// (servicesPageFaults). A DV referral to Sunce exists for the DV
// caseworker of Podgorica only: not on Sunce's pages (its delegation does
// not cover DV) nor on the centre's pages of a caseworker outside DV, not
// even at its own address. The centre's contracts, delegations, waiting
// lists and the referral's own page are read by the head and the
// caseworker. Sunce's pages once more in English: no Montenegrin word.
func TestBrowserServicesProviderMonth(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	api := s.APIURL + "/api/v1"
	ref, contract := referToSunce(t, s)
	dvName, dvRef := dvReferralToSunce(t, s, contract)

	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)
	pages := map[string]string{} // what each page said, by its name
	read := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var text string
			if err := chromedp.Text("body", &text, chromedp.ByQuery).Do(ctx); err != nil {
				return err
			}
			pages[name] = text
			return nil
		})
	}
	var home, flashAccept string
	err := runSteps(bctx,
		login("tamara.sunce"),
		waitFor("#provider-links"),
		chromedp.Location(&home),
		read("provider"),
		shot("svc-1-provider-home"),
		chromedp.Click(`#persons a[href^="/provider/persons/"]`, chromedp.ByQuery),
		waitFor("#h-referrals"),
		read("provider/persons/{id}"),
		shot("svc-1b-provider-person"),
		chromedp.Click(`a[href="/provider"]`, chromedp.ByQuery),
		waitFor("#provider-links"),
		chromedp.Click(`#provider-links a[href="/provider/referrals"]`, chromedp.ByQuery),
		waitFor(fmt.Sprintf("#accept-%d", ref)),
		read("provider/referrals"),
		shot("svc-2-provider-referrals"),
		submit(fmt.Sprintf("#accept-%d", ref)),
		waitFor("#active-referrals"),
		chromedp.Text("#flash", &flashAccept, chromedp.ByQuery),
		read("provider/referrals accepted"),
		shot("svc-3-referral-accepted"),
	)
	if err != nil {
		t.Fatalf("Sunce's staff answer the referral in the browser: %v", err)
	}
	if !strings.HasSuffix(home, "/provider") {
		t.Errorf("tamara.sunce landed on %s; want /provider", home)
	}
	var state string
	if err := s.DB.Pool().QueryRow(t.Context(), `SELECT state FROM service_referrals WHERE id = $1`, ref).Scan(&state); err != nil || state != "active" {
		t.Fatalf("the referral after accepting on the page: %q, %v (the flash said %q)", state, err, flashAccept)
	}

	// A month passes: the referral was made and the service started on
	// the first of last month.
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	month := first.Format("2006-01")
	if _, err := s.DB.Pool().Exec(t.Context(), `UPDATE service_referrals SET referred_on = $2, started_on = $2 WHERE id = $1`, ref, first); err != nil {
		t.Fatal(err)
	}
	var day1, day2, grid, reportURL, reportState, useRefused, costRefused string
	recordFirstFreeDay := func(day *string) chromedp.Tasks {
		return chromedp.Tasks{
			waitFor("#form-record"),
			chromedp.Evaluate(`document.querySelector("#record-day option").value`, day),
			chromedp.ActionFunc(func(ctx context.Context) error {
				return chromedp.SetValue("#record-day", *day, chromedp.ByQuery).Do(ctx)
			}),
			chromedp.SetValue("#record-quantity", "1", chromedp.ByQuery),
			chromedp.SetValue("#record-note", "Dolazak u 8.", chromedp.ByQuery),
			submit("#record-save"),
		}
	}
	err = runSteps(bctx,
		chromedp.Navigate(fmt.Sprintf("%s/provider/service-use?month=%s", s.APIURL, month)),
		waitFor(fmt.Sprintf("#su-open-%d", ref)),
		read("provider/service-use"),
		shot("svc-4-service-use-month"),
		chromedp.Click(fmt.Sprintf("#su-open-%d", ref), chromedp.ByQuery),
		waitFor("#form-record"),
		chromedp.SetValue("#record-quantity", "2", chromedp.ByQuery), // two days in one day
		submit("#record-save"),
		waitFor("#su-record-errors"),
		chromedp.Text("#su-record-errors", &useRefused, chromedp.ByQuery),
		read("provider/service-use refused"),
		shot("svc-4b-service-use-refused"),
		recordFirstFreeDay(&day1),
		recordFirstFreeDay(&day2),
		waitFor("#su-grid"),
		chromedp.Text("#su-grid", &grid, chromedp.ByQuery),
		read("provider/service-use referral"),
		shot("svc-5-service-use-recorded"),
		chromedp.Navigate(fmt.Sprintf("%s/provider/cost-reports?month=%s", s.APIURL, month)),
		waitFor(fmt.Sprintf("#cr-submit-%d", contract)),
		read("provider/cost-reports"),
		shot("svc-6-cost-report-form"),
		chromedp.SetValue(fmt.Sprintf("#cr-units-%d-0", contract), "dva", chromedp.ByQuery),
		submit(fmt.Sprintf("#cr-submit-%d", contract)),
		waitFor("#cr-errors"),
		chromedp.Text("#cr-errors", &costRefused, chromedp.ByQuery),
		read("provider/cost-reports refused"),
		chromedp.SetValue(fmt.Sprintf("#cr-units-%d-0", contract), "2", chromedp.ByQuery),
		submit(fmt.Sprintf("#cr-submit-%d", contract)),
		waitFor("#cr-report"),
		chromedp.Location(&reportURL),
		chromedp.Text("#cr-report-state", &reportState, chromedp.ByQuery),
		read("provider/cost-reports submitted"),
		shot("svc-7-cost-report-submitted"),
		chromedp.Navigate(s.APIURL+"/provider/waiting-list"),
		waitFor("#reports"),
		read("provider/waiting-list"),
		chromedp.Click("#matches-yes", chromedp.ByQuery),
		submit("#send-report"),
		waitFor("#report-done"),
		read("provider/waiting-list reported"),
		shot("svc-8-provider-waiting-list"),
	)
	if err != nil {
		t.Fatalf("Sunce's month in the browser: %v", err)
	}
	var recorded int
	if err := s.DB.Pool().QueryRow(t.Context(), `SELECT count(*) FROM service_use WHERE referral_id = $1`, ref).Scan(&recorded); err != nil || recorded != 2 {
		t.Errorf("service-use records after two days on the form: %d, %v (days %q and %q)", recorded, err, day1, day2)
	}
	if day1 == "" || day1 == day2 || !strings.Contains(grid, "Dolazak u 8.") {
		t.Errorf("the grid after recording %q and %q: %q", day1, day2, grid)
	}
	if useRefused == "" || costRefused == "" {
		t.Errorf("the refusals beside the forms: service use %q, cost report %q", useRefused, costRefused)
	}
	t.Logf("refused: %q; %q", useRefused, costRefused)
	u, err := url.Parse(reportURL)
	if err != nil || u.Query().Get("report") == "" {
		t.Fatalf("after submitting the report the page is %s", reportURL)
	}
	report := u.Query().Get("report")
	if !strings.Contains(reportState, "podnesen") {
		t.Errorf("the submitted report's state reads %q; want podnesen", reportState)
	}

	// Four eyes on /services/cost-reports.
	var fourEyes, approvedState string
	var approveOffered bool
	err = runSteps(bctx,
		logout,
		login("nina.finance"),
		chromedp.Navigate(s.APIURL+"/services/cost-reports"),
		waitFor("#cr-open-"+report),
		read("services/cost-reports"),
		chromedp.Click("#cr-open-"+report, chromedp.ByQuery),
		waitFor("#cr-check"),
		read("services/cost-reports report"),
		shot("svc-9-finance-report"),
		submit("#cr-check"),
		waitFor("#cr-four-eyes"),
		chromedp.Text("#cr-four-eyes", &fourEyes, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#cr-approve") !== null`, &approveOffered),
		read("services/cost-reports checked"),
		shot("svc-10-finance-checked"),
		logout,
		login("marija.finance"),
		chromedp.Navigate(s.APIURL+"/services/cost-reports?report="+report),
		waitFor("#cr-approve"),
		submit("#cr-approve"),
		waitFor("#cr-report-state"),
		chromedp.Text("#cr-report-state", &approvedState, chromedp.ByQuery),
		read("services/cost-reports approved"),
		shot("svc-11-finance-approved"),
	)
	if err != nil {
		t.Fatalf("the finance officers in the browser: %v", err)
	}
	if approveOffered || !strings.Contains(fourEyes, "Nina Đukanović") {
		t.Errorf("the officer who checked: approval offered %v, the page says %q", approveOffered, fourEyes)
	}
	if !strings.Contains(approvedState, "odobren za isplatu") {
		t.Errorf("the report after marija.finance's approval reads %q", approvedState)
	}
	var cr struct{ State string }
	askJSON(t, "tamara.sunce", "GET", api+"/cost-reports/"+report, "", http.StatusOK, &cr)
	if cr.State != "approved" {
		t.Errorf("the report is %q in the API; want approved", cr.State)
	}

	// The centre's pages: the head's contracts and delegations, the
	// caseworker's referral and waiting lists; the DV referral is only
	// the DV caseworker's.
	err = runSteps(bctx,
		logout,
		login("sanja.head"),
		chromedp.Navigate(s.APIURL+"/services/contracts"),
		waitFor("main table"),
		read("services/contracts"),
		shot("svc-12-contracts"),
		chromedp.Navigate(s.APIURL+"/services/delegations"),
		waitFor("main table"),
		read("services/delegations"),
		shot("svc-13-delegations"),
		logout,
		login("ana.caseworker"),
		chromedp.Navigate(fmt.Sprintf("%s/service-referrals/%d", s.APIURL, ref)),
		waitFor("#state"),
		read("service-referrals/{id}"),
		shot("svc-14-referral"),
		chromedp.Navigate(s.APIURL+"/services/waiting-lists"),
		waitFor("#waiting-lists"),
		read("services/waiting-lists"),
		shot("svc-15-waiting-lists"),
		chromedp.Navigate(fmt.Sprintf("%s/service-referrals/%d", s.APIURL, dvRef)),
		chromedp.WaitVisible("main", chromedp.ByQuery),
		read("DV referral as a caseworker"),
		logout,
		login("dragana.dv"),
		chromedp.Navigate(s.APIURL+"/services/waiting-lists"),
		waitFor("#waiting-lists"),
		read("services/waiting-lists as DV"),
	)
	if err != nil {
		t.Fatalf("the centre's pages in the browser: %v", err)
	}

	// Sunce's pages in English: the same month, no Montenegrin word of them.
	en := map[string]string{}
	readEN := func(path string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Navigate(s.APIURL + path),
			chromedp.WaitVisible("main", chromedp.ByQuery),
			chromedp.ActionFunc(func(ctx context.Context) error {
				var text string
				err := chromedp.Text("main", &text, chromedp.ByQuery).Do(ctx)
				en[path] = text
				return err
			}),
		}
	}
	err = runSteps(bctx,
		logout,
		login("tamara.sunce"),
		chromedp.SetValue("#lang-select", "en", chromedp.ByQuery),
		submit("#lang-go"),
		readEN("/provider"),
		readEN(fmt.Sprintf("/service-referrals/%d", ref)),
		readEN("/provider/referrals"),
		readEN(fmt.Sprintf("/provider/service-use?month=%s&referral=%d", month, ref)),
		readEN(fmt.Sprintf("/provider/cost-reports?month=%s&report=%s", month, report)),
		readEN("/provider/waiting-list"),
		shot("svc-16-provider-waiting-list-en"),
	)
	if err != nil {
		t.Fatalf("Sunce's pages in English: %v", err)
	}
	cnrWords := regexp.MustCompile(`(?:^|[^\pL])(Dnevni boravak|usluga|Usluga|upućen|podnesen|odobren za isplatu|Uputnica|Korisnik|na listi|dan|dana|stavka|Stavka|mjesec|Mjesec|Ugovor|čekanja|Podnio|Provjerio|Odobrio)(?:$|[^\pL])`)
	if !strings.Contains(en["/provider"], "Contracts") || !strings.Contains(en["/provider"], "Luka Perović") {
		t.Errorf("/provider after choosing English: %.600s", en["/provider"])
	}
	for path, text := range en {
		if text == "" || cnrWords.MatchString(text) || strings.Contains(text, "%!") {
			t.Errorf("%s in English says %q: %.600s", path, cnrWords.FindString(text), text)
		}
	}

	for name, text := range pages {
		if faults := servicesPageFaults(text); len(faults) > 0 {
			t.Errorf("%s is not all in Montenegrin with names: %s", name, strings.Join(faults, "; "))
		}
	}
	wants := map[string][]string{
		"provider":                       {"Dnevni centar Sunce", "Luka Perović", "Podgorica"},
		"provider/referrals":             {"Luka Perović"},
		"provider/persons/{id}":          {"Luka Perović", "Dnevni boravak", "upućen"},
		"provider/referrals accepted":    {"Luka Perović", "Urađeno."},
		"provider/service-use referral":  {"Luka Perović"},
		"provider/cost-reports":          {"Luka Perović"},
		"services/cost-reports":          {"Dnevni centar Sunce"},
		"services/contracts":             {"Dnevni centar Sunce"},
		"services/delegations":           {"Dnevni centar Sunce"},
		"service-referrals/{id}":         {"Luka Perović", "Dnevni centar Sunce", "usluga u toku"},
		"services/waiting-lists as DV":   {dvName},
		"provider/waiting-list reported": {"Izvještaj je podnesen.", "Podnesen", "Slaže se"},
		"services/waiting-lists":         {"Podnesen"},
		"services/cost-reports approved": {"Marija Raičević"},
	}
	for name, words := range wants {
		for _, w := range words {
			if !strings.Contains(pages[name], w) {
				t.Errorf("%s does not say %q: %.800s", name, w, pages[name])
			}
		}
	}
	for _, name := range []string{"provider", "provider/referrals", "provider/waiting-list", "services/waiting-lists", "DV referral as a caseworker"} {
		if strings.Contains(pages[name], dvName) || strings.Contains(pages[name], fmt.Sprintf("/service-referrals/%d", dvRef)) {
			t.Errorf("%s shows the DV referral of %s", name, dvName)
		}
	}
	if !strings.Contains(pages["DV referral as a caseworker"], "Nije pronađeno.") {
		t.Errorf("the DV referral's address as a caseworker outside DV: %.600s", pages["DV referral as a caseworker"])
	}
}

// referToSunce opens a P26 case of a child of Podgorica (Luka Perović) as
// ana.caseworker and refers him to Sunce's day care over the API; the
// referral and its contract.
func referToSunce(t *testing.T, s *system.System) (referral, contract int64) {
	t.Helper()
	api := s.APIURL + "/api/v1"
	child := registerInPodgorica(t, s, time.Now().AddDate(-9, -2, 0), 741, "Luka", "Perović")
	intake := `{"source":"walk_in","description":"The parents ask for day care after school.","urgency":"routine","outcome":"open_case"}`
	code, body := as(t, "ana.caseworker", "POST", api+"/cases", fmt.Sprintf(`{"procedure":"P26","persons":[{"person_id":%q,"role":"beneficiary"}],"intake":%s}`, child.ID, intake))
	if code != http.StatusAccepted {
		t.Fatalf("open the case = %d %s", code, body)
	}
	var opened struct{ Number string }
	if err := json.Unmarshal(body, &opened); err != nil {
		t.Fatal(err)
	}
	var offer struct {
		Contracts []struct {
			ID          int64
			ProviderPIB string `json:"provider_pib"`
		}
	}
	eventually(t, "the case's services", func() bool {
		code, body = as(t, "ana.caseworker", "GET", api+"/cases/"+opened.Number+"/service-referrals", "")
		return code == http.StatusOK && json.Unmarshal(body, &offer) == nil && len(offer.Contracts) > 0
	})
	for _, k := range offer.Contracts {
		if k.ProviderPIB == "02655284" {
			contract = k.ID
		}
	}
	if contract == 0 {
		t.Fatalf("Sunce's contract is not offered: %s", body)
	}
	var ref struct{ ID int64 }
	askJSON(t, "ana.caseworker", "POST", api+"/cases/"+opened.Number+"/service-referrals",
		fmt.Sprintf(`{"contract_id":%d,"service":"day_care_disability","person_id":%q}`, contract, child.ID), http.StatusCreated, &ref)
	return ref.ID, contract
}

// dvReferralToSunce puts a woman of Podgorica on Sunce's waiting list by
// a referral from the DV compartment (written as the DV caseworker's, the
// way the store's tests make one); her name and the referral.
func dvReferralToSunce(t *testing.T, s *system.System, contract int64) (string, int64) {
	t.Helper()
	p := registerInPodgorica(t, s, time.Date(1990, 3, 14, 0, 0, 0, 0, time.UTC), 742, "Dara", "Vukčević")
	since := time.Now().UTC().AddDate(0, 0, -10)
	var id int64
	if err := s.DB.Pool().QueryRow(t.Context(), `INSERT INTO service_referrals (case_number, person_id, centre_id, contract_id, service, dv, state,
		referred_on, waiting_since, referred_by) VALUES ('S-DV-1', $1, 'csr-podgorica', $2, 'day_care_disability', true, 'waiting', $3, $3, 'dragana.dv')
		RETURNING id`, p.ID, contract, since).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return "Dara Vukčević", id
}

// servicesRawWords are what a Montenegrin page of the services must never
// show as words of their own: the API's codes of services, states, units
// and reasons, the demo users' logins, a centre's id, and the English
// words of these pages' headings, columns and buttons.
var servicesRawWords = []string{
	"day_care_disability", "home_help_elderly", "personal_assistance", "counselling", "goal_reached", "csr-podgorica",
	"referred", "waiting", "active", "ended", "cancelled", "suspended", "submitted", "flagged", "checked", "approved", "rejected", "paid", "superseded",
	"prepared", "returned", "day", "visit", "hour", "identity", "contact",
	"tamara.sunce", "nina.finance", "marija.finance", "ana.caseworker", "sanja.head", "dragana.dv", "provider_staff",
	"Referral", "Referrals", "Provider", "Contract", "Contracts", "Delegation", "Delegations", "Accept", "Submit", "Approve",
	"Check", "Reject", "Waiting list", "Cost report", "Cost reports", "Service use", "Month", "Person", "Service", "State",
	"Total", "Save", "Show", "Record", "Upload", "Units", "Amount", "Payments", "none", "null", "true", "false",
}

var (
	servicesKeyRE   = regexp.MustCompile(`\b(?:sp|sr|su|cr|wl|sc)\.[a-z_]+`)
	servicesWordsRE = func() *regexp.Regexp {
		alts := make([]string, len(servicesRawWords))
		for i, w := range servicesRawWords {
			alts[i] = regexp.QuoteMeta(w)
		}
		return regexp.MustCompile(`(?:^|[^\pL\pN_.-])(` + strings.Join(alts, "|") + `)(?:$|[^\pL\pN_-])`)
	}()
)

// servicesPageFaults lists what of text is not Montenegrin with names:
// a raw code or English word (servicesRawWords), a key shown for a
// missing word, a template's or Go's leftovers.
func servicesPageFaults(text string) []string {
	var out []string
	// The CSV file's header is the documented schema's (docs/service-use.md).
	text = strings.ReplaceAll(text, "jmbg,service,day,quantity,note,corrects", "")
	seen := map[string]bool{}
	for _, m := range servicesWordsRE.FindAllStringSubmatchIndex(text, -1) {
		w := text[m[2]:m[3]]
		if !seen[w] {
			seen[w] = true
			from, to := max(0, m[2]-50), min(len(text), m[3]+50)
			out = append(out, fmt.Sprintf("%q in …%s…", w, strings.ReplaceAll(text[from:to], "\n", " ")))
		}
	}
	for _, k := range servicesKeyRE.FindAllString(text, -1) {
		out = append(out, "the key "+k)
	}
	for _, junk := range []string{"<no value>", "%!", "map[", "0001-01-01", "NaN", "undefined"} {
		if i := strings.Index(text, junk); i >= 0 {
			out = append(out, fmt.Sprintf("the leftover %q in …%s…", junk, text[max(0, i-60):min(len(text), i+60)]))
		}
	}
	return out
}
