package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
)

// TestBoardsInABrowser (issue 17 item 5) walks the boards people act on in
// Chromium: the supervisor filters the board by a caseworker (the filter
// stays in the URL), sees her two tasks with their true age, checks both
// and reassigns them to a colleague chosen by name (sent back first for
// the missing reason, the checks kept), and the tasks are his, the reason
// and the audit kept; the finance officer finds the months with their
// state, a month without a payroll said so, downloads the month's payment
// file (audited) and pages the change list and filters it by kind; the DV
// caseworker opens a case from a police notification, and joins the next
// notification about the same victim to it.
func TestBoardsInABrowser(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, system.Options{SimHouseholds: 300, SimFaults: sim.Faults{Latency: 2 * time.Millisecond}}, 300)
	rights, err := devstack.LoadDemoRights(ctx, s.DB, s.Population, 300, time.Now())
	if err != nil || rights <= 50 {
		t.Fatalf("demo rights = %d, %v; want more than a page of changes (50)", rights, err)
	}

	// Two claims of poor Podgorica households, their reviews held by Ana;
	// one has waited three days.
	var reviews []string
	for i := 0; i < s.Population.Size() && len(reviews) < 2; i++ {
		h := s.Population.Household(i)
		if h.Address.Municipality != "ME-16" || !poor(h) {
			continue
		}
		var ids []string
		for _, m := range h.Members {
			_, body := call(t, "GET", s.APIURL+"/api/v1/persons?jmbg="+string(m.JMBG), "")
			var r struct{ Persons []struct{ ID string } }
			if json.Unmarshal(body, &r) != nil || len(r.Persons) != 1 {
				t.Fatalf("demo person %s: %s", m.JMBG, body)
			}
			ids = append(ids, r.Persons[0].ID)
		}
		members, _ := json.Marshal(ids[1:])
		code, body := call(t, "POST", s.APIURL+"/api/v1/claims", fmt.Sprintf(`{"benefit":"MO","applicant_person_id":%q,"member_person_ids":%s,`+
			`"payee_account":"ME25 5050 0001 2345 6789 51","consent":true}`, ids[0], members))
		if code != 201 {
			continue // a household that may not claim (it holds an excluding right): the next
		}
		var filed struct{ Number string }
		_ = json.Unmarshal(body, &filed)
		review := waitTask(t, s.APIURL, "ana.caseworker", filed.Number, "claim.review")
		if code, body := call(t, "POST", s.APIURL+"/api/v1/tasks/"+review+"/claim", ""); code != 200 {
			t.Fatalf("Ana takes %s = %d %s", review, code, body)
		}
		reviews = append(reviews, review)
	}
	if len(reviews) != 2 {
		t.Fatalf("reviews = %v; want two", reviews)
	}
	if _, err := s.DB.Pool().Exec(ctx, `UPDATE tasks SET created_at = now() - interval '3 days 4 hours' WHERE id = $1`, reviews[0]); err != nil {
		t.Fatal(err)
	}

	// This month's payroll, prepared (every right new against a month
	// without one): its files written, its changes more than a page.
	month := domain.MonthOf(time.Now().UTC())
	if code, body := as(t, "nina.finance", "POST", s.APIURL+"/api/v1/payrolls", `{"period":"`+month.String()+`"}`); code != 202 {
		t.Fatalf("start payroll = %d %s", code, body)
	}
	var pr struct {
		State string
		Files []struct{ Name, SHA256 string }
	}
	for deadline := time.Now().Add(90 * time.Second); pr.State != "awaiting_submission"; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("payroll state %q; want awaiting_submission", pr.State)
		}
		_, body := as(t, "nina.finance", "GET", s.APIURL+"/api/v1/payrolls/"+month.String(), "")
		_ = json.Unmarshal(body, &pr)
	}

	// A police notification about a registered victim.
	victim := registerInPodgorica(t, s, time.Date(1988, 4, 12, 0, 0, 0, 0, time.UTC), 733, "Sanja", "Radulović")
	notify := func(ref string) {
		t.Helper()
		code, body := as(t, "police-system", "POST", s.APIURL+"/api/v1/violence-notifications", fmt.Sprintf(`{"police_reference":%q,
			"occurred_at":"2026-11-29T21:00:00+01:00","place":{"municipality":"Podgorica"},"description":"Neighbours called the police at night.",
			"persons":[{"role":"victim","jmbg":%q}],"measures":["restraining_order"],"officer":{"name":"Ivana Jović","badge":"5120"}}`, ref, victim.JMBG))
		if code != 202 {
			t.Fatalf("notification = %d %s", code, body)
		}
	}
	notify("UP-PG/2026/0301")
	var refs []string
	for deadline := time.Now().Add(20 * time.Second); len(refs) == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		refs = dvRegister(t, s.APIURL)
	}
	if len(refs) != 1 {
		t.Fatalf("the register = %v; want the notification", refs)
	}

	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)
	var boardURL, reasonError, range1, range2, flash, rangeNew, noneText, monthsText, caseText, joinFlash string
	var checkedKept bool
	var ages []string
	err = runSteps(bctx,
		login("marko.supervisor"),
		chromedp.WaitVisible("#workload", chromedp.ByQuery),
		chromedp.SetValue("#b-worker", "ana.caseworker", chromedp.ByQuery),
		submit("#board-filter"),
		chromedp.Location(&boardURL),
		chromedp.Evaluate(`[...document.querySelectorAll("#board-task-list td.age")].map(x => x.textContent.trim())`, &ages),
		shot("50-board-filtered"),
		chromedp.Evaluate(fmt.Sprintf(`for (const id of %s) document.querySelector('input[name=task][value="'+id+'"]').checked = true`, mustJSON(reviews)), nil),
		chromedp.SetValue("#reassign-to", "ivan.caseworker", chromedp.ByQuery),
		submit("#reassign"),
		chromedp.Text("#reassign-reason-err", &reasonError, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("input[name=task]:checked").length === 2`, &checkedKept),
		shot("51-board-reassign-sent-back"),
		chromedp.SendKeys("#reassign-reason", "Ana je na godišnjem odmoru", chromedp.ByQuery),
		submit("#reassign"),
		chromedp.Text("#flash", &flash, chromedp.ByQuery),
		shot("52-board-reassigned"),
		logout,

		login("nina.finance"),
		chromedp.WaitVisible("#payroll-months", chromedp.ByQuery),
		chromedp.Text("#payroll-months", &monthsText, chromedp.ByQuery),
		chromedp.Navigate(s.APIURL+"/payrolls/"+domain.MonthOf(month.First().AddDate(0, -1, 0)).String()),
		chromedp.Text("#payroll-none", &noneText, chromedp.ByQuery),
		chromedp.Navigate(s.APIURL+"/payrolls/"+month.String()),
		waitFor("a.file-download"),
		chromedp.Text("#changes-range", &range1, chromedp.ByQuery),
		shot("53-payroll-month"),
		chromedp.Click("#changes-next", chromedp.ByQuery),
		chromedp.WaitVisible("#changes-prev", chromedp.ByQuery),
		chromedp.Text("#changes-range", &range2, chromedp.ByQuery),
		shot("54-payroll-changes-page-2"),
		chromedp.Click(`#change-kinds a[data-kind="new"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#change-kinds a[data-kind="new"][aria-current=page]`, chromedp.ByQuery),
		chromedp.Text("#changes-range", &rangeNew, chromedp.ByQuery),
		logout,

		login("dragana.dv"),
		chromedp.Navigate(s.APIURL+"/dv/"+refs[0]),
		waitFor("#open-dv-case"),
		shot("55-dv-notification-without-case"),
		submit("#open-dv-case"),
		waitFor(`#dv-case a[href^="/cases/"]`),
		chromedp.Text("#dv-case", &caseText, chromedp.ByQuery),
		shot("56-dv-case-opened"),
	)
	if err != nil {
		t.Fatalf("the boards in the browser: %v", err)
	}

	// The board: filtered by Ana in the URL, true ages, the reason asked
	// for with the checks kept, then both tasks Ivan's with the reason and
	// each person's access audited.
	if !strings.Contains(boardURL, "worker=ana.caseworker") {
		t.Errorf("the filtered board is at %s; want the filter in the URL", boardURL)
	}
	if len(ages) != 2 || !strings.Contains(strings.Join(ages, " "), "3 d 4 h") {
		t.Errorf("ages on the board = %q; want two, one of 3 d 4 h", ages)
	}
	if !strings.Contains(reasonError, "obavezno") || !checkedKept {
		t.Errorf("sent without a reason: %q beside it, checks kept %v; want the reason asked for and both checks kept", reasonError, checkedKept)
	}
	if !strings.Contains(flash, "2") || !strings.Contains(flash, "Ivan Bošković") {
		t.Errorf("after the reassignment the board says %q; want 2 tasks to Ivan Bošković", flash)
	}
	for _, id := range reviews {
		tk, err := s.DB.TaskByID(ctx, id)
		var data map[string]any
		_ = json.Unmarshal(tk.Data, &data)
		if err != nil || tk.Assignee != "ivan.caseworker" || data["reassigned_reason"] != "Ana je na godišnjem odmoru" || data["reassigned_from"] != "ana.caseworker" {
			t.Errorf("task %s after the reassignment: held by %q, data %s, %v", id, tk.Assignee, tk.Data, err)
		}
	}
	var audited int
	if err := s.DB.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE purpose = 'task_reassignment' AND username = 'marko.supervisor'
		AND outcome = 'allowed' AND cardinality(person_ids) >= 2`).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("reassignments audited with their persons = %d, %v; want 1", audited, err)
	}

	// The payroll: months with their state; a month without one said so;
	// the file downloaded as written, audited; pages of 50 and the filter.
	if !strings.Contains(monthsText, "bez obračuna") {
		t.Errorf("the months say %q; want the months without a payroll said so", monthsText)
	}
	if !strings.Contains(noneText, "nema obračuna") {
		t.Errorf("a month without a payroll says %q; want it said", noneText)
	}
	var body string
	var status int
	err = runSteps(bctx, logout, login("nina.finance"), chromedp.Navigate(s.APIURL+"/payrolls/"+month.String()), chromedp.WaitVisible("a.file-download", chromedp.ByQuery),
		chromedp.Evaluate(`fetch(document.querySelector("a.file-download").href).then(r => r.status)`, &status, awaitPromise),
		chromedp.Evaluate(`fetch(document.querySelector("a.file-download").href).then(r => r.text())`, &body, awaitPromise))
	if err != nil || status != 200 || len(pr.Files) == 0 || strings.HasSuffix(pr.Files[0].Name, ".xml") && !strings.Contains(body, "CstmrCdtTrfInitn") {
		t.Errorf("the payment file %v in the browser = %d %.200q, %v; want the bank's pain.001 as written", pr.Files, status, body, err)
	}
	var downloads int
	if err := s.DB.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE purpose = 'payment_file' AND username = 'nina.finance' AND status = 200`).Scan(&downloads); err != nil || downloads < 2 {
		t.Errorf("payment file downloads audited = %d, %v; want each", downloads, err)
	}
	if !strings.HasPrefix(range1, "1–50 od ") || !strings.HasPrefix(range2, "51–") {
		t.Errorf("the change list's pages say %q then %q; want 1–50 of all, then from 51", range1, range2)
	}
	if !strings.HasPrefix(rangeNew, "1–50 od ") {
		t.Errorf("the new rights' first page says %q", rangeNew)
	}

	// DV: a case opened from the notification; the next notification about
	// the same victim joins it.
	number := strings.TrimSpace(caseText)
	if !strings.HasPrefix(number, "S-") {
		t.Fatalf("the notification's case = %q", caseText)
	}
	notify("UP-PG/2026/0302")
	var second string
	for deadline := time.Now().Add(20 * time.Second); second == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		for _, r := range dvRegister(t, s.APIURL) {
			if r != refs[0] {
				second = r
			}
		}
	}
	var dvCase string
	err = runSteps(bctx, logout, login("dragana.dv"),
		chromedp.Navigate(s.APIURL+"/dv/"+second),
		waitFor("#join-"+number),
		submit("#join-"+number),
		chromedp.Text("#flash", &joinFlash, chromedp.ByQuery),
		chromedp.Text("#dv-case", &dvCase, chromedp.ByQuery),
		shot("57-dv-notification-joined"),
	)
	if err != nil {
		t.Fatalf("joining the case: %v", err)
	}
	if strings.TrimSpace(dvCase) != number || !strings.Contains(joinFlash, number) {
		t.Errorf("the second notification's case = %q (%q); want %s", dvCase, joinFlash, number)
	}
	_, cb := as(t, "dragana.dv", "GET", s.APIURL+"/api/v1/cases/"+number, "")
	if !strings.Contains(string(cb), `"procedure":"P37"`) || !strings.Contains(string(cb), string(victim.ID)) {
		t.Errorf("the case opened from the notification: %.300s; want P37 with the victim", cb)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
