package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack/system"
)

// TestCaseInABrowser runs a guardianship of a minor in the browser: the
// caseworker opens it from an intake (a blank intake first, which comes
// back with every field's message), completes opening, assessments and
// plan from forms rendered from the procedure's schemas; the supervisor
// approves; a decision is prepared, approved and its PDF downloads; a
// visit goes overdue and shows on the supervisor's board; the caseworker
// asks for a review, which leads to closing, signed off by the supervisor.
func TestCaseInABrowser(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	j := registerInPodgorica(t, s, time.Date(2014, 6, 9, 0, 0, 0, 0, time.UTC), 402, "Mila", "Vuković").JMBG
	aunt := registerInPodgorica(t, s, time.Date(1980, 2, 2, 0, 0, 0, 0, time.UTC), 403, "Vesna", "Vuković")
	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)
	set := func(name, value string) chromedp.Action {
		return chromedp.SetValue(`[name="`+name+`"]`, value, chromedp.ByQuery)
	}
	click := func(sel string) chromedp.Action { return chromedp.Click(sel, chromedp.ByQuery) }

	var location, errorsShown, number string
	err := runSteps(bctx,
		login("ana.caseworker"),
		click("#nav-cases"),
		waitFor("#new-case"),
		click("#new-case"),
		chromedp.WaitVisible("#q"),
		chromedp.SendKeys("#q", string(j)),
		click("#search"),
		waitFor(`a[href^="/cases/new?person="]`),
		click(`a[href^="/cases/new?person="]`),
		chromedp.WaitVisible("#case-form"),
		set("procedure", "P01"),
		set("f.source", "school"),
		submit("#open-case"),
		chromedp.WaitVisible("#case-form .invalid", chromedp.ByQuery),
		chromedp.Text("#case-form", &errorsShown),
		shot("13-case-intake-errors"),
		set("f.description", "The school reports that Mila lives alone since her mother died."),
		set("f.urgency", "urgent"),
		set("f.outcome", "open_case"),
		submit("#open-case"),
		waitFor("#form-opening"),
		chromedp.Text("#case-title", &number),
		set("f.case_manager", "ana.caseworker"),
		click(`#form-opening [name="f.team"][value="ivan.caseworker"]`), // the team ticked from the centre's staff by name
		set("f.network.0.name", "Vesna Vuković"),
		set("f.network.0.relation", "relative"),
		shot("14-case-opening"),
		submit("#submit-opening"),
		chromedp.Location(&location),
	)
	if err != nil {
		t.Fatalf("intake and opening as the caseworker: %v (at %s)", err, location)
	}
	if !strings.Contains(errorsShown, "required") && !strings.Contains(errorsShown, "obavezno") {
		t.Errorf("a blank intake shows no field messages: %.300s", errorsShown)
	}
	number = strings.TrimSpace(strings.SplitN(number, "·", 2)[0])
	caseURL := s.APIURL + "/cases/" + number

	err = runSteps(bctx,
		logout,
		login("marko.supervisor"),
		chromedp.Navigate(caseURL),
		waitFor("#approve-opening"),
		submit("#approve-opening"),
		logout,
		login("ana.caseworker"),
		chromedp.Navigate(caseURL),
		waitFor("#form-initial_assessment"),
		set("f.safety", "at_risk"),
		set("f.findings", "Mila is alone; her aunt Vesna visits daily."),
		submit("#submit-initial_assessment"),
		waitFor("#form-detailed_assessment"),
		set("f.needs", "a guardian, schooling"),
		set("f.strengths", "a caring aunt"),
		set("f.findings", "The aunt is fit and willing to be the guardian."),
		click(`#form-detailed_assessment [name="f.participated"]`),
		submit("#submit-detailed_assessment"),
		waitFor("#form-plan"),
		set("f.goals.0.goal", "Appoint the aunt as guardian"),
		set("f.goals.0.service", "guardianship"),
		set("f.goals.0.responsible", "Ana Radović"),
		set("f.goals.0.due", time.Now().AddDate(0, 2, 0).Format(time.DateOnly)),
		shot("15-case-plan"),
		submit("#submit-plan"),
		logout,
		login("marko.supervisor"),
		chromedp.Navigate(caseURL),
		waitFor("#approve-plan"),
		submit("#approve-plan"),
		chromedp.Location(&location),
	)
	if err != nil {
		t.Fatalf("assessments and plan: %v (at %s)", err, location)
	}

	// Monitoring: a decision and a visit already past due.
	var decisions, board string
	err = runSteps(bctx,
		logout,
		login("ana.caseworker"),
		chromedp.Navigate(caseURL),
		waitFor("#form-decision"),
		click("details:has(#form-decision) > summary"),
		chromedp.SetValue(`#form-decision [name="f.kind"]`, "guardian_appointment", chromedp.ByQuery),
		set("f.reasoning", "Vesna Vuković is fit and willing to be Mila's guardian."),
		set("f.disposition", "Vesna Vuković is appointed guardian of Mila Vuković."),
		set("f.carers", string(aunt.ID)),
		submit("#prepare-decision"),
		waitFor("#form-tracking"),
		click("details:has(#form-tracking) > summary"),
		chromedp.SetValue(`#form-tracking [name="f.kind"]`, "visit", chromedp.ByQuery),
		set("f.what", "Home visit to the guardian"),
		set("f.due", time.Now().AddDate(0, 0, -2).Format(time.DateOnly)),
		submit("#add-tracking"),
		waitFor("#tracking .overdue"),
		shot("16-case-monitoring"),
		logout,
		login("marko.supervisor"),
		chromedp.Navigate(caseURL),
		waitFor(`button.approve-task[data-task="case_decision_approval"]`),
		submit(`button.approve-task[data-task="case_decision_approval"]`),
		waitFor("a.decision-pdf"),
		chromedp.Text("#h-decisions + p", &decisions),
		click("#nav-board"),
		waitFor(".tracking-overdue"),
		chromedp.Text("#main", &board),
		shot("17-board-cases"),
		chromedp.Navigate(caseURL),
		waitFor("button.acknowledge-task"),
		submit("button.acknowledge-task"),
		chromedp.Location(&location),
	)
	if err != nil {
		t.Fatalf("monitoring: %v (at %s)", err, location)
	}
	if !strings.Contains(board, number) {
		t.Errorf("the board does not show case %s", number)
	}
	var pdfStatus int
	var pdfType string
	err = runSteps(bctx,
		chromedp.Navigate(caseURL),
		waitFor("a.decision-pdf"),
		chromedp.Evaluate(`fetch(document.querySelector("a.decision-pdf").href).then(r => r.status)`, &pdfStatus, awaitPromise),
		chromedp.Evaluate(`fetch(document.querySelector("a.decision-pdf").href).then(r => r.headers.get("content-type"))`, &pdfType, awaitPromise),
	)
	if err != nil || pdfStatus != 200 || pdfType != "application/pdf" {
		t.Errorf("decision %q PDF: %d %s %v", decisions, pdfStatus, pdfType, err)
	}

	// A review asked for now, which closes the case.
	var status string
	err = runSteps(bctx,
		logout,
		login("ana.caseworker"),
		chromedp.Navigate(caseURL),
		waitFor("#ask-review"),
		submit("#ask-review"),
		waitFor("#form-review"),
		set("f.progress", "achieved"),
		set("f.findings", "Mila lives with her guardian and goes to school."),
		set("f.next", "close"),
		submit("#submit-review"),
		waitFor("#form-closing"),
		set("f.reason", "goals_achieved"),
		set("f.summary", "The aunt is Mila's guardian; she lives with her and goes to school."),
		submit("#submit-closing"),
		logout,
		login("marko.supervisor"),
		chromedp.Navigate(caseURL),
		waitFor("#approve-closing"),
		submit("#approve-closing"),
		waitFor(`#case-status[data-status="closed"]`),
		chromedp.Text("#case-status", &status),
		shot("18-case-closed"),
		chromedp.Location(&location),
	)
	if err != nil {
		t.Fatalf("review and closing: %v (at %s)", err, location)
	}
	x, err := s.DB.CaseByNumber(ctx, number)
	if err != nil || x.Status != "closed" || x.CloseReason != "goals_achieved" {
		t.Fatalf("case %s = %+v, %v; want closed for goals_achieved", number, x, err)
	}
}
