package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack/system"
)

// TestResidentCareInABrowser (issue 22 item 3): Grabovac's social worker
// (bojana.social) opens a resident in Chromium, saves the individual plan
// from its form (a goal, a person who may not visit): version 1 with her
// name, the visit rule in force and in the visit_rules table; adds a
// note; her page has no medical section. The nurse (milan.nurse) adds a
// medical record on the resident's medical page.
func TestResidentCareInABrowser(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	ctx := context.Background()
	pid := fmt.Sprint(admitToGrabovac(t, s.DB, "Milica", "Radović", 82, 744, 1))
	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)
	var version, rules, notes, records string
	var medicalForSocial bool
	err := runSteps(bctx,
		login("bojana.social"),
		chromedp.Navigate(s.APIURL+"/residents/"+pid),
		waitFor("#plan-none"),
		shot("care-1-resident"),
		chromedp.Navigate(s.APIURL+"/residents/"+pid+"/plan"),
		waitFor("#form-plan"),
		chromedp.SetValue(`[name="f.goals.0.goal"]`, "Šetnja svaki dan uz pratnju", chromedp.ByQuery),
		chromedp.SetValue(`[name="f.visitors_barred.0.name"]`, "Marko Đurović", chromedp.ByQuery),
		chromedp.SetValue(`[name="f.visitors_barred.0.reason"]`, "zabrana prilaska po rješenju suda", chromedp.ByQuery),
		shot("care-2-plan-form"),
		submit("#save-plan"),
		waitFor("#plan-version"),
		chromedp.Text("#plan-version", &version, chromedp.ByQuery),
		chromedp.Text("#visit-rules", &rules, chromedp.ByQuery),
		chromedp.SetValue("#note-text", "Dobro se uklopila; kćerka dolazi subotom.", chromedp.ByQuery),
		submit("#add-note"),
		waitFor("#notes"),
		chromedp.Text("#notes", &notes, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#medical-link") !== null || document.body.innerText.includes("edicinsk")`, &medicalForSocial),
		shot("care-3-resident-with-plan"),
		logout,
		login("milan.nurse"),
		chromedp.Navigate(s.APIURL+"/residents/"+pid),
		waitFor("#medical-link"),
		chromedp.Navigate(s.APIURL+"/residents/"+pid+"/medical"),
		waitFor("#form-record"),
		chromedp.SetValue("#record-kind", "examination", chromedp.ByQuery),
		chromedp.SetValue("#record-text", "Redovni pregled: pritisak 130/80.", chromedp.ByQuery),
		submit("#add-record"),
		waitFor("#medical-records"),
		chromedp.Text("#medical-records", &records, chromedp.ByQuery),
		shot("care-4-medical-records"),
		logout,
	)
	if err != nil {
		t.Fatalf("the resident's care in the browser: %v", err)
	}
	if !strings.Contains(version, "Verzija 1") || !strings.Contains(version, "Bojana Ivanović") {
		t.Errorf("the plan's version: %q", version)
	}
	if !strings.Contains(rules, "Marko Đurović") || !strings.Contains(rules, "zabranjene") {
		t.Errorf("the visit rules shown: %q", rules)
	}
	if !strings.Contains(notes, "kćerka dolazi subotom") {
		t.Errorf("the notes: %q", notes)
	}
	if medicalForSocial {
		t.Error("the social worker's page shows the medical records")
	}
	if !strings.Contains(records, "pregled") || !strings.Contains(records, "130/80") || !strings.Contains(records, "Milan Đurović") {
		t.Errorf("the medical records: %q", records)
	}
	if got, err := s.DB.VisitRules(ctx, careID64(t, pid)); err != nil || len(got) != 1 || got[0].Allowed || got[0].SetBy != "bojana.social" {
		t.Errorf("visit rules recorded: %+v, %v", got, err)
	}
}

func careID64(t *testing.T, s string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscan(s, &id); err != nil {
		t.Fatal(err)
	}
	return id
}
