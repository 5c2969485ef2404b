package e2e_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/system"
)

// TestPublicRegisterInABrowser (issue 21): without logging in, Chromium
// opens the public register of licensed providers and reads the demo
// providers with their licences' states in Montenegrin, switches the page
// to English by its language link, and filters by a municipality; the
// API's register answers a plain GET without a token, as JSON and as CSV.
func TestPublicRegisterInABrowser(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	if _, err := devstack.LoadDemoProviders(context.Background(), s.DB, time.Now().UTC()); err != nil {
		t.Fatalf("demo providers: %v", err)
	}
	bctx, shot, _, _, waitFor := openBrowser(t, s.APIURL)
	var cnr, cnrStates, en, enStates, filtered, place, lang string
	states := `Array.from(document.querySelectorAll("#providers td[data-state]")).map(td => td.dataset.state + "=" + td.innerText).join(";")`
	err := runSteps(bctx,
		chromedp.Navigate(s.APIURL+"/public/providers?lang=cnr"),
		waitFor("#providers"),
		chromedp.Text("#providers", &cnr, chromedp.ByQuery),
		chromedp.Evaluate(states, &cnrStates),
		shot("30-public-register-cnr"),
		submit("#other-lang"),
		waitFor("#providers"),
		chromedp.Text("#providers", &en, chromedp.ByQuery),
		chromedp.Evaluate(states, &enStates),
		chromedp.Evaluate(`document.documentElement.lang`, &lang),
		chromedp.SetValue("#f-municipality", "ME-12", chromedp.ByQuery),
		submit("#provider-filter"),
		waitFor("#providers"),
		chromedp.Text("#providers", &filtered, chromedp.ByQuery),
		chromedp.Value("#f-municipality", &place, chromedp.ByQuery),
		shot("31-public-register-en-niksic"),
	)
	if err != nil {
		t.Fatalf("the public register in the browser: %v", err)
	}
	for _, name := range []string{"Dnevni centar Sunce", "Pomoć u kući Nikšić d.o.o.", "Sigurna kuća Primorje", "Dom Sunčana obala", "L-DEMO-001"} {
		if !strings.Contains(cnr, name) || !strings.Contains(en, name) {
			t.Errorf("%q missing from the register: cnr %q, en %q", name, cnr, en)
		}
	}
	for _, want := range []string{"active=važeća", "withdrawn=oduzeta"} {
		if !strings.Contains(cnrStates, want) {
			t.Errorf("Montenegrin states %q lack %q", cnrStates, want)
		}
	}
	if !strings.Contains(enStates, "active=in force") || !strings.Contains(enStates, "withdrawn=withdrawn") || strings.Contains(enStates, "važeća") {
		t.Errorf("English states %q", enStates)
	}
	if lang != "en" || !strings.Contains(en, "Provider") {
		t.Errorf("the page after the language link: lang %q, table %q", lang, en)
	}
	if place != "ME-12" || !strings.Contains(filtered, "Pomoć u kući Nikšić d.o.o.") || strings.Contains(filtered, "Dnevni centar Sunce") ||
		!strings.Contains(filtered, "in force") {
		t.Errorf("filtered by Nikšić (%q): %q", place, filtered)
	}

	// The API's register, no token.
	code, ctype, body := getPlain(t, s.APIURL+"/api/v1/public/providers")
	var reg struct {
		AsOf    string `json:"as_of"`
		Entries []struct {
			Name, State string
		} `json:"entries"`
	}
	if code != http.StatusOK || !strings.HasPrefix(ctype, "application/json") || json.Unmarshal(body, &reg) != nil || len(reg.Entries) < 5 || reg.AsOf == "" {
		t.Errorf("GET /api/v1/public/providers: %d %s %.300s", code, ctype, body)
	}
	code, ctype, body = getPlain(t, s.APIURL+"/api/v1/public/providers?format=csv&municipality=ME-12&lang=en")
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if code != http.StatusOK || !strings.HasPrefix(ctype, "text/csv") || !strings.HasPrefix(lines[0], "provider_id,name,") || len(lines) < 2 ||
		!strings.Contains(string(body), "Pomoć u kući Nikšić d.o.o.") || strings.Contains(string(body), "Dnevni centar Sunce") {
		t.Errorf("GET ?format=csv: %d %s %.300s", code, ctype, body)
	}
}

// TestNewcomerLicensedInABrowser (issue 21, the newcomer's path): the
// maintainer of a company not yet on the register (nikola.maintainer)
// files its registration with its three documents in the browser; a
// ministry officer (goran.ministry) opens it from the inbox, records the
// inspection's checklist and drafts the grant; another officer
// (jovana.ministry) approves it; and the public register, without login,
// lists the new provider with its licence in force.
func TestNewcomerLicensedInABrowser(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	dir := t.TempDir()
	var docs []string
	for _, d := range []string{"statute", "premises", "staff_list"} {
		f := filepath.Join(dir, d+".pdf")
		if err := os.WriteFile(f, []byte("%PDF-1.4\n% "+d+"\n1 0 obj\n<<>>\nendobj\n%%EOF\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, f)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)
	var appURL string
	err := runSteps(bctx,
		login("nikola.maintainer"),
		chromedp.Navigate(s.APIURL+"/licensing"),
		waitFor("#form-licence"),
		chromedp.SetValue("#lic-kind", "registration", chromedp.ByQuery),
		chromedp.SetValue("#lic-name", "Centar Oslonac d.o.o.", chromedp.ByQuery),
		chromedp.SetValue("#lic-street", "Bulevar Svetog Petra Cetinjskog 5", chromedp.ByQuery),
		chromedp.SetValue("#lic-municipality", "ME-16", chromedp.ByQuery),
		chromedp.SetValue("#lic-founded_on", "2024-01-10", chromedp.ByQuery),
		chromedp.Click("#lic-service-counselling", chromedp.ByQuery),
		chromedp.SetValue("#lic-start_on", today, chromedp.ByQuery),
		chromedp.SetUploadFiles("#lic-doc-statute", docs[:1], chromedp.ByQuery),
		chromedp.SetUploadFiles("#lic-doc-premises", docs[1:2], chromedp.ByQuery),
		chromedp.SetUploadFiles("#lic-doc-staff_list", docs[2:], chromedp.ByQuery),
		shot("32-licence-application-form"),
		submit("#file-licence"),
		chromedp.Navigate(s.APIURL+"/licensing"),
		waitFor(`#applications a[id^="application-"]`),
		chromedp.Evaluate(`document.querySelector('#applications a[id^="application-"]').href`, &appURL),
		shot("33-licence-application-filed"),
		logout,
		login("goran.ministry"),
		chromedp.Navigate(s.APIURL+"/licensing/inbox"),
		waitFor(`#applications a[id^="application-"]`),
		shot("34-licence-inbox"),
		openURL(&appURL),
		waitFor("#form-inspection"),
		chromedp.SetValue(`#form-inspection [name="f.inspected_on"]`, today, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#form-inspection input[type=checkbox]').forEach(c => c.checked = true)`, nil),
		chromedp.SetValue(`#form-inspection [name="f.findings"]`, "Prostor i kadar pregledani; uslovi ispunjeni.", chromedp.ByQuery),
		shot("35-licence-inspection"),
		submit("#record-inspection"),
		waitFor("#form-draft"),
		chromedp.Click("#outcome-grant", chromedp.ByQuery),
		chromedp.SetValue("#draft-valid_from", today, chromedp.ByQuery),
		chromedp.SetValue("#draft-reasons", "Podnosilac ispunjava minimalne standarde za savjetodavne usluge.", chromedp.ByQuery),
		submit("#save-draft"),
		waitFor("#four-eyes"),
		logout,
		login("jovana.ministry"),
		openURL(&appURL),
		waitFor("#approve"),
		shot("36-licence-approval"),
		submit("#approve"),
		waitFor("#decision-pdf"),
		shot("37-licence-granted"),
		logout,
	)
	if err != nil {
		t.Fatalf("the newcomer's licence: %v", err)
	}
	var row string
	err = runSteps(bctx,
		chromedp.Navigate(s.APIURL+"/public/providers?lang=cnr&municipality=ME-16"),
		waitFor("#providers"),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#providers tr")).map(r => r.innerText).filter(t => t.includes("Centar Oslonac")).join("|")`, &row),
		shot("38-public-register-newcomer"),
	)
	if err != nil {
		t.Fatalf("the public register after the grant: %v", err)
	}
	if !strings.Contains(row, "Centar Oslonac d.o.o.") || !strings.Contains(row, "važeća") {
		t.Errorf("the new provider on the public register: %q", row)
	}
}

// openURL navigates to the address a previous step read into url.
func openURL(url *string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(*url).Do(ctx) })
}

// getPlain sends a GET without a token and gives the status, the content
// type and the body.
func getPlain(t *testing.T, url string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}
