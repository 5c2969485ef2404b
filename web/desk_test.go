package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// seed registers a person living in municipality.
func seed(t *testing.T, db *store.DB, jmbg, municipality, given, family string) domain.Person {
	t.Helper()
	addr, _ := domain.ParseAddress(municipality, municipality, "Slobode 1")
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: jmbg, GivenName: given, FamilyName: family, Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = db.CreatePerson(context.Background(), p, "seed"); err != nil {
		t.Fatal(err)
	}
	return p
}

var serial = 0

func jmbgBorn(t *testing.T, birth time.Time) string {
	serial++
	j, err := domain.MakeJMBG(birth, 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

var (
	navRe  = regexp.MustCompile(`(?s)<nav aria-label="[^"]*">(.*?)</nav>`)
	hrefRe = regexp.MustCompile(`href="([^"]+)"`)
)

// menuOfPage is the links of a page's main menu.
func menuOfPage(body string) []string {
	m := navRe.FindStringSubmatch(body)
	if m == nil {
		return nil
	}
	var out []string
	for _, h := range hrefRe.FindAllStringSubmatch(m[1], -1) {
		out = append(out, strings.ReplaceAll(h[1], "&amp;", "&"))
	}
	return out
}

// Every role lands on its own home page, and no link of its menu answers
// 403: the menu is what the policy lets the role do (issue 17 item 4).
func TestEveryRoleHasAHomeAndNoMenuLinkIsRefused(t *testing.T) {
	s := newSite(t, true)
	seed(t, s.db, "2101006500003", "Podgorica", "Jovana", "Vujović") // the demo citizen's file
	homes := map[string]string{"ana.caseworker": "/inbox", "marko.supervisor": "/board", "sanja.head": "/board", "dragana.dv": "/dv",
		"milena.dvsupervisor": "/board", "nina.finance": "/payrolls", "luka.analyst": "/bi", "tea.auditor": "/audit",
		"citizen.demo": "/me", "zorana.zzz": "/activation", "vesna.appeals": "/inbox", "admin": "/home", "goran.ministry": "/home"}
	tested := 0
	for _, u := range domain.DemoUsers() {
		if u.Machine {
			continue // systems of other institutions have no pages
		}
		tested++
		b, _ := s.login(t, u.Username, "/")
		resp, _ := b.page("GET", s.ts.URL+"/", nil)
		home := resp.Header.Get("Location")
		if want, ok := homes[u.Username]; resp.StatusCode != http.StatusFound || (ok && home != want) {
			t.Errorf("%s (%s): / = %d to %q; want 302 to %q", u.Username, u.Role, resp.StatusCode, home, want)
			continue
		}
		resp, body := b.page("GET", s.ts.URL+home, nil)
		if resp.StatusCode == http.StatusFound && u.Role == domain.RoleCitizen {
			home = resp.Header.Get("Location") // the citizen's own e-file
			resp, body = b.page("GET", s.ts.URL+home, nil)
		}
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s (%s): home %s = %d; want 200", u.Username, u.Role, home, resp.StatusCode)
			continue
		}
		menu := menuOfPage(body)
		if len(menu) == 0 && u.Role != domain.RoleAdmin && u.Role != domain.RoleMinistryOfficer {
			t.Errorf("%s (%s): the home page has no menu", u.Username, u.Role)
		}
		for _, link := range menu {
			resp, body := b.page("GET", s.ts.URL+link, nil)
			if resp.StatusCode == http.StatusFound && link == "/me" {
				resp, body = b.page("GET", s.ts.URL+resp.Header.Get("Location"), nil)
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s (%s): menu link %s = %d; want 200 (%.300s)", u.Username, u.Role, link, resp.StatusCode, body)
			}
		}
		// The header's search is there for staff who read persons, and works.
		if strings.Contains(body, `id="hdr-q"`) {
			if resp, _ := b.page("GET", s.ts.URL+"/persons?q=Vujovic", nil); resp.StatusCode != http.StatusOK {
				t.Errorf("%s (%s): the header's search = %d; want 200", u.Username, u.Role, resp.StatusCode)
			}
		}
		switch u.Role {
		case domain.RoleFinanceOfficer:
			// the payrolls and the providers' cost reports (issue 23), no search
			if strings.Join(menu, " ") != "/payrolls /services/cost-reports" || strings.Contains(body, `id="hdr-q"`) {
				t.Errorf("the finance officer's menu = %v (search: %v); want the payrolls and cost reports only, no search", menu, strings.Contains(body, `id="hdr-q"`))
			}
		case domain.RoleCitizen:
			if strings.Join(menu, " ") != "/me /me/apply /me/data" || strings.Contains(body, `id="hdr-q"`) || strings.Contains(body, `id="refresh"`) ||
				strings.Contains(body, `id="correct-form"`) {
				t.Errorf("the citizen's menu = %v; want the portal's pages only (issue 18), without search, refresh or correction", menu)
			}
		case domain.RoleDVCaseworker:
			if len(menu) == 0 || menu[0] != "/dv" {
				t.Errorf("the DV caseworker's menu = %v; want the notifications first", menu)
			}
		case domain.RoleCaseworker:
			for _, want := range []string{"/inbox", "/cases?scope=mine", "/claims/new"} {
				if !strings.Contains(" "+strings.Join(menu, " ")+" ", " "+want+" ") {
					t.Errorf("the caseworker's menu = %v; want %s in it", menu, want)
				}
			}
			if !strings.Contains(body, `id="hdr-q"`) {
				t.Error("the caseworker's pages have no search in the header")
			}
		}
	}
	if tested < 15 {
		t.Errorf("%d demo users walked; want every one who logs in to the pages", tested)
	}
	// A finance officer who types the new claim's address is not invited
	// to register anyone.
	b, _ := s.login(t, "nina.finance", "/")
	resp, body := b.page("GET", s.ts.URL+"/claims/new?q=0101900350008", nil)
	if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "register-form") || !strings.Contains(body, "ne podnosi zahtjeve") {
		t.Errorf("/claims/new as the finance officer = %d; want 403 saying the role files no claims, no registration form", resp.StatusCode)
	}
}

// The header's search finds a name typed without its diacritics, says how
// many it found and pages through them, opens the e-file of a JMBG found,
// and says plainly when it finds nobody.
func TestHeaderSearch(t *testing.T) {
	s := newSite(t, true)
	milica := seed(t, s.db, jmbgBorn(t, time.Date(1985, 3, 12, 0, 0, 0, 0, time.UTC)), "Podgorica", "Milica", "Đurović")
	seed(t, s.db, jmbgBorn(t, time.Date(1979, 7, 1, 0, 0, 0, 0, time.UTC)), "Podgorica", "Marko", "Đurović")
	for i := range 25 {
		seed(t, s.db, jmbgBorn(t, time.Date(1960, 1, 1+i, 0, 0, 0, 0, time.UTC)), "Podgorica", "Ana", "Perović")
	}
	b, _ := s.login(t, "ana.caseworker", "/")
	search := func(q string, page int) (*http.Response, string) {
		u := s.ts.URL + "/persons?q=" + url.QueryEscape(q)
		if page > 1 {
			u += "&page=" + string(rune('0'+page))
		}
		return b.page("GET", u, nil)
	}
	for _, q := range []string{"Djurovic", "Durovic", "Đurović"} {
		resp, body := search(q, 1)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Pronađeno lica: 2.") || !strings.Contains(body, `href="/persons/`+string(milica.ID)+`"`) ||
			!strings.Contains(body, "Milica Đurović") || !strings.Contains(body, "12.03.1985.") {
			t.Errorf("search %q = %d; want the two Đurović with their dates of birth, linked to their files: %s", q, resp.StatusCode, body)
		}
	}
	_, body := search("perovic", 1)
	if !strings.Contains(body, "Pronađeno lica: 25. Prikazana su 1–20.") || !strings.Contains(body, `id="search-next"`) || strings.Contains(body, `id="search-prev"`) {
		t.Errorf("the first page of 25 Perović says: %s", body)
	}
	_, body = search("perovic", 2)
	if !strings.Contains(body, "Prikazana su 21–25.") || strings.Contains(body, `id="search-next"`) || !strings.Contains(body, `id="search-prev"`) {
		t.Errorf("the second page of 25 Perović says: %s", body)
	}
	if _, body = search("djurovic 12.03.1985.", 1); !strings.Contains(body, "Pronađeno lica: 1.") {
		t.Errorf("name and date of birth: %s", body)
	}
	if _, body = search("Nepostojević", 1); !strings.Contains(body, `id="search-none"`) || !strings.Contains(body, "Nije pronađeno nijedno lice") {
		t.Errorf("a name nobody has: %s", body)
	}
	if resp, _ := search(string(milica.JMBG), 1); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/persons/"+string(milica.ID) {
		t.Errorf("search by JMBG = %d %s; want the e-file at once", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body = search("0101900350008", 1); !strings.Contains(body, "Lice s tim JMBG-om nije evidentirano") || !strings.Contains(body, `id="search-register"`) {
		t.Errorf("an unknown JMBG: %s", body)
	}
	if _, body = search("0101900350007", 1); !strings.Contains(body, `id="search-error"`) {
		t.Errorf("a JMBG with a wrong check digit: %s", body)
	}
	// In English, too.
	b.page("POST", s.ts.URL+"/lang", url.Values{"csrf": {b.cookies[cookieCSRF].Value}, "lang": {"en"}, "back": {"/"}})
	if _, body = search("durovic", 1); !strings.Contains(body, "Persons found: 2.") {
		t.Errorf("the English search: %s", body)
	}
}

// When the population register states another name or address, the
// e-file says so; a caseworker takes the register's values, or corrects
// them by hand (the reason required, what was typed kept on an error).
func TestRegisterDifferencesOnTheEFile(t *testing.T) {
	ctx := context.Background()
	s := newSite(t, true)
	p := seed(t, s.db, "2101006500003", "Podgorica", "Jovana", "Vujović")
	at := time.Now()
	if _, err := s.db.RecordAnswer(ctx, store.Exchange{RequestID: "r-mup-1", PersonID: p.ID, Source: domain.SourcePopulation, RequestedAt: at, AnsweredAt: at,
		ResponseHash: "h", Body: []byte(`{}`)}, []store.Fact{
		{Kind: domain.KindIdentity, ValidFrom: at, Value: []byte(`{"jmbg":"2101006500003","given_name":"Stefan","family_name":"Bulatović","birth_date":"2006-01-21","sex":"M","alive":true}`)},
		{Kind: domain.KindResidence, ValidFrom: at, Value: []byte(`{"municipality":"ME-16","settlement":"Podgorica","street":"Slobode 1"}`)},
	}); err != nil {
		t.Fatal(err)
	}
	file := s.ts.URL + "/persons/" + string(p.ID)
	b, _ := s.login(t, "ana.caseworker", "/")
	_, body := b.page("GET", file, nil)
	if !strings.Contains(body, `id="register-differs"`) || !strings.Contains(body, "Stefan") || !strings.Contains(body, "Bulatović") ||
		!strings.Contains(body, `id="take-register"`) || strings.Contains(body, `data-field="address"`) {
		t.Fatalf("the e-file does not show the register's other name (and only that): %s", body)
	}
	csrf := b.cookies[cookieCSRF].Value
	// Another centre's caseworker may not take them.
	other, _ := s.login(t, "jelena.caseworker", "/")
	other.page("GET", s.ts.URL+"/", nil) // the form's token comes with a page
	other.page("POST", file+"/register-values", url.Values{"csrf": {other.cookies[cookieCSRF].Value}})
	if q, _ := s.db.PersonByID(ctx, p.ID); q.GivenName != "Jovana" {
		t.Fatalf("another centre's caseworker changed the name to %s", q.GivenName)
	}
	resp, _ := b.page("POST", file+"/register-values", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/persons/"+string(p.ID) {
		t.Fatalf("take the register's values = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = b.page("GET", file, nil)
	if !strings.Contains(body, `<h1 id="person-name">Stefan Bulatović</h1>`) || strings.Contains(body, `id="register-differs"`) ||
		!strings.Contains(body, "Preuzeto iz registra stanovništva: Ime, Prezime.") {
		t.Errorf("after taking the register's values the e-file says: %s", body)
	}
	// By hand: without a reason the form comes back with what was typed.
	form := url.Values{"csrf": {csrf}, "given_name": {"Stevan"}, "family_name": {"Bulatović"}, "municipality": {"ME-16"}, "settlement": {"Podgorica"},
		"street": {"Njegoševa 7"}, "reason": {""}}
	resp, body = b.page("POST", file+"/corrections", form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="c-reason-err"`) || !strings.Contains(body, `value="Stevan"`) ||
		!strings.Contains(body, `value="Njegoševa 7"`) || !strings.Contains(body, `<details id="correction" open>`) {
		t.Errorf("a correction without a reason = %d: %s", resp.StatusCode, body)
	}
	form.Set("reason", "lična karta viđena")
	if resp, _ = b.page("POST", file+"/corrections", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the correction = %d", resp.StatusCode)
	}
	_, body = b.page("GET", file, nil)
	if !strings.Contains(body, "Stevan Bulatović") || !strings.Contains(body, "Ispravka je sačuvana: Ime, Adresa.") ||
		!strings.Contains(body, `data-field="given_name"`) {
		t.Errorf("after the correction by hand the e-file says: %s", body)
	}
	// The access log on the e-file says both in words.
	if !strings.Contains(body, "preuzimanje podataka iz registra stanovništva") || !strings.Contains(body, "ispravka imena ili adrese") {
		t.Errorf("the e-file's access log does not name the corrections")
	}
}
