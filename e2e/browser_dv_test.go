package e2e_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack/system"
)

// TestDomesticViolenceInABrowser: a police notification is on the DV
// caseworker's register and in her inbox; she records the first contact
// on the form rendered from its published schema (a missing finding comes
// back beside its field) and the DV case opens; a caseworker without the
// DV role has no such page, and the register refuses her.
func TestDomesticViolenceInABrowser(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	victim := registerInPodgorica(t, s, time.Date(1993, 5, 20, 0, 0, 0, 0, time.UTC), 706, "Milica", "Šćepanović")
	j := victim.JMBG
	code, body := as(t, "police-system", "POST", s.APIURL+"/api/v1/violence-notifications", fmt.Sprintf(`{"police_reference":"UP-PG/2026/0200",
		"occurred_at":"2026-11-29T21:00:00+01:00","place":{"municipality":"Podgorica"},"description":"A neighbour heard screaming and called the police.",
		"persons":[{"role":"victim","jmbg":%q}],"measures":["restraining_order"],"officer":{"name":"Ivana Jović","badge":"5120"}}`, j))
	if code != 202 {
		t.Fatalf("notification = %d %s", code, body)
	}
	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)
	set := func(name, value string) chromedp.Action {
		return chromedp.SetValue(`[name="`+name+`"]`, value, chromedp.ByQuery)
	}
	var fieldError, caseLink, html string
	err := runSteps(bctx,
		login("dragana.dv"),
		chromedp.Click("#nav-dv", chromedp.ByQuery),
		waitFor(`#dv-register a[href^="/dv/NS-"]`),
		shot("19-dv-register"),
		chromedp.Click(`#dv-register a[href^="/dv/NS-"]`, chromedp.ByQuery),
		waitFor("#form-first-contact"),
		set("f.contact", "in_person"),
		set("f.risk_level", "high"),
		chromedp.Click(`[name="f.open_case"]`, chromedp.ByQuery),
		submit("#submit-first-contact"),
		chromedp.Text(`[data-field="f.findings"] small.bad`, &fieldError, chromedp.ByQuery),
		set("f.findings", "Milica is safe at her mother's; he has been removed from the flat."),
		shot("20-dv-first-contact"),
		submit("#submit-first-contact"),
		waitFor(`#dv-case a[href^="/cases/"]`),
		chromedp.Text("#dv-case", &caseLink, chromedp.ByQuery),
		shot("21-dv-case-opened"),
		logout,
		login("ana.caseworker"),
		chromedp.OuterHTML("header", &html, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("DV in the browser: %v", err)
	}
	if fieldError == "" {
		t.Error("a missing finding shows no message beside its field")
	}
	if !strings.HasPrefix(strings.TrimSpace(caseLink), "S-") {
		t.Errorf("no DV case after the first contact: %q", caseLink)
	} else if _, body := as(t, "dragana.dv", "GET", s.APIURL+"/api/v1/cases/"+strings.TrimSpace(caseLink), ""); !strings.Contains(string(body), `"procedure":"P37"`) {
		t.Errorf("an adult victim's DV case is not P37 (DV against an adult): %.300s", body)
	}
	if strings.Contains(html, "nav-dv") {
		t.Error("a caseworker without the DV role has the DV register in her menu")
	}
	var title, page string
	err = runSteps(bctx,
		chromedp.Navigate(s.APIURL+"/dv"),
		chromedp.WaitVisible("#message-title", chromedp.ByQuery),
		chromedp.Text("#message-title", &title, chromedp.ByQuery),
		chromedp.OuterHTML("html", &page, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page, "Šćepanović") || strings.Contains(page, string(j)) || strings.Contains(page, "UP-PG/2026/0200") {
		t.Error("the refusal page leaks the notification")
	}

	// Outside the compartment nothing of it shows on any page: not to a
	// caseworker, a supervisor or the head (who used to get its
	// escalations), not even at the case's or the entry's own address.
	number := strings.TrimSpace(caseLink)
	var ref string
	for _, n := range dvRegister(t, s.APIURL) {
		ref = n
	}
	pages := []string{"/inbox", "/board", "/cases", "/cases?status=any", "/cases/" + number, "/dv", "/dv/" + ref, "/persons/" + string(victim.ID)}
	for _, user := range []string{"ana.caseworker", "marko.supervisor", "sanja.head"} {
		steps := []chromedp.Action{logout, login(user)}
		htmls := make([]string, len(pages))
		for i, p := range pages {
			steps = append(steps, chromedp.Navigate(s.APIURL+p), chromedp.WaitVisible("body", chromedp.ByQuery),
				chromedp.OuterHTML("html", &htmls[i], chromedp.ByQuery))
		}
		if err := runSteps(bctx, steps...); err != nil {
			t.Fatalf("pages as %s: %v", user, err)
		}
		for i, h := range htmls {
			// (The pages' catalogues name the DV task type and procedures in
			// words for everyone; what must not show is this notification's.)
			for _, secret := range []string{number, ref, "UP-PG/2026/0200", "Milica is safe", "A neighbour heard screaming", "/dv/NS-", "/cases/" + number} {
				if secret != "" && strings.Contains(h, secret) && !strings.Contains(pages[i], secret) {
					t.Errorf("%s sees %q on %s", user, secret, pages[i])
				}
			}
		}
	}
}

// dvRegister lists the register's references as the DV caseworker reads them.
func dvRegister(t *testing.T, api string) []string {
	t.Helper()
	_, body := as(t, "dragana.dv", "GET", api+"/api/v1/dv-register", "")
	var r struct{ Entries []struct{ Reference string } }
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, e := range r.Entries {
		refs = append(refs, e.Reference)
	}
	return refs
}
