package e2e_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack/system"
)

// TestInstitutionHomeInABrowser (issue 22 items 1 and 6): the director of
// the demo home Grabovac (vera.director) lands on the institution's page
// in Chromium, sees its units, beds and residents by name, and puts a free
// bed out of service; the centre's caseworker (ana.caseworker) searches
// the free beds for an elderly woman and finds Grabovac without that bed.
func TestInstitutionHomeInABrowser(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	admitToGrabovac(t, s.DB, "Milena", "Bošković", 82, 834, 1)
	name := "Milena Bošković"
	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)
	var home, units, residents, flash, outRow, bedID, results string
	err := runSteps(bctx,
		login("vera.director"),
		chromedp.Navigate(s.APIURL+"/"),
		waitFor("#institution-name"),
		chromedp.Location(&home),
		chromedp.Text("main", &units, chromedp.ByQuery),
		chromedp.Text("#residents", &residents, chromedp.ByQuery),
		shot("inst-1-director-home"),
		chromedp.Evaluate(`document.querySelector('tr[data-status="free"] button.bed-out').closest("tr").id`, &bedID),
		submit(`tr[data-status="free"] button.bed-out`),
		waitFor("#flash"),
		chromedp.Text("#flash", &flash, chromedp.ByQuery),
		shot("inst-2-bed-out-of-service"),
	)
	if err != nil {
		t.Fatalf("the director's home in the browser: %v", err)
	}
	if err := runSteps(bctx,
		chromedp.Evaluate(`document.getElementById("`+bedID+`").dataset.status`, &outRow),
		logout,
		login("ana.caseworker"),
		chromedp.Navigate(s.APIURL+"/institutions/free-beds"),
		waitFor("#free-beds-form"),
		chromedp.SetValue(`#free-beds-form select[name="kind"]`, "elderly", chromedp.ByQuery),
		chromedp.SetValue(`#free-beds-form select[name="gender"]`, "female", chromedp.ByQuery),
		submit(`#free-beds-form button[type="submit"]`),
		waitFor("#free-beds-count"),
		chromedp.Text("main", &results, chromedp.ByQuery),
		shot("inst-3-free-beds"),
		logout,
	); err != nil {
		t.Fatalf("the free beds in the browser: %v", err)
	}
	if !strings.HasSuffix(home, "/institution") {
		t.Errorf("the director landed on %s; want /institution", home)
	}
	for _, want := range []string{`JU Dom za stare "Grabovac"`, "stara lica", "osnovna njega", "intenzivna njega", "ženska", "mješovita", "zauzeto", "slobodno"} {
		if !strings.Contains(units, want) {
			t.Errorf("the director's page does not say %q", want)
		}
	}
	if !strings.Contains(residents, name) {
		t.Errorf("the residents %q lack %q", residents, name)
	}
	if flash != "Krevet je stavljen van upotrebe." || outRow != "out_of_service" {
		t.Errorf("after putting %s out of service: flash %q, its row %q", bedID, flash, outRow)
	}
	_, found, _ := strings.Cut(results, "Slobodnih kreveta:") // past the search form and its choices
	if !strings.Contains(found, "Grabovac") || !strings.Contains(found, "stara lica") || strings.Contains(found, "djeca") || strings.Contains(found, "muška") {
		t.Errorf("the free beds for an elderly woman: %q", found)
	}
	var out bool
	if err := s.DB.Pool().QueryRow(context.Background(), `SELECT out_of_service FROM institution_beds WHERE id = $1`,
		strings.TrimPrefix(bedID, "bed-")).Scan(&out); err != nil || !out {
		t.Errorf("bed %s out of service in the database: %v %v", bedID, out, err)
	}
}
