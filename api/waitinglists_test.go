package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// waitingReferral writes a referral of a new person (given, serial) from
// centre to the demo contract of service, waiting since the day given, as
// the ServiceReferral workflow would.
func waitingReferral(t *testing.T, db *store.DB, given string, serial int, centre, service, since string) domain.Person {
	t.Helper()
	ctx := context.Background()
	j, err := domain.MakeJMBG(time.Date(2016, 5, 3, 0, 0, 0, 0, time.UTC), 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	p := seedPerson(t, db, string(j), "Podgorica", given, "Vukić")
	if _, err := db.Pool().Exec(ctx, `INSERT INTO service_referrals (case_number, person_id, centre_id, contract_id, service, state, referred_on,
			waiting_since, referred_by)
		SELECT 'S-WL-' || $1::text, $1::uuid, $2, c.id, $3, 'waiting', $4::date, $4::date, 'ana.caseworker' FROM service_contracts c WHERE c.service = $3`,
		p.ID, centre, service, since); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWaitingListsOverHTTP: on 3 December Sunce's staff read their list
// in order (Ana first, named; Nikšić's Ceca unnamed: no delegation), and
// asking for another provider's is a 404; Podgorica's caseworker reads
// Ana and Bojan by name and Ceca as a count; the ministry counts only.
// Sunce reports November (201, on time, no names in the report), again
// (409); December, not ended, with no confirmation (one 400 naming both);
// a caseworker may not submit (403). On the 7th the ministry sees Pomoć
// overdue and Sunce reported; the reminders the daily run sent show for
// the provider and, escalated, for the centre. Every answer is checked
// against the OpenAPI document.
func TestWaitingListsOverHTTP(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	ts, db := newServerFor(t, func(d *api.Deps) { d.Now = func() time.Time { return now } })
	if _, err := devstack.LoadDemoServices(ctx, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	ana := waitingReferral(t, db, "Ana", 31, "csr-podgorica", "day_care_disability", "2026-10-20")
	waitingReferral(t, db, "Bojan", 32, "csr-podgorica", "day_care_disability", "2026-11-10")
	waitingReferral(t, db, "Ceca", 533, "csr-niksic", "day_care_disability", "2026-11-12")

	var lists struct {
		Lists []struct {
			ProviderPIB string `json:"provider_pib"`
			Count       int
			LongestDays int `json:"longest_days"`
			Others      int
			Entries     []struct {
				Position   int
				Days       int
				Named      bool
				PersonName string `json:"person_name"`
				PersonID   string `json:"person_id"`
			}
		}
	}
	read := func(user, query string) int {
		t.Helper()
		code, b := doAs(t, ts, user, "GET", "/api/v1/waiting-lists"+query, "")
		lists.Lists = nil
		if code == http.StatusOK {
			if err := json.Unmarshal(b, &lists); err != nil {
				t.Fatal(err)
			}
		}
		return code
	}
	if code := read("tamara.sunce", ""); code != http.StatusOK || len(lists.Lists) != 1 || lists.Lists[0].Count != 3 || lists.Lists[0].LongestDays != 44 {
		t.Fatalf("Sunce's staff: %d %+v", code, lists)
	}
	e := lists.Lists[0].Entries
	if len(e) != 3 || e[0].PersonName != "Ana Vukić" || e[0].PersonID != string(ana.ID) || e[0].Days != 44 || e[2].Named || e[2].PersonName != "" || e[2].Position != 3 {
		t.Errorf("Sunce's list: %+v", e)
	}
	if code := read("tamara.sunce", "?provider_pib=02000008"); code != http.StatusNotFound {
		t.Errorf("Sunce's staff asking for Pomoć's list = %d; want 404", code)
	}
	if code := read("ana.caseworker", "?service=day_care_disability"); code != http.StatusOK || len(lists.Lists) != 1 || len(lists.Lists[0].Entries) != 2 ||
		lists.Lists[0].Others != 1 || lists.Lists[0].Entries[1].PersonName != "Bojan Vukić" {
		t.Errorf("Podgorica's caseworker: %d %+v", code, lists)
	}
	if code := read("goran.ministry", ""); code != http.StatusOK || len(lists.Lists) != 1 || len(lists.Lists[0].Entries) != 0 || lists.Lists[0].Count != 3 {
		t.Errorf("the ministry: %d %+v", code, lists)
	}
	code, b := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/waiting-lists?service=sauna&provider_pib=123", "")
	if code != http.StatusBadRequest || !strings.Contains(string(b), "sauna") || !strings.Contains(string(b), "provider_pib") {
		t.Errorf("a bad service and PIB = %d %s; want one 400 naming both", code, b)
	}
	var audited int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE resource = 'waiting_list' AND person_ids @> ARRAY[$1]::uuid[]`, string(ana.ID)).Scan(&audited); err != nil || audited < 2 {
		t.Errorf("Ana's name read by Sunce and by Podgorica: %d audit records, %v", audited, err)
	}

	post := func(user, body string) (int, string) {
		t.Helper()
		code, b := doAs(t, ts, user, "POST", "/api/v1/waiting-list-reports", body)
		return code, string(b)
	}
	if code, b := post("tamara.sunce", `{"month":"2026-11","matches":true}`); code != http.StatusCreated || !strings.Contains(b, `"late":false`) ||
		!strings.Contains(b, `"due_on":"2026-12-05"`) || strings.Contains(b, "Vukić") || !strings.Contains(b, `"count":3`) {
		t.Errorf("Sunce's November = %d %s", code, b)
	}
	if code, b := post("sunce-system", `{"month":"2026-11","matches":true}`); code != http.StatusConflict || !strings.Contains(b, "tamara.sunce") {
		t.Errorf("November again = %d %s; want 409 naming who", code, b)
	}
	if code, b := post("tamara.sunce", `{"month":"2026-12"}`); code != http.StatusBadRequest || !strings.Contains(b, "has not ended") || !strings.Contains(b, "matches") {
		t.Errorf("December, no confirmation = %d %s; want one 400 naming both", code, b)
	}
	if code, b := post("tamara.sunce", `{"month":"november","matches":false}`); code != http.StatusBadRequest || !strings.Contains(b, "YYYY-MM") {
		t.Errorf("a month that is none = %d %s", code, b)
	}
	if code, b := post("ana.caseworker", `{"month":"2026-11","matches":true}`); code != http.StatusForbidden {
		t.Errorf("a caseworker submitting = %d %s; want 403", code, b)
	}

	if _, err := db.RemindWaitingLists(ctx, time.Date(2026, 12, 3, 5, 45, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RemindWaitingLists(ctx, time.Date(2026, 12, 6, 5, 45, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	now = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	var reports struct {
		Month     string
		DueOn     string `json:"due_on"`
		Providers []struct {
			ProviderPIB       string `json:"provider_pib"`
			Reported, Overdue bool
		}
		Reports   []json.RawMessage
		Reminders []struct{ Kind string }
	}
	get := func(user string) {
		t.Helper()
		code, b := doAs(t, ts, user, "GET", "/api/v1/waiting-list-reports", "")
		if code != http.StatusOK {
			t.Fatalf("reports as %s = %d %s", user, code, b)
		}
		reports.Providers, reports.Reports, reports.Reminders = nil, nil, nil
		if err := json.Unmarshal(b, &reports); err != nil {
			t.Fatal(err)
		}
	}
	get("goran.ministry")
	if len(reports.Providers) != 2 || reports.Providers[0].ProviderPIB != "02655284" || !reports.Providers[0].Reported || reports.Providers[0].Overdue ||
		reports.Providers[1].Reported || !reports.Providers[1].Overdue || len(reports.Reports) != 1 || len(reports.Reminders) != 2 {
		t.Errorf("the ministry on 7 December: %+v", reports)
	}
	get("dusan.pomoc")
	if len(reports.Providers) != 1 || len(reports.Reminders) != 2 || reports.Reminders[0].Kind != "escalation" {
		t.Errorf("Pomoć's staff: %+v", reports)
	}
	get("ana.caseworker") // the ministry's contract with Pomoć: nobody in Podgorica referred to it, so no escalation reached it
	if len(reports.Providers) != 2 || len(reports.Reminders) != 0 {
		t.Errorf("Podgorica's caseworker: %+v", reports)
	}
	if code, b := doAs(t, ts, "goran.ministry", "GET", "/api/v1/waiting-list-reports?month=11-2026", ""); code != http.StatusBadRequest {
		t.Errorf("a month that is none = %d %s", code, b)
	}
}
