package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
)

// TestPersonFirstInABrowser walks the person-first desk (issue 17): a
// caseworker types a name from the demo's population without its
// diacritics into the header's search, finds the person with their date of
// birth and opens the e-file from the results; then opens the demo
// citizen's file by JMBG, refreshes the evidence, sees that the population
// register states another name, and takes the register's values.
func TestPersonFirstInABrowser(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, system.Options{SimHouseholds: 50, SimFaults: sim.Faults{Latency: 2 * time.Millisecond}}, 20)
	var id, given, family string
	err := s.DB.Pool().QueryRow(ctx, `SELECT id::text, given_name, family_name FROM persons
		WHERE centre_id = 'csr-podgorica' AND family_name ~ '[ČĆĐŠŽčćđšž]' ORDER BY family_name, id LIMIT 1`).Scan(&id, &given, &family)
	if err != nil {
		t.Fatalf("no Podgorica person of the demo with a diacritic in the family name: %v", err)
	}
	typed := strings.NewReplacer("Đ", "Dj", "đ", "dj", "Č", "C", "č", "c", "Ć", "C", "ć", "c", "Š", "S", "š", "s", "Ž", "Z", "ž", "z").Replace(family)
	citizen := registerDemoCitizen(t, s)
	h, m := s.Population.Lookup(citizen.JMBG)
	registerName := h.Members[m].GivenName + " " + h.Members[m].FamilyName

	bctx, shot, login, _, waitFor := openBrowser(t, s.APIURL)
	var count, found, before, after string
	var banner bool
	err = runSteps(bctx,
		login("ana.caseworker"),
		chromedp.SendKeys("#hdr-q", typed, chromedp.ByQuery),
		submit("#hdr-search"),
		chromedp.WaitVisible("#search-results", chromedp.ByQuery),
		chromedp.Text("#search-count", &count, chromedp.ByQuery),
		shot("40-search-without-diacritics"),
		chromedp.Click(`#search-results a[href="/persons/`+id+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#person-name", chromedp.ByQuery),
		chromedp.Text("#person-name", &found, chromedp.ByQuery),
		shot("41-e-file-from-search"),
		// The demo citizen: by JMBG the search opens the e-file at once.
		chromedp.SetValue("#hdr-q", string(citizen.JMBG), chromedp.ByQuery),
		submit("#hdr-search"),
		chromedp.Text("#person-name", &before, chromedp.ByQuery),
		submit("#refresh"),
		waitFor("#register-differs"),
		shot("42-register-differs"),
		submit("#take-register"),
		chromedp.WaitVisible("#flash", chromedp.ByQuery),
		chromedp.Text("#person-name", &after, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#register-differs") !== null`, &banner),
		shot("43-register-values-taken"),
	)
	if err != nil {
		t.Fatalf("person-first walk: %v", err)
	}
	if !strings.HasPrefix(count, "Pronađeno lica:") {
		t.Errorf("%q finds: %q; want a count", typed, count)
	}
	if found != given+" "+family {
		t.Errorf("the e-file opened from the results is %q; want %s %s", found, given, family)
	}
	if before != "Jovana Vujović" || after != registerName || banner {
		t.Errorf("the demo citizen's file: %q, then %q (banner left: %v); want Jovana Vujović, then the register's %q and no banner", before, after, banner, registerName)
	}
	// The change is kept with who made it, and the audit log has it.
	list, err := s.DB.PersonCorrections(ctx, citizen.ID)
	if err != nil || len(list) != 1 || list[0].Source != "register" || list[0].By != "ana.caseworker" || list[0].Before.FamilyName != "Vujović" {
		t.Errorf("corrections kept = %+v, %v", list, err)
	}
	var audited int
	if err := s.DB.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE purpose = 'register_values' AND username = 'ana.caseworker'
		AND person_ids @> ARRAY[$1]::uuid[]`, string(citizen.ID)).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("audit records of taking the register's values = %d, %v; want 1", audited, err)
	}
}

// registerDemoCitizen registers the README's example: the demo citizen as
// Jovana Vujović of Podgorica, whom the population register knows by
// another name.
func registerDemoCitizen(t *testing.T, s *system.System) domain.Person {
	t.Helper()
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "Slobode 1")
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: "2101006500003", GivenName: "Jovana", FamilyName: "Vujović", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = s.DB.CreatePerson(context.Background(), p, "test"); err != nil {
		t.Fatal(err)
	}
	return p
}
