package e2e_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
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
		shot("70-public-register-cnr"),
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
		shot("71-public-register-en-niksic"),
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
