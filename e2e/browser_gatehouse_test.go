package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/store"
)

// TestGatehouseInABrowser (issue 22 item 5): the gatekeeper of the demo
// home Grabovac (rade.gate) logs a visitor in for a resident and out
// again in Chromium; a visitor the resident's plan excludes (the rule set
// as the care helper's plan saves it, store.ReplaceVisitRules) is refused
// beside the form with the rule said in Montenegrin, and nothing of them
// is recorded.
func TestGatehouseInABrowser(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	ctx := context.Background()
	placement := admitToGrabovac(t, s.DB, "Stana", "Vukić", 80, 733, 2)
	if err := s.DB.ReplaceVisitRules(ctx, placement, []store.VisitRule{
		{VisitorName: "Marko Đurović", Allowed: false, Reason: "zabrana prilaska po rješenju Osnovnog suda u Kotoru"},
	}, "bojana.social"); err != nil {
		t.Fatal(err)
	}
	pid := fmt.Sprint(placement)
	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)
	var inside, afterOut, refusal, stillInside string
	err := runSteps(bctx,
		login("rade.gate"),
		chromedp.Navigate(s.APIURL+"/gatehouse"),
		waitFor("#form-visit"),
		shot("gate-1-gatehouse"),
		chromedp.SetValue("#visit-resident", pid, chromedp.ByQuery),
		chromedp.SetValue("#visit-name", "Ana Jovanović", chromedp.ByQuery),
		chromedp.SetValue("#visit-document", "AB1234567", chromedp.ByQuery),
		chromedp.SetValue("#visit-relation", "kći", chromedp.ByQuery),
		submit("#log-visit"),
		waitFor("#inside"),
		chromedp.Text("#inside", &inside, chromedp.ByQuery),
		shot("gate-2-visitor-in"),
		submit(`#inside button[id^="depart-"]`),
		waitFor("#inside-none"),
		chromedp.Text("#visits", &afterOut, chromedp.ByQuery),
		shot("gate-3-visitor-out"),
		chromedp.SetValue("#visit-resident", pid, chromedp.ByQuery),
		chromedp.SetValue("#visit-name", "marko djurovic", chromedp.ByQuery),
		chromedp.SetValue("#visit-document", "CD7654321", chromedp.ByQuery),
		chromedp.SetValue("#visit-relation", "sin", chromedp.ByQuery),
		submit("#log-visit"),
		waitFor("#gate-errors"),
		chromedp.Text("#gate-errors", &refusal, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#inside-none") !== null ? "none" : document.querySelector("#inside").innerText`, &stillInside),
		shot("gate-4-visitor-refused"),
		logout,
	)
	if err != nil {
		t.Fatalf("the gatehouse in the browser: %v", err)
	}
	if !strings.Contains(inside, "Ana Jovanović") || !strings.Contains(inside, "kći") {
		t.Errorf("inside the building after the visitor came: %q", inside)
	}
	if !strings.Contains(afterOut, "Ana Jovanović") || strings.Contains(afterOut, "još u zgradi") {
		t.Errorf("the day's visits after the departure: %q", afterOut)
	}
	if want := "individualni plan korisnika isključuje ovog posjetioca: zabrana prilaska po rješenju Osnovnog suda u Kotoru"; !strings.Contains(refusal, want) {
		t.Errorf("the refusal shown: %q; want %q", refusal, want)
	}
	if stillInside != "none" {
		t.Errorf("after the refusal someone is inside: %q", stillInside)
	}
	var n int
	if err := s.DB.Pool().QueryRow(ctx, `SELECT count(*) FROM gate_visits WHERE placement_id = $1`, placement).Scan(&n); err != nil || n != 1 {
		t.Errorf("visits recorded: %d, %v; want the one let in", n, err)
	}
}
