package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

type contractAnswer struct {
	ID               int64
	Number           string
	CentreID         string `json:"centre_id"`
	ProviderPIB      string `json:"provider_pib"`
	State            string
	SuspendedBecause string `json:"suspended_because"`
	ValidUntil       string `json:"valid_until"`
	EndedOn          string `json:"ended_on"`
	RenewedBy        string `json:"renewed_by"`
	RenewsID         int64  `json:"renews_id"`
	Free             int
}

func decodeAs[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return v
}

func wantFaults(t *testing.T, what string, b []byte, fields ...string) {
	t.Helper()
	for _, f := range fields {
		if !strings.Contains(string(b), `"field":"`+f+`"`) {
			t.Errorf("%s: no fault on %s in %s", what, f, b)
		}
	}
}

// TestServiceContractsOverHTTP: a centre's head contracts for their own
// centre only (another centre's: 403; a caseworker: 403), every fault of
// a bad contract named at once; caseworkers read every contract, a
// provider's staff only their own provider's (another's: 404); a renewal
// ends the old contract the day before the new one, a centre's head may
// not renew the ministry's; an end refuses a day in the past and a second
// end; a licence withdrawn suspends the ministry's contract in the same
// request and it does not resume without a licence.
func TestServiceContractsOverHTTP(t *testing.T) {
	ctx := context.Background()
	ts, db := newServerWith(t, nil)
	today := domain.CalendarDay(time.Now())
	if _, err := devstack.LoadDemoServices(ctx, db, time.Now()); err != nil {
		t.Fatal(err)
	}
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	good := fmt.Sprintf(`{"service":"counselling","provider_pib":"02655284","capacity":5,"valid_from":%q,"valid_until":%q,"unit":"hour",`+
		`"rate":"25.00","legal_ref":"Zakon o socijalnoj i dječjoj zaštiti, čl. 70","payee_iban":%q}`, day(0), day(365), domain.MakeIBAN("510", 7700123))
	code, b := doAs(t, ts, "sanja.head", "POST", "/api/v1/service-contracts",
		`{"service":"juggling","provider_pib":"123","capacity":0,"valid_from":"2026-13-01","valid_until":"2020-01-01","unit":"week","rate":"x","legal_ref":" ","payee_iban":"ME00"}`)
	if code != http.StatusBadRequest {
		t.Fatalf("a bad contract: %d %s", code, b)
	}
	wantFaults(t, "a bad contract", b, "service", "provider_pib", "capacity", "valid_from", "unit", "rate", "legal_ref", "payee_iban")
	if code, b := doAs(t, ts, "sanja.head", "POST", "/api/v1/service-contracts", strings.Replace(good, `{`, `{"centre_id":"csr-niksic",`, 1)); code != http.StatusForbidden {
		t.Errorf("a head contracts for another centre: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/service-contracts", good); code != http.StatusForbidden {
		t.Errorf("a caseworker contracts: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "sanja.head", "POST", "/api/v1/service-contracts", strings.Replace(good, "02655284", "02000008", 1)); code != http.StatusBadRequest ||
		!strings.Contains(string(b), "licence") {
		t.Errorf("a provider without the service's licence: %d %s", code, b)
	}
	code, b = doAs(t, ts, "sanja.head", "POST", "/api/v1/service-contracts", good)
	if code != http.StatusCreated {
		t.Fatalf("a contract: %d %s", code, b)
	}
	talk := decodeAs[contractAnswer](t, b)
	if talk.CentreID != "csr-podgorica" || talk.State != "active" || talk.Free != 5 {
		t.Errorf("the contract: %+v", talk)
	}

	// Who reads what.
	list := func(user, q string) []contractAnswer {
		t.Helper()
		code, b := doAs(t, ts, user, "GET", "/api/v1/service-contracts"+q, "")
		if code != http.StatusOK {
			t.Fatalf("%s lists contracts: %d %s", user, code, b)
		}
		return decodeAs[struct{ Contracts []contractAnswer }](t, b).Contracts
	}
	if n := len(list("ana.caseworker", "")); n != 3 {
		t.Errorf("a caseworker reads %d contracts; want 3", n)
	}
	mine := list("tamara.sunce", "?provider_pib=02000008")
	if len(mine) != 2 || mine[0].ProviderPIB != "02655284" || mine[1].ProviderPIB != "02655284" {
		t.Errorf("a provider's staff read %+v; want their own provider's two", mine)
	}
	ministry := list("goran.ministry", "?centre_id=-")
	if len(ministry) != 1 || ministry[0].ProviderPIB != "02000008" {
		t.Fatalf("the ministry's contracts: %+v", ministry)
	}
	if code, b := doAs(t, ts, "tamara.sunce", "GET", fmt.Sprintf("/api/v1/service-contracts/%d", ministry[0].ID), ""); code != http.StatusNotFound {
		t.Errorf("a provider's staff read another provider's contract: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/service-contracts?state=open&centre_id=csr-atlantis", ""); code != http.StatusBadRequest {
		t.Errorf("bad filters: %d %s", code, b)
	} else {
		wantFaults(t, "bad filters", b, "state", "centre_id")
	}

	// Renewal and end.
	base := fmt.Sprintf("/api/v1/service-contracts/%d", talk.ID)
	if code, b := doAs(t, ts, "sanja.head", "POST", fmt.Sprintf("/api/v1/service-contracts/%d/renew", ministry[0].ID), `{"valid_until":"`+day(800)+`"}`); code != http.StatusForbidden {
		t.Errorf("a head renews the ministry's contract: %d %s", code, b)
	}
	code, b = doAs(t, ts, "sanja.head", "POST", base+"/renew", fmt.Sprintf(`{"valid_from":%q,"valid_until":%q,"rate":"27.50"}`, day(30), day(800)))
	if code != http.StatusCreated {
		t.Fatalf("a renewal: %d %s", code, b)
	}
	renewal := decodeAs[contractAnswer](t, b)
	code, b = doAs(t, ts, "ana.caseworker", "GET", base, "")
	old := decodeAs[contractAnswer](t, b)
	if code != http.StatusOK || old.ValidUntil != day(29) || old.EndedOn != day(29) || old.RenewedBy != renewal.Number || renewal.RenewsID != talk.ID {
		t.Errorf("the renewed contract: %d %+v (renewal %+v)", code, old, renewal)
	}
	end := fmt.Sprintf("/api/v1/service-contracts/%d/end", renewal.ID)
	if code, b := doAs(t, ts, "sanja.head", "POST", end, `{"day":"`+day(-1)+`","reason":""}`); code != http.StatusBadRequest {
		t.Errorf("an end without reason: %d %s", code, b)
	} else {
		wantFaults(t, "an end without reason", b, "reason")
	}
	if code, b := doAs(t, ts, "sanja.head", "POST", end, `{"day":"`+day(-1)+`","reason":"budget"}`); code != http.StatusBadRequest {
		t.Errorf("an end in the past: %d %s", code, b)
	}
	code, b = doAs(t, ts, "sanja.head", "POST", end, `{"day":"`+day(200)+`","reason":"the centre's budget"}`)
	if ended := decodeAs[contractAnswer](t, b); code != http.StatusOK || ended.ValidUntil != day(200) {
		t.Errorf("an end: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "sanja.head", "POST", end, `{"day":"`+day(100)+`","reason":"again"}`); code != http.StatusConflict {
		t.Errorf("a second end: %d %s", code, b)
	}

	// A licence withdrawn suspends the ministry's home-help contract.
	var providerID int64
	if err := db.Pool().QueryRow(ctx, `SELECT id FROM providers WHERE pib = '02000008'`).Scan(&providerID); err != nil {
		t.Fatal(err)
	}
	if code, b := doAs(t, ts, "goran.ministry", "POST", fmt.Sprintf("/api/v1/providers/%d/licences/L-DEMO-003/withdraw", providerID), `{"reason":"no staff"}`); code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", code, b)
	}
	mb := fmt.Sprintf("/api/v1/service-contracts/%d", ministry[0].ID)
	code, b = doAs(t, ts, "ana.caseworker", "GET", mb, "")
	if c := decodeAs[contractAnswer](t, b); code != http.StatusOK || c.State != "suspended" || c.SuspendedBecause != "licence_lapsed" {
		t.Errorf("the ministry's contract after the withdrawal: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "goran.ministry", "POST", mb+"/resume", ""); code != http.StatusConflict || !strings.Contains(string(b), "licence") {
		t.Errorf("resume without a licence: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "sanja.head", "POST", mb+"/resume", ""); code != http.StatusForbidden {
		t.Errorf("a head resumes the ministry's contract: %d %s", code, b)
	}
	licence := fmt.Sprintf(`{"number":"L-NEW-003","service":"home_help_elderly","valid_from":%q}`, day(0))
	if code, b := doAs(t, ts, "goran.ministry", "POST", fmt.Sprintf("/api/v1/providers/%d/licences", providerID), licence); code != http.StatusCreated {
		t.Fatalf("a new licence: %d %s", code, b)
	}
	code, b = doAs(t, ts, "goran.ministry", "POST", mb+"/resume", "")
	if c := decodeAs[contractAnswer](t, b); code != http.StatusOK || c.State != "active" {
		t.Errorf("resume with a licence in force: %d %s", code, b)
	}
}

// referredPerson seeds a person referred from a Podgorica case (with a
// plan's goals) to the demo day-care contract of Sunce, the service
// started; returns the person.
func referredPerson(t *testing.T, db *store.DB, jmbg, given, family string) domain.Person {
	t.Helper()
	ctx := context.Background()
	p := seedPerson(t, db, jmbg, "Podgorica", given, family)
	number, err := db.NextCaseNumber(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: "P14", Version: 1, CentreID: "csr-podgorica",
		Status: "open", Stage: "monitoring", OpenedBy: "seed", OpenedAt: time.Now(), Persons: []store.CasePerson{{PersonID: p.ID, Role: "beneficiary"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO case_events (case_number, event_key, at, kind, stage, by_user, summary, data)
		VALUES ($1, $1 || '/plan', now(), 'stage_completed', 'plan', 'ana.caseworker', 'plan submitted',
			'{"goals":[{"goal":"Samostalno oblačenje","service":"Dnevni boravak","responsible":"Ana Radović","due":"2027-06-30"}]}')`, number); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO service_referrals (case_number, person_id, centre_id, contract_id, service, state, referred_on, started_on, referred_by)
		SELECT $1, $2, 'csr-podgorica', c.id, c.service, 'active', current_date - 10, current_date - 5, 'ana.caseworker'
		FROM service_contracts c JOIN providers p ON p.id = c.provider_id WHERE p.pib = '02655284' AND c.service = 'day_care_disability'`,
		number, string(p.ID)); err != nil {
		t.Fatal(err)
	}
	return p
}

type delegationAnswer struct {
	ID          int64
	CentreID    string `json:"centre_id"`
	ProviderPIB string `json:"provider_pib"`
	Scope       []string
	InForce     bool `json:"in_force"`
}

// TestDelegationsOverHTTP: a centre's head grants a delegation (every
// fault named; a supervisor may not), the centre's supervisors, the
// ministry and the provider's staff read it; the provider's staff read a
// referred person with what the scope allows (no JMBG, no
// representative without the contact scope, the plan's goals), audited
// with the person; the other provider, a caseworker and a person not
// referred get nothing; the head revokes (a reason required, once) and
// from that request on the person is a 404 and gone from the list.
func TestDelegationsOverHTTP(t *testing.T) {
	ctx := context.Background()
	ts, db := newServerWith(t, nil)
	if _, err := devstack.LoadDemoServices(ctx, db, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The demo delegation of Podgorica to Sunce is replaced by one without
	// the contact scope, granted over HTTP.
	if _, err := db.Pool().Exec(ctx, `DELETE FROM service_delegations WHERE centre_id = 'csr-podgorica'`); err != nil {
		t.Fatal(err)
	}
	p := referredPerson(t, db, "2101006500003", "Jovana", "Vujović")
	stranger := seedPerson(t, db, "0101900350008", "Podgorica", "Nikola", "Tuđi")
	path := "/api/v1/provider/persons/" + string(p.ID)
	if code, b := doAs(t, ts, "tamara.sunce", "GET", path, ""); code != http.StatusNotFound {
		t.Errorf("without a delegation: %d %s", code, b)
	}
	today := domain.CalendarDay(time.Now())
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	code, b := doAs(t, ts, "sanja.head", "POST", "/api/v1/service-delegations", `{"provider_pib":"02655284","scope":["identity","gossip"],"valid_from":"x","valid_until":"2020-01-01"}`)
	if code != http.StatusBadRequest {
		t.Fatalf("a bad delegation: %d %s", code, b)
	}
	wantFaults(t, "a bad delegation", b, "scope", "valid_from")
	grant := fmt.Sprintf(`{"provider_pib":"02655284","scope":["identity","plan"],"valid_from":%q,"valid_until":%q}`, day(-1), day(365))
	if code, b := doAs(t, ts, "marko.supervisor", "POST", "/api/v1/service-delegations", grant); code != http.StatusForbidden {
		t.Errorf("a supervisor grants: %d %s", code, b)
	}
	code, b = doAs(t, ts, "sanja.head", "POST", "/api/v1/service-delegations", grant)
	if code != http.StatusCreated {
		t.Fatalf("grant: %d %s", code, b)
	}
	d := decodeAs[delegationAnswer](t, b)
	if d.CentreID != "csr-podgorica" || !d.InForce {
		t.Errorf("the delegation: %+v", d)
	}
	for user, want := range map[string]int{"marko.supervisor": 1, "tamara.sunce": 1, "goran.ministry": 2, "dusan.pomoc": 1} {
		code, b := doAs(t, ts, user, "GET", "/api/v1/service-delegations", "")
		if got := decodeAs[struct{ Delegations []delegationAnswer }](t, b).Delegations; code != http.StatusOK || len(got) != want {
			t.Errorf("%s lists %d delegations (%d); want %d", user, len(got), code, want)
		}
	}
	if code, b := doAs(t, ts, "marko.supervisor", "GET", "/api/v1/service-delegations?centre_id=csr-niksic", ""); code != http.StatusForbidden {
		t.Errorf("a supervisor reads another centre's delegations: %d %s", code, b)
	}

	// The person as the provider sees them.
	audits := func() int {
		var n int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE username = 'tamara.sunce' AND person_ids @> ARRAY[$1]::uuid[]`, string(p.ID)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := audits()
	code, b = doAs(t, ts, "tamara.sunce", "GET", path, "")
	if code != http.StatusOK {
		t.Fatalf("the referred person: %d %s", code, b)
	}
	for _, want := range []string{`"given_name":"Jovana"`, `"birth_date":"2006-01-21"`, "Samostalno oblačenje", `"service":"day_care_disability"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the person lacks %s: %s", want, b)
		}
	}
	for _, never := range []string{"2101006500003", `"contact"`, "Ana Radović", "case_number", "S-2026"} {
		if strings.Contains(string(b), never) {
			t.Errorf("the person shows %s: %s", never, b)
		}
	}
	if n := audits() - before; n != 1 {
		t.Errorf("reading the person wrote %d audit records naming them; want 1", n)
	}
	code, b = doAs(t, ts, "tamara.sunce", "GET", "/api/v1/provider/persons", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"provider_name":"Dnevni centar Sunce"`) || !strings.Contains(string(b), "Vujović") {
		t.Errorf("the provider's persons: %d %s", code, b)
	}
	for user, want := range map[string]int{"dusan.pomoc": http.StatusNotFound, "ana.caseworker": http.StatusForbidden} {
		if code, b := doAs(t, ts, user, "GET", path, ""); code != want {
			t.Errorf("%s reads the person: %d %s; want %d", user, code, b, want)
		}
	}
	for _, id := range []string{string(stranger.ID), "not-a-person", "00000000-0000-0000-0000-000000000000"} {
		if code, b := doAs(t, ts, "tamara.sunce", "GET", "/api/v1/provider/persons/"+id, ""); code != http.StatusNotFound {
			t.Errorf("a person not referred (%s): %d %s", id, code, b)
		}
	}

	// Revocation: at once.
	revoke := fmt.Sprintf("/api/v1/service-delegations/%d/revoke", d.ID)
	if code, b := doAs(t, ts, "marko.supervisor", "POST", revoke, `{"reason":"x"}`); code != http.StatusForbidden {
		t.Errorf("a supervisor revokes: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "sanja.head", "POST", revoke, `{"reason":" "}`); code != http.StatusBadRequest {
		t.Errorf("a revocation without reason: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "sanja.head", "POST", revoke, `{"reason":"the provider's staff shared a file"}`); code != http.StatusOK {
		t.Fatalf("revoke: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "tamara.sunce", "GET", path, ""); code != http.StatusNotFound {
		t.Errorf("after the revocation: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "tamara.sunce", "GET", "/api/v1/provider/persons", ""); code != http.StatusOK || strings.Contains(string(b), "Vujović") {
		t.Errorf("the list after the revocation: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "sanja.head", "POST", revoke, `{"reason":"again"}`); code != http.StatusConflict {
		t.Errorf("a second revocation: %d %s", code, b)
	}
}
