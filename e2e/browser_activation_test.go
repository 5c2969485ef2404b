package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
)

// TestActivationInABrowser: a caseworker refers a recipient of financial
// assistance from the activation page; the agency works by hand, so its
// officer finds the referral in the agency's inbox and reports a refused
// job offer; the caseworker's decision form, rendered from its schema,
// sends a reduction without its percentage back with the message beside
// the field; the supervisor approves, and the decision with its PDF is on
// the referral's page.
func TestActivationInABrowser(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5, SimFaults: sim.Faults{AgencyManual: true}}, 0)
	p := registerInPodgorica(t, s, time.Date(1985, 10, 3, 0, 0, 0, 0, time.UTC), 821, "Dragan", "Bulatović")
	grantAssistance(t, s, p, string(domain.MakeIBAN("510", 7700021)))
	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)
	set := func(name, value string) chromedp.Action {
		return chromedp.SetValue(`[name="`+name+`"]`, value, chromedp.ByQuery)
	}
	var referralURL, percentError, decisions, agencyNav string
	err := runSteps(bctx,
		login("ana.caseworker"),
		chromedp.Click("#nav-activation", chromedp.ByQuery),
		waitFor("#form-refer"),
		set("jmbg", string(p.JMBG)),
		set("work_capacity_notes", "Able to work; a driver's licence, C category."),
		submit("#submit-refer"),
		waitFor("#referral-title"),
		chromedp.Location(&referralURL),
		shot("22-activation-referred"),
		logout,
		login("zorana.zzz"),
		chromedp.OuterHTML("header nav", &agencyNav, chromedp.ByQuery),
		chromedp.Click("#nav-activation", chromedp.ByQuery),
		waitFor(`#referrals a[href^="/activation/AKT-"]`),
		shot("23-agency-inbox"),
		chromedp.Click(`#referrals a[href^="/activation/AKT-"]`, chromedp.ByQuery),
		waitFor("#form-step"),
		set("kind", "job_offer_refused"),
		set("occurred_at", "2026-11-02T09:00"),
		set("measure", "Truck driver, Podgorica"),
		set("note", "Said the hours do not suit him."),
		submit("#submit-step"),
		waitFor(`#referral-steps tr[data-kind="job_offer_refused"]`),
		logout,
		login("ana.caseworker"),
	)
	if err != nil {
		t.Fatalf("referral and the agency's step: %v", err)
	}
	err = runSteps(bctx,
		chromedp.Navigate(referralURL),
		waitFor("#form-decide"),
		set("f.measure", "reduce"),
		set("f.reasoning", "Refused a suitable job offer; the hours are not a justified reason."),
		submit("#submit-decide"),
		chromedp.Text(`[data-field="f.percent"] small.bad`, &percentError, chromedp.ByQuery),
		set("f.percent", "30"),
		shot("24-activation-decision"),
		submit("#submit-decide"),
		logout,
		login("marko.supervisor"),
		chromedp.Navigate(referralURL),
		waitFor("#approve-decision"),
		submit("#approve-decision"),
		waitFor("#referral-decisions"),
		chromedp.Text("#referral-decisions", &decisions, chromedp.ByQuery),
		shot("25-activation-sanctioned"),
	)
	if err != nil {
		t.Fatalf("decision in the browser: %v", err)
	}
	if strings.Contains(agencyNav, "nav-inbox") || strings.Contains(agencyNav, "nav-cases") {
		t.Errorf("the agency's officer has the centre's pages in her menu: %s", agencyNav)
	}
	if percentError == "" {
		t.Error("a reduction without its percentage shows no message beside the field")
	}
	if !strings.Contains(decisions, "csr-podgorica/") || !strings.Contains(decisions, "PDF") {
		t.Errorf("the referral's decisions: %q", decisions)
	}
}
