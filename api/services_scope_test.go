package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store"
)

// The scope of a provider's access, per referral (review fixes of issue
// 23: store.DelegatedAccess's ScopeOf, AllowsFor, Covers, DVReferrals),
// over HTTP. The world: Sunce (tamara.sunce) holds Podgorica's day-care
// contract, under Podgorica's demo delegation (identity, contact, plan),
// and the ministry's counselling contract, to which Nikšić refers under a
// delegation of the contact scope only.

// scopeWorld is the server, its database and Sunce's two contracts.
type scopeWorld struct {
	ts                    *httptest.Server
	db                    *store.DB
	dayCare, counselling  int64 // Podgorica's day care; the ministry's counselling
	podgorica, niksic     int64 // the delegations of the two centres to Sunce
	firstDay, delegatedOn time.Time
}

// newScopeWorld runs the API on useDay (1 December 2026) over the demo
// services, the ministry's counselling contract with Sunce and Nikšić's
// delegation to Sunce of the contact scope only.
func newScopeWorld(t *testing.T) scopeWorld {
	t.Helper()
	ctx := context.Background()
	ts, db := newServerFor(t, func(d *api.Deps) { d.Now = func() time.Time { return useDay } })
	if _, err := devstack.LoadDemoServices(ctx, db, useDay); err != nil {
		t.Fatal(err)
	}
	w := scopeWorld{ts: ts, db: db, firstDay: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), delegatedOn: domain.CalendarDay(useDay)}
	in, err := db.ContractsInForce(ctx, "day_care_disability", "csr-podgorica", useDay)
	if err != nil || len(in) != 1 {
		t.Fatalf("the demo day-care contract: %v, %v", in, err)
	}
	w.dayCare = in[0].ID
	c, err := db.CreateServiceContract(ctx, services.Contract{Service: "counselling", ProviderPIB: "02655284", Capacity: 10, From: w.firstDay,
		Until: time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC), Unit: services.UnitHour, Rate: decimal.RequireFromString("25.00"),
		LegalRef: "Zakon o socijalnoj i dječjoj zaštiti, čl. 70", PayeeIBAN: string(domain.MakeIBAN("510", 9900123))}, nil, "goran.ministry", useDay)
	if err != nil {
		t.Fatal(err)
	}
	w.counselling = c.ID
	d, err := db.GrantDelegation(ctx, services.Delegation{CentreID: "csr-niksic", ProviderPIB: "02655284", Scope: []string{services.ScopeContact},
		From: w.delegatedOn, Until: w.delegatedOn.AddDate(1, 0, 0)}, "petar.supervisor", useDay)
	if err != nil {
		t.Fatal(err)
	}
	w.niksic = d.ID
	ds, err := db.ServiceDelegations(ctx, "csr-podgorica", "02655284")
	if err != nil || len(ds) != 1 {
		t.Fatalf("Podgorica's delegation to Sunce: %v, %v", ds, err)
	}
	w.podgorica = ds[0].ID
	return w
}

// scopeCase records an open P14 case of person at centre (DV: in the DV
// compartment) with a plan whose one goal is goal ("" no plan).
func scopeCase(t *testing.T, db *store.DB, number, centre string, person domain.PersonID, goal string, dv bool) {
	t.Helper()
	ctx := context.Background()
	if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: "P14", Version: 1, CentreID: centre, Status: "open",
		Stage: "monitoring", OpenedBy: "seed", OpenedAt: time.Now(), DV: dv, Persons: []store.CasePerson{{PersonID: person, Role: "beneficiary"}}}}); err != nil {
		t.Fatal(err)
	}
	if goal == "" {
		return
	}
	goals, _ := json.Marshal(map[string]any{"goals": []map[string]string{{"goal": goal, "service": "usluga", "responsible": "Ana Radović", "due": "2027-06-30"}}})
	if _, err := db.Pool().Exec(ctx, `INSERT INTO case_events (case_number, event_key, at, kind, stage, by_user, summary, data)
		VALUES ($1, $1 || '/plan', now(), 'stage_completed', 'plan', 'seed', 'plan submitted', $2)`, number, string(goals)); err != nil {
		t.Fatal(err)
	}
}

// scopeReferral writes a referral of person from centre's case to
// contract, as the ServiceReferral workflow leaves it: active (started on
// since) or waiting (since); dv marks it from the DV compartment.
func scopeReferral(t *testing.T, db *store.DB, number string, person domain.PersonID, centre string, contract int64, state, since string, dv bool) int64 {
	t.Helper()
	var id int64
	if err := db.Pool().QueryRow(context.Background(), `INSERT INTO service_referrals (case_number, person_id, centre_id, contract_id, service, dv,
			state, referred_on, waiting_since, started_on, referred_by)
		SELECT $1, $2, $3, c.id, c.service, $4, $5::text, $6::date - 10, CASE WHEN $5::text = 'waiting' THEN $6::date END,
			CASE WHEN $5::text = 'active' THEN $6::date END, 'ana.caseworker'
		FROM service_contracts c WHERE c.id = $7 RETURNING id`, number, string(person), centre, dv, state, since, contract).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// scopePerson registers a person of Podgorica born in 2015.
func scopePerson(t *testing.T, db *store.DB, serial int, given, family string) domain.Person {
	t.Helper()
	j, err := domain.MakeJMBG(time.Date(2015, 3, 1+serial%28, 0, 0, 0, 0, time.UTC), 21, 600+serial)
	if err != nil {
		t.Fatal(err)
	}
	return seedPerson(t, db, string(j), "Podgorica", given, family)
}

// scopeAudit is the newest audit record of user's requests to action
// (method and route): whether it is restricted and whom it names.
func scopeAudit(t *testing.T, db *store.DB, user, action string) (restricted bool, persons []string) {
	t.Helper()
	if err := db.Pool().QueryRow(context.Background(), `SELECT restricted, person_ids::text[] FROM audit_log WHERE username = $1 AND action = $2
		ORDER BY id DESC LIMIT 1`, user, action).Scan(&restricted, &persons); err != nil {
		t.Fatalf("the audit record of %s's %s: %v", user, action, err)
	}
	return restricted, persons
}

type scopeReferralBody struct {
	ID     int64
	State  string
	Person struct{ ID, Name string }
}

type scopePersonBody struct {
	ID       string
	Scope    []string
	Identity *struct {
		GivenName  string `json:"given_name"`
		FamilyName string `json:"family_name"`
	}
	Referrals []struct {
		ID    int64
		Goals []struct{ Goal string }
	}
}

type scopeListsBody struct {
	Lists []struct {
		Service string
		Count   int
		Others  int
		Entries []struct {
			ReferralID int64 `json:"referral_id"`
			Position   int
			Named      bool
			PersonID   string `json:"person_id"`
			PersonName string `json:"person_name"`
			CaseNumber string `json:"case_number"`
		}
	}
}

// get reads path as user, fails the test unless the answer is 200, and
// decodes it into a T.
func scopeGet[T any](t *testing.T, ts *httptest.Server, user, path string) T {
	t.Helper()
	code, b := doAs(t, ts, user, "GET", path, "")
	if code != http.StatusOK {
		t.Fatalf("%s GET %s = %d %s; want 200", user, path, code, b)
	}
	return decodeAs[T](t, b)
}

// referralNames is who each listed referral names, by its id.
func referralNames(t *testing.T, ts *httptest.Server, user string) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	for _, r := range scopeGet[struct{ Referrals []scopeReferralBody }](t, ts, user, "/api/v1/service-referrals").Referrals {
		out[r.ID] = r.Person.Name
	}
	return out
}

// useNames is who each referral of November's service use names, by its id.
func useNames(t *testing.T, ts *httptest.Server, user string) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	for _, r := range scopeGet[useMonthBody](t, ts, user, "/api/v1/service-use?month=2026-11").Referrals {
		out[r.ReferralID] = r.Person
	}
	return out
}

// waitingNames is who each waiting-list entry names (its person's name,
// "" unnamed), by referral, and each service's count.
func waitingNames(t *testing.T, ts *httptest.Server, user string) (map[int64]string, map[string]int) {
	t.Helper()
	names, counts := map[int64]string{}, map[string]int{}
	for _, l := range scopeGet[scopeListsBody](t, ts, user, "/api/v1/waiting-lists?provider_pib=02655284").Lists {
		counts[l.Service] = l.Count
		for _, e := range l.Entries {
			if e.Named != (e.PersonName != "") || e.Named != (e.PersonID != "") {
				t.Errorf("%s: entry of referral %d named %t with %q, %q", user, e.ReferralID, e.Named, e.PersonName, e.PersonID)
			}
			if provider := strings.HasSuffix(user, ".sunce"); e.Named && (e.CaseNumber == "") != provider {
				t.Errorf("%s: entry of referral %d has case number %q: a provider never sees it, the centre's staff do", user, e.ReferralID, e.CaseNumber)
			}
			names[e.ReferralID] = e.PersonName
		}
	}
	return names, counts
}

// TestScopePerReferral: Mira is referred to Sunce twice, from Podgorica
// (whose delegation holds identity and plan) to day care and from Nikšić
// (contact only) to counselling; Vesna waits on both of Sunce's lists the
// same way. Sunce's staff read each referral as its own delegation allows:
// the Podgorica referral names her, the Nikšić one does not (the list,
// one referral, November's service use, the waiting lists), and only the
// Podgorica case's plan goals are shown. Podgorica revokes: its
// referrals are gone (404), Mira is left unnamed through Nikšić's; Nikšić
// revokes: Mira does not exist for Sunce.
func TestScopePerReferral(t *testing.T) {
	ctx := context.Background()
	w := newScopeWorld(t)
	ts, db := w.ts, w.db
	mira := scopePerson(t, db, 1, "Mira", "Šćekić")
	vesna := scopePerson(t, db, 2, "Vesna", "Lalević")
	scopeCase(t, db, "S-2026-810001", "csr-podgorica", mira.ID, "Samostalno oblačenje", false)
	scopeCase(t, db, "S-2026-810002", "csr-niksic", mira.ID, "Razgovor o školi", false)
	rP := scopeReferral(t, db, "S-2026-810001", mira.ID, "csr-podgorica", w.dayCare, "active", "2026-11-02", false)
	rN := scopeReferral(t, db, "S-2026-810002", mira.ID, "csr-niksic", w.counselling, "active", "2026-11-02", false)
	wP := scopeReferral(t, db, "S-2026-810003", vesna.ID, "csr-podgorica", w.dayCare, "waiting", "2026-11-10", false)
	wN := scopeReferral(t, db, "S-2026-810004", vesna.ID, "csr-niksic", w.counselling, "waiting", "2026-11-12", false)
	const tamara = "tamara.sunce"

	names := referralNames(t, ts, tamara)
	for id, want := range map[int64]string{rP: "Mira Šćekić", rN: "", wP: "Vesna Lalević", wN: ""} {
		if got, ok := names[id]; !ok || got != want {
			t.Errorf("the list names referral %d %q (listed %t); want %q", id, got, ok, want)
		}
	}
	for _, r := range []struct {
		id   int64
		want string
	}{{rP, "Mira Šćekić"}, {rN, ""}, {wN, ""}} { // Vesna's last: the audit's newest record
		code, b := doAs(t, ts, tamara, "GET", fmt.Sprintf("/api/v1/service-referrals/%d", r.id), "")
		if got := decodeAs[scopeReferralBody](t, b); code != http.StatusOK || got.Person.Name != r.want || (r.want == "" && strings.Contains(string(b), "Šćekić")) {
			t.Errorf("referral %d = %d %s; want it naming %q", r.id, code, b, r.want)
		}
	}
	if restricted, persons := scopeAudit(t, db, tamara, "GET /api/v1/service-referrals/:id"); restricted || len(persons) != 1 || persons[0] != string(vesna.ID) {
		t.Errorf("the read of Vesna's referral audited as restricted %t naming %v; want unrestricted, naming her", restricted, persons)
	}

	code, b := doAs(t, ts, tamara, "GET", "/api/v1/provider/persons/"+string(mira.ID), "")
	p := decodeAs[scopePersonBody](t, b)
	if code != http.StatusOK || p.Identity == nil || p.Identity.GivenName != "Mira" || len(p.Referrals) != 2 {
		t.Fatalf("Mira for Sunce = %d %s; want her identity (through Podgorica's referral) and both referrals", code, b)
	}
	for _, r := range p.Referrals {
		var goals []string
		for _, g := range r.Goals {
			goals = append(goals, g.Goal)
		}
		want := map[int64][]string{rP: {"Samostalno oblačenje"}}[r.ID]
		if !slices.Equal(goals, want) {
			t.Errorf("referral %d shows the goals %v; want %v (the plan scope is Podgorica's only)", r.ID, goals, want)
		}
	}
	if strings.Contains(string(b), "Razgovor o školi") {
		t.Errorf("Nikšić's plan shown to Sunce: %s", b)
	}

	uses := useNames(t, ts, tamara)
	if len(uses) != 2 || uses[rP] != "Mira Šćekić" || uses[rN] != "" {
		t.Errorf("November's service use names %v; want referral %d named, %d not", uses, rP, rN)
	}
	waiting, counts := waitingNames(t, ts, tamara)
	if len(waiting) != 2 || waiting[wP] != "Vesna Lalević" || waiting[wN] != "" || counts["day_care_disability"] != 1 || counts["counselling"] != 1 {
		t.Errorf("Sunce's waiting lists name %v (counts %v); want referral %d named, %d not", waiting, counts, wP, wN)
	}

	// Podgorica revokes: its referrals are gone; Mira is seen through
	// Nikšić's referral only, without a name.
	if _, err := db.RevokeDelegation(ctx, "csr-podgorica", w.podgorica, "review of the contract", "sanja.head", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{rP, wP} {
		if code, b := doAs(t, ts, tamara, "GET", fmt.Sprintf("/api/v1/service-referrals/%d", id), ""); code != http.StatusNotFound {
			t.Errorf("referral %d after Podgorica's revocation = %d %s; want 404", id, code, b)
		}
	}
	if names := referralNames(t, ts, tamara); len(names) != 2 || names[rN] != "" || names[wN] != "" {
		t.Errorf("the list after Podgorica's revocation: %v; want Nikšić's referrals %d and %d only, unnamed", names, rN, wN)
	}
	code, b = doAs(t, ts, tamara, "GET", "/api/v1/provider/persons/"+string(mira.ID), "")
	if p := decodeAs[scopePersonBody](t, b); code != http.StatusOK || p.Identity != nil || len(p.Referrals) != 1 || p.Referrals[0].ID != rN ||
		strings.Contains(string(b), "Šćekić") || strings.Contains(string(b), "oblačenje") {
		t.Errorf("Mira after Podgorica's revocation = %d %s; want her unnamed, Nikšić's referral only", code, b)
	}
	if uses := useNames(t, ts, tamara); len(uses) != 1 || uses[rN] != "" {
		t.Errorf("November's service use after Podgorica's revocation: %v", uses)
	}
	if waiting, _ := waitingNames(t, ts, tamara); waiting[wP] != "" || waiting[wN] != "" {
		t.Errorf("the waiting lists name %v after Podgorica's revocation; want nobody", waiting)
	}

	// Nikšić revokes: Mira does not exist for Sunce.
	if _, err := db.RevokeDelegation(ctx, "csr-niksic", w.niksic, "the contract ends", "petar.supervisor", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/provider/persons/" + string(mira.ID), fmt.Sprintf("/api/v1/service-referrals/%d", rN),
		fmt.Sprintf("/api/v1/service-use?month=2026-11&referral=%d", rN)} {
		if code, b := doAs(t, ts, tamara, "GET", path, ""); code != http.StatusNotFound {
			t.Errorf("%s after both revocations = %d %s; want 404", path, code, b)
		}
	}
	if names, uses := referralNames(t, ts, tamara), useNames(t, ts, tamara); len(names) != 0 || len(uses) != 0 {
		t.Errorf("after both revocations Sunce lists the referrals %v and the service use %v; want none", names, uses)
	}
	code, b = doAs(t, ts, tamara, "GET", "/api/v1/provider/persons", "")
	if code != http.StatusOK || strings.Contains(string(b), string(mira.ID)) || strings.Contains(string(b), string(vesna.ID)) {
		t.Errorf("Sunce's persons after both revocations = %d %s; want neither Mira nor Vesna", code, b)
	}
}

// TestScopeDVReferral: Dina's case is in Podgorica's DV compartment; she
// is referred to Sunce's day care (active) and waits for counselling.
// Without a delegation covering DV Sunce finds neither referral (404,
// not in the count, a record of her day refused with nothing written).
// Under a DV delegation Sunce reads the referral, the person, her month
// and the waiting list, records a day by the referral (and its software
// one by her JMBG) and reports her month's cost: each of those requests
// is a restricted audit record naming her, while a read of a plain
// referral is not restricted. Podgorica's caseworker outside the
// compartment finds neither referral (404, absent from the lists and the
// waiting list's count), nor does the ministry; the DV caseworker does.
func TestScopeDVReferral(t *testing.T) {
	ctx := context.Background()
	w := newScopeWorld(t)
	ts, db := w.ts, w.db
	dina := scopePerson(t, db, 3, "Dina", "Kovačević")
	ognjen := scopePerson(t, db, 4, "Ognjen", "Perić")
	scopeCase(t, db, "S-2026-820001", "csr-podgorica", dina.ID, "Sigurno okruženje", true)
	rD := scopeReferral(t, db, "S-2026-820001", dina.ID, "csr-podgorica", w.dayCare, "active", "2026-11-02", true)
	wD := scopeReferral(t, db, "S-2026-820001", dina.ID, "csr-podgorica", w.counselling, "waiting", "2026-11-15", true)
	wO := scopeReferral(t, db, "S-2026-820002", ognjen.ID, "csr-podgorica", w.counselling, "waiting", "2026-11-20", false)
	const tamara = "tamara.sunce"
	one := fmt.Sprintf("/api/v1/service-referrals/%d", rD)
	record := fmt.Sprintf(`{"records":[{"referral_id":%d,"service":"day_care_disability","day":"2026-11-03","quantity":1}]}`, rD)

	// Without a DV delegation the DV referrals do not exist for Sunce.
	for _, path := range []string{one, "/api/v1/provider/persons/" + string(dina.ID), fmt.Sprintf("/api/v1/service-use?month=2026-11&referral=%d", rD)} {
		if code, b := doAs(t, ts, tamara, "GET", path, ""); code != http.StatusNotFound {
			t.Errorf("%s without a DV delegation = %d %s; want 404", path, code, b)
		}
	}
	if code, b := doAs(t, ts, tamara, "POST", "/api/v1/service-use", record); code != http.StatusBadRequest ||
		!strings.Contains(string(b), fmt.Sprintf("no referral %d to you", rD)) || strings.Contains(string(b), "Kovačević") {
		t.Errorf("a day of the DV referral without a DV delegation = %d %s; want 400 naming the referral as not Sunce's", code, b)
	}
	if n := countServiceUse(t, db); n != 0 {
		t.Fatalf("a refused record wrote %d records", n)
	}
	names := referralNames(t, ts, tamara)
	if _, ok := names[rD]; ok {
		t.Errorf("Sunce lists the DV referral without a DV delegation: %v", names)
	}
	if waiting, counts := waitingNames(t, ts, tamara); counts["counselling"] != 1 || len(waiting) != 1 {
		t.Errorf("Sunce's waiting lists without a DV delegation: %v, counts %v; want Ognjen only", waiting, counts)
	}

	if _, err := db.GrantDelegation(ctx, services.Delegation{CentreID: "csr-podgorica", ProviderPIB: "02655284", Scope: []string{services.ScopeIdentity},
		From: w.delegatedOn, Until: w.delegatedOn.AddDate(1, 0, 0), DV: true}, "sanja.head", useDay); err != nil {
		t.Fatal(err)
	}
	restricted := func(action string) {
		t.Helper()
		if r, persons := scopeAudit(t, db, tamara, action); !r || !slices.Contains(persons, string(dina.ID)) {
			t.Errorf("%s through the DV delegation audited as restricted %t naming %v; want restricted, naming Dina", action, r, persons)
		}
	}
	if code, b := doAs(t, ts, tamara, "GET", fmt.Sprintf("/api/v1/service-referrals/%d", wO), ""); code != http.StatusOK {
		t.Fatalf("Ognjen's referral = %d %s", code, b)
	}
	if r, _ := scopeAudit(t, db, tamara, "GET /api/v1/service-referrals/:id"); r {
		t.Error("the read of a plain referral is restricted in the audit log")
	}
	if r := scopeGet[scopeReferralBody](t, ts, tamara, one); r.Person.Name != "Dina Kovačević" {
		t.Errorf("the DV referral under a DV delegation: %+v", r)
	}
	restricted("GET /api/v1/service-referrals/:id")
	if names := referralNames(t, ts, tamara); names[rD] != "Dina Kovačević" {
		t.Errorf("Sunce's list under a DV delegation: %v", names)
	}
	restricted("GET /api/v1/service-referrals")
	if p := scopeGet[scopePersonBody](t, ts, tamara, "/api/v1/provider/persons/"+string(dina.ID)); len(p.Referrals) != 2 {
		t.Errorf("Dina for Sunce: %+v; want both referrals", p)
	}
	restricted("GET /api/v1/provider/persons/:id")
	code, b := doAs(t, ts, tamara, "POST", "/api/v1/service-use", record)
	if wr := decodeAs[useWrittenBody](t, b); code != http.StatusCreated || wr.Written != 1 || wr.Records[0].ReferralID != rD {
		t.Fatalf("a day of the DV referral under a DV delegation = %d %s", code, b)
	}
	restricted("POST /api/v1/service-use")
	if m := scopeGet[useMonthBody](t, ts, tamara, fmt.Sprintf("/api/v1/service-use?month=2026-11&referral=%d", rD)); len(m.Records) != 1 {
		t.Errorf("the DV referral's November: %+v", m)
	}
	restricted("GET /api/v1/service-use")
	if code, b := uploadAs(t, ts, "sunce-system", "jmbg,service,day,quantity,note,corrects\n"+string(dina.JMBG)+",day_care_disability,2026-11-04,1,,\n"); code != http.StatusCreated {
		t.Fatalf("Sunce's software uploads a day of the DV referral = %d %s", code, b)
	}
	if r, persons := scopeAudit(t, db, "sunce-system", "POST /api/v1/service-use/upload"); !r || !slices.Equal(persons, []string{string(dina.ID)}) {
		t.Errorf("the upload through the DV delegation audited as restricted %t naming %v; want restricted, naming Dina", r, persons)
	}
	code, b = doAs(t, ts, tamara, "POST", "/api/v1/cost-reports", fmt.Sprintf(`{"contract_id":%d,"month":"2026-11","lines":[{"referral_id":%d,"units":2,`+
		`"rate":"12.50","amount":"25.00"}],"total":"25.00"}`, w.dayCare, rD))
	if c := costBody(t, b); code != http.StatusCreated || c.State != "submitted" || c.Lines[0].Person != "Dina Kovačević" {
		t.Fatalf("November's cost report of the DV referral = %d %s", code, b)
	}
	restricted("POST /api/v1/cost-reports")
	if waiting, counts := waitingNames(t, ts, tamara); counts["counselling"] != 2 || waiting[wD] != "Dina Kovačević" {
		t.Errorf("Sunce's waiting lists under a DV delegation: %v, counts %v", waiting, counts)
	}
	restricted("GET /api/v1/waiting-lists")

	// Outside the compartment the DV referrals do not exist.
	for _, path := range []string{one, fmt.Sprintf("/api/v1/service-use?month=2026-11&referral=%d", rD)} {
		if code, b := doAs(t, ts, "ana.caseworker", "GET", path, ""); code != http.StatusNotFound {
			t.Errorf("the caseworker outside DV reads %s = %d %s; want 404", path, code, b)
		}
	}
	if names := referralNames(t, ts, "ana.caseworker"); names[wO] == "" || slices.ContainsFunc([]int64{rD, wD}, func(id int64) bool { _, ok := names[id]; return ok }) {
		t.Errorf("the caseworker's referrals %v; want Ognjen's and neither of Dina's", names)
	}
	if uses := useNames(t, ts, "ana.caseworker"); len(uses) != 0 {
		t.Errorf("the caseworker's November of service use %v; want no DV referral", uses)
	}
	for user, want := range map[string]int{"ana.caseworker": 1, "goran.ministry": 1, "dragana.dv": 2} {
		waiting, counts := waitingNames(t, ts, user)
		if _, seen := waiting[wD]; counts["counselling"] != want || seen != (want == 2) {
			t.Errorf("%s's counselling list counts %d (entries %v); want %d", user, counts["counselling"], waiting, want)
		}
	}
	if code, b := doAs(t, ts, "dragana.dv", "GET", one, ""); code != http.StatusOK || !strings.Contains(string(b), "Dina Kovačević") {
		t.Errorf("the DV caseworker reads the DV referral = %d %s", code, b)
	}
	if uses := useNames(t, ts, "dragana.dv"); uses[rD] != "Dina Kovačević" {
		t.Errorf("the DV caseworker's November of service use %v; want Dina's day care", uses)
	}
}

// TestScopeUseByReferralID: Sunce records a day of Mira's day care naming
// the referral instead of her JMBG (201; the month's records show it);
// a referral that is not Sunce's to record (Pomoć's, one that does not
// exist, Sunce's read by Pomoć, both a JMBG and a referral, Sunce's after
// the revocation) is a 400 naming the row, and nothing of the batch is
// written.
func TestScopeUseByReferralID(t *testing.T) {
	ctx := context.Background()
	w := newScopeWorld(t)
	ts, db := w.ts, w.db
	mira := scopePerson(t, db, 5, "Mira", "Šćekić")
	rP := scopeReferral(t, db, "S-2026-830001", mira.ID, "csr-podgorica", w.dayCare, "active", "2026-11-02", false)
	home, err := db.ContractsInForce(ctx, "home_help_elderly", "csr-niksic", useDay)
	if err != nil || len(home) != 1 {
		t.Fatalf("Pomoć's home help: %v, %v", home, err)
	}
	grandma := scopePerson(t, db, 6, "Stana", "Šćekić")
	rH := scopeReferral(t, db, "S-2026-830002", grandma.ID, "csr-niksic", home[0].ID, "active", "2026-11-02", false)
	row := func(referral int64, service, day string) string {
		return fmt.Sprintf(`{"referral_id":%d,"service":%q,"day":%q,"quantity":1}`, referral, service, day)
	}

	code, b := doAs(t, ts, "tamara.sunce", "POST", "/api/v1/service-use", `{"records":[`+row(rP, "day_care_disability", "2026-11-03")+`]}`)
	wr := decodeAs[useWrittenBody](t, b)
	if code != http.StatusCreated || wr.Written != 1 || wr.Records[0].ReferralID != rP || wr.Records[0].Day != "2026-11-03" || wr.Records[0].Channel != "api" ||
		strings.Contains(string(b), string(mira.JMBG)) {
		t.Fatalf("a day by referral = %d %s", code, b)
	}
	m := scopeGet[useMonthBody](t, ts, "tamara.sunce", fmt.Sprintf("/api/v1/service-use?month=2026-11&referral=%d", rP))
	if len(m.Referrals) != 1 || m.Referrals[0].Days != 1 || len(m.Records) != 1 || m.Records[0].ID != wr.Records[0].ID || m.Records[0].Day != "2026-11-03" {
		t.Errorf("Mira's November after the record: %+v", m)
	}
	if _, persons := scopeAudit(t, db, "tamara.sunce", "POST /api/v1/service-use"); !slices.Equal(persons, []string{string(mira.ID)}) {
		t.Errorf("the record by referral audited naming %v; want Mira", persons)
	}

	good := row(rP, "day_care_disability", "2026-11-04")
	for name, tt := range map[string]struct{ user, body, want string }{
		"another provider's referral": {"tamara.sunce", `{"records":[` + good + `,` + row(rH, "home_help_elderly", "2026-11-04") + `]}`,
			fmt.Sprintf(`"field":"records[1]","message":"no referral %d to you for home_help_elderly"`, rH)},
		"a referral that is none": {"tamara.sunce", `{"records":[` + good + `,` + row(999999, "day_care_disability", "2026-11-05") + `]}`,
			`"field":"records[1]","message":"no referral 999999 to you for day_care_disability"`},
		"Sunce's referral by Pomoć": {"dusan.pomoc", `{"records":[` + row(rP, "day_care_disability", "2026-11-04") + `]}`,
			fmt.Sprintf(`"field":"records[0]","message":"no referral %d to you for day_care_disability"`, rP)},
		"both a JMBG and a referral": {"tamara.sunce", fmt.Sprintf(`{"records":[{"jmbg":%q,"referral_id":%d,"service":"day_care_disability","day":"2026-11-05","quantity":1}]}`,
			mira.JMBG, rP), `not both`},
	} {
		code, b := doAs(t, ts, tt.user, "POST", "/api/v1/service-use", tt.body)
		if code != http.StatusBadRequest || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s = %d %s; want 400 with %s", name, code, b, tt.want)
		}
		if strings.Contains(string(b), "Šćekić") || strings.Contains(string(b), string(grandma.JMBG)) {
			t.Errorf("%s: the refusal names a person: %s", name, b)
		}
	}
	if n := countServiceUse(t, db); n != 1 {
		t.Errorf("the refused batches left %d records; want the first one only", n)
	}

	if _, err := db.RevokeDelegation(ctx, "csr-podgorica", w.podgorica, "review of the contract", "sanja.head", time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, b := doAs(t, ts, "tamara.sunce", "POST", "/api/v1/service-use", `{"records":[`+good+`]}`); code != http.StatusBadRequest ||
		!strings.Contains(string(b), fmt.Sprintf("no referral %d to you", rP)) {
		t.Errorf("a day by referral after the revocation = %d %s; want 400", code, b)
	}
	if n := countServiceUse(t, db); n != 1 {
		t.Errorf("after the revocation %d records; want 1", n)
	}
}

// TestScopeMonthsThatAreNone: a month of year 0, a thirteenth or a
// zeroth month, in a cost report, a waiting-list report or a read of
// either (and of the service use), is a 400 saying the month is none:
// never a 500, and year 0 neither a 200 with nothing nor a refusal for
// another reason (a contract not in force in it).
func TestScopeMonthsThatAreNone(t *testing.T) {
	w := newScopeWorld(t)
	ts := w.ts
	for _, month := range []string{"0000-01", "0000-12", "2026-13", "2026-00"} {
		for _, tt := range []struct{ user, method, path, body string }{
			{"tamara.sunce", "POST", "/api/v1/cost-reports",
				fmt.Sprintf(`{"contract_id":%d,"month":%q,"lines":[{"referral_id":1,"units":1,"rate":"12.50","amount":"12.50"}],"total":"12.50"}`, w.dayCare, month)},
			{"nina.finance", "GET", "/api/v1/cost-reports?month=" + month, ""},
			{"tamara.sunce", "GET", "/api/v1/cost-reports?month=" + month, ""},
			{"tamara.sunce", "POST", "/api/v1/waiting-list-reports", fmt.Sprintf(`{"month":%q,"matches":true}`, month)},
			{"goran.ministry", "GET", "/api/v1/waiting-list-reports?month=" + month, ""},
			{"tamara.sunce", "GET", "/api/v1/waiting-list-reports?month=" + month, ""},
			{"tamara.sunce", "GET", "/api/v1/service-use?month=" + month, ""},
			{"ana.caseworker", "GET", "/api/v1/service-use?month=" + month, ""},
		} {
			code, b := doAs(t, ts, tt.user, tt.method, tt.path, tt.body)
			if code != http.StatusBadRequest || !strings.Contains(string(b), `"field":"month"`) || !strings.Contains(string(b), fmt.Sprintf(`\"%s\" is not a month`, month)) {
				t.Errorf("%s %s %s (%s) = %d %s; want 400 naming the month", tt.user, tt.method, tt.path, tt.body, code, b)
			}
		}
	}
}
