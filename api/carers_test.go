package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// lastAudit is the newest audit record: the persons it names and whether
// it is restricted to the DV compartment.
func lastAudit(t *testing.T, db *store.DB) (persons []string, restricted bool) {
	t.Helper()
	if err := db.Pool().QueryRow(context.Background(), `SELECT person_ids::text[], restricted FROM audit_log ORDER BY id DESC LIMIT 1`).
		Scan(&persons, &restricted); err != nil {
		t.Fatal(err)
	}
	return persons, restricted
}

// markDV names p in a police notification of the DV compartment.
func markDV(t *testing.T, db *store.DB, p domain.PersonID, reference string) {
	t.Helper()
	if _, _, err := db.RecordDVNotification(context.Background(), store.DVNotification{Direction: "from_police", PoliceReference: reference,
		Sender: "police-system", ReceivedAt: time.Now(), OccurredAt: time.Now(), Municipality: "ME-16", CentreID: "csr-podgorica",
		Description: "seed", Body: json.RawMessage(`{}`), State: "received", Persons: []store.DVPerson{{Role: "victim", PersonID: p}}}); err != nil {
		t.Fatal(err)
	}
}

// appoint opens a case of procedure for ward in Podgorica and issues its
// decision of kind naming carers, as the Case workflow and its activity
// record them; it returns the case's number.
func appoint(t *testing.T, db *store.DB, procedure, kind string, ward domain.PersonID, carers ...domain.PersonID) string {
	t.Helper()
	ctx := context.Background()
	number, err := db.NextCaseNumber(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	c := store.Case{Number: number, Procedure: procedure, Version: 1, CentreID: "csr-podgorica", Status: "open", Stage: "monitoring",
		OpenedBy: "ana.caseworker", OpenedAt: time.Now(), Persons: []store.CasePerson{{PersonID: ward, Role: "beneficiary"}}}
	data, _ := json.Marshal(map[string]any{"kind": kind, "reasoning": "Obrazloženje rješenja.", "carers": carers})
	if err := db.RecordCase(ctx, store.CaseRecord{Case: c, Event: &store.CaseEvent{Key: number + "/1", At: time.Now(), Kind: "decision_prepared",
		Stage: "monitoring", By: "ana.caseworker", Summary: kind, Data: data}}); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	d, err := db.IssueCaseDecision(ctx, store.CaseDecision{CaseNumber: number, Seq: 1, Kind: kind, Reasoning: "x", PreparedBy: "ana.caseworker",
		ApprovedBy: "marko.supervisor", IssuedAt: day}, "csr-podgorica", func(store.CaseDecision) (string, string, error) { return "k", "s", nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RegisterCaseDecision(ctx, store.CaseDecisionIssued{CaseNumber: number, Seq: 1, Kind: kind, DecisionID: d.ID, Day: day,
		CentreID: "csr-podgorica"}); err != nil {
		t.Fatal(err)
	}
	return number
}

type registerAnswer struct {
	Entries []struct {
		CaseNumber     string  `json:"case_number"`
		AllowancesPaid *string `json:"allowances_paid"`
		Carers         []struct {
			PersonID    string            `json:"person_id"`
			Assessments []json.RawMessage `json:"assessments"`
		} `json:"carers"`
		Wards []struct {
			PersonID string `json:"person_id"`
		} `json:"wards"`
	} `json:"entries"`
}

// TestCarerRegisterRoutes: the registers of guardians and foster carers
// for the staff: a centre's caseworker reads their centre's (another
// centre's: 403), the ministry's officers every centre's; each carer and
// ward listed is named in the audit record; an entry whose guardian a DV
// report names is absent for a plain caseworker and the ministry, present
// for the centre's DV caseworker (the audit record restricted); a
// caseworker records an assessment (every fault a 400 naming its field);
// a bad query is a 400 naming each parameter.
func TestCarerRegisterRoutes(t *testing.T) {
	ts, db := newServerWith(t, nil)
	child := seedPerson(t, db, newJMBG(21), "Podgorica", "Luka", "Perović")
	guardian := seedPerson(t, db, newJMBG(21), "Podgorica", "Milica", "Đurović")
	fosterChild := seedPerson(t, db, newJMBG(21), "Podgorica", "Nina", "Lakić")
	mother := seedPerson(t, db, newJMBG(21), "Podgorica", "Vesna", "Knežević")
	p01 := appoint(t, db, "P01", "guardian_appointment", child.ID, guardian.ID)
	p02 := appoint(t, db, "P02", "foster_placement", fosterChild.ID, mother.ID)

	get := func(user, path string) (int, registerAnswer, string) {
		t.Helper()
		code, b := doAs(t, ts, user, "GET", path, "")
		var a registerAnswer
		if code == http.StatusOK {
			if err := json.Unmarshal(b, &a); err != nil {
				t.Fatal(err)
			}
		}
		return code, a, string(b)
	}
	code, a, b := get("ana.caseworker", "/api/v1/registers/guardians")
	if code != http.StatusOK || len(a.Entries) != 1 || a.Entries[0].CaseNumber != p01 || a.Entries[0].Carers[0].PersonID != string(guardian.ID) ||
		a.Entries[0].Wards[0].PersonID != string(child.ID) || a.Entries[0].AllowancesPaid != nil {
		t.Fatalf("guardians as ana = %d %s; want the guardian of %s", code, b, p01)
	}
	if persons, _ := lastAudit(t, db); !strings.Contains(strings.Join(persons, ","), string(guardian.ID)) ||
		!strings.Contains(strings.Join(persons, ","), string(child.ID)) {
		t.Errorf("audit record of the register names %v; want the guardian and the ward", persons)
	}
	code, a, b = get("ana.caseworker", "/api/v1/registers/foster-carers?name=knezev")
	if code != http.StatusOK || len(a.Entries) != 1 || a.Entries[0].CaseNumber != p02 || a.Entries[0].AllowancesPaid == nil ||
		*a.Entries[0].AllowancesPaid != "0.00" {
		t.Errorf("foster carers by name = %d %s; want the placement of %s with nothing paid", code, b, p02)
	}
	if code, a, b := get("jelena.caseworker", "/api/v1/registers/guardians"); code != http.StatusOK || len(a.Entries) != 0 {
		t.Errorf("guardians as a caseworker of Nikšić = %d %s; want none of Podgorica", code, b)
	}
	if code, _, b := get("jelena.caseworker", "/api/v1/registers/guardians?centre_id=csr-podgorica"); code != http.StatusForbidden {
		t.Errorf("Podgorica's guardians as a caseworker of Nikšić = %d %s; want 403", code, b)
	}
	if code, a, b := get("goran.ministry", "/api/v1/registers/guardians"); code != http.StatusOK || len(a.Entries) != 1 {
		t.Errorf("guardians as the ministry = %d %s; want the one of Podgorica", code, b)
	}
	if code, _, b := get("goran.ministry", "/api/v1/registers/guardians?centre_id=csr-nowhere&state=maybe&limit=0"); code != http.StatusBadRequest ||
		!strings.Contains(b, "centre_id") || !strings.Contains(b, "state") || !strings.Contains(b, "limit") {
		t.Errorf("a bad query = %d %s; want a 400 naming centre_id, state and limit", code, b)
	}

	// Assessments.
	path := "/api/v1/registers/carers/" + string(guardian.ID) + "/assessments"
	code2, body := doAs(t, ts, "ana.caseworker", "POST", path, `{"kind":"training","role":"uncle","held_on":"2026-13-01","outcome":"suitable"}`)
	if code2 != http.StatusBadRequest || !strings.Contains(string(body), "role") || !strings.Contains(string(body), "held_on") ||
		!strings.Contains(string(body), "outcome") || !strings.Contains(string(body), "hours") {
		t.Errorf("a bad assessment = %d %s; want a 400 naming role, held_on, outcome and hours", code2, body)
	}
	if code2, body := doAs(t, ts, "jelena.caseworker", "POST", path, `{"kind":"suitability","role":"guardian","held_on":"2026-02-01","outcome":"suitable"}`); code2 != http.StatusForbidden {
		t.Errorf("an assessment of Podgorica's carer by Nikšić = %d %s; want 403", code2, body)
	}
	if code2, body := doAs(t, ts, "ana.caseworker", "POST", path, `{"kind":"suitability","role":"guardian","held_on":"2026-02-01","outcome":"suitable"}`); code2 != http.StatusCreated {
		t.Fatalf("an assessment = %d %s; want 201", code2, body)
	}
	if code, a, b := get("ana.caseworker", "/api/v1/registers/guardians?state=all&jmbg="+string(child.JMBG)); code != http.StatusOK || len(a.Entries) != 1 ||
		len(a.Entries[0].Carers[0].Assessments) != 1 {
		t.Errorf("guardians by the ward's JMBG = %d %s; want the guardian with the assessment", code, b)
	}

	// The DV compartment: a report naming the guardian.
	markDV(t, db, guardian.ID, "UP-CARER-1")
	for _, user := range []string{"ana.caseworker", "goran.ministry"} {
		if code, a, b := get(user, "/api/v1/registers/guardians"); code != http.StatusOK || len(a.Entries) != 0 || strings.Contains(b, string(guardian.ID)) {
			t.Errorf("guardians as %s after a DV report names the guardian = %d %s; want none", user, code, b)
		}
	}
	if code2, body := doAs(t, ts, "ana.caseworker", "POST", path, `{"kind":"suitability","role":"guardian","held_on":"2026-02-01","outcome":"suitable"}`); code2 != http.StatusNotFound {
		t.Errorf("an assessment of a DV-marked carer by a plain caseworker = %d %s; want 404", code2, body)
	}
	if code, a, b := get("dragana.dv", "/api/v1/registers/guardians"); code != http.StatusOK || len(a.Entries) != 1 {
		t.Errorf("guardians as the DV caseworker = %d %s; want the entry", code, b)
	}
	if _, restricted := lastAudit(t, db); !restricted {
		t.Errorf("the DV caseworker's read of a DV-marked entry is not restricted in the audit log")
	}
}

// TestDecisionNamesItsCarers: preparing a decision that appoints a
// guardian or a foster family without naming them, naming the ward or an
// unregistered person, or naming carers in a decision that appoints none
// is a 400 naming data.carers (the workflow is not asked).
func TestDecisionNamesItsCarers(t *testing.T) {
	ts, db := newServerWith(t, unreachableTemporal{})
	ward := seedPerson(t, db, newJMBG(21), "Podgorica", "Luka", "Perović")
	number := appoint(t, db, "P01", "property_approval", ward.ID)
	path := "/api/v1/cases/" + number + "/actions"
	for _, tc := range []struct{ data, field string }{
		{`{"kind":"guardian_appointment","reasoning":"Dijete je bez roditeljskog staranja."}`, "data.carers"},
		{fmt.Sprintf(`{"kind":"guardian_appointment","reasoning":"Dijete je bez roditeljskog staranja.","carers":[%q]}`, ward.ID), "data.carers.0"},
		{`{"kind":"guardian_appointment","reasoning":"Dijete je bez roditeljskog staranja.","carers":["6f1c1f5e-8d2a-4b7e-9c1e-2f3a4b5c6d7e"]}`, "data.carers.0"},
		{`{"kind":"guardian_appointment","reasoning":"Dijete je bez roditeljskog staranja.","carers":["not-an-id"]}`, "data.carers"},
		{fmt.Sprintf(`{"kind":"property_approval","reasoning":"Prodaja stana štićenika.","carers":[%q]}`, ward.ID), "data.carers"},
	} {
		code, b := doAs(t, ts, "ana.caseworker", "POST", path, `{"action":"prepare-decision","data":`+tc.data+`}`)
		if code != http.StatusBadRequest || !strings.Contains(string(b), tc.field) {
			t.Errorf("prepare-decision %s = %d %s; want a 400 naming %s", tc.data, code, b, tc.field)
		}
	}
	guardian := seedPerson(t, db, newJMBG(21), "Podgorica", "Milica", "Đurović")
	code, b := doAs(t, ts, "ana.caseworker", "POST", path,
		fmt.Sprintf(`{"action":"prepare-decision","data":{"kind":"guardian_appointment","reasoning":"Dijete je bez roditeljskog staranja.","carers":[%q]}}`, guardian.ID))
	if code != http.StatusServiceUnavailable {
		t.Errorf("a decision naming its guardian = %d %s; want it sent to the workflow (503 here: Temporal is down)", code, b)
	}
}

// TestBeneficiaryRegister: the staff's register of beneficiaries lists a
// centre's beneficiaries of a benefit on a day for its caseworkers
// (another centre's: 403), every centre's for the ministry; every person
// listed is named in the audit record; a person named in a DV report is
// absent, from the list and the count, for a plain caseworker and the
// ministry, and present for the DV caseworker of the centre; a bad
// benefit, day or centre is a 400 naming each.
func TestBeneficiaryRegister(t *testing.T) {
	ts, db := newServerWith(t, nil)
	plain := seedPerson(t, db, newJMBG(21), "Podgorica", "Ana", "Vuković")
	hidden := seedPerson(t, db, newJMBG(21), "Podgorica", "Jana", "Marić")
	grantRight(t, db, "MO", "", plain.ID)
	grantRight(t, db, "MO", "", hidden.ID)
	markDV(t, db, hidden.ID, "UP-BEN-1")
	type answer struct {
		Count         int `json:"count"`
		Beneficiaries []struct {
			PersonID string `json:"person_id"`
			Amount   string `json:"amount"`
		} `json:"beneficiaries"`
	}
	get := func(user, query string) (int, answer, string) {
		t.Helper()
		code, b := doAs(t, ts, user, "GET", "/api/v1/registers/beneficiaries?"+query, "")
		var a answer
		if code == http.StatusOK {
			if err := json.Unmarshal(b, &a); err != nil {
				t.Fatal(err)
			}
		}
		return code, a, string(b)
	}
	for _, user := range []string{"ana.caseworker", "goran.ministry"} {
		code, a, b := get(user, "benefit=MO&on=2024-06-30")
		if code != http.StatusOK || a.Count != 1 || len(a.Beneficiaries) != 1 || a.Beneficiaries[0].PersonID != string(plain.ID) ||
			a.Beneficiaries[0].Amount != "100.00" || strings.Contains(b, string(hidden.ID)) {
			t.Errorf("beneficiaries as %s = %d %s; want only the person not marked, count 1", user, code, b)
		}
		if persons, restricted := lastAudit(t, db); len(persons) != 1 || persons[0] != string(plain.ID) || restricted {
			t.Errorf("audit record of %s's read names %v (restricted %t); want the person listed only", user, persons, restricted)
		}
	}
	code, a, b := get("dragana.dv", "benefit=MO&on=2024-06-30")
	if code != http.StatusOK || a.Count != 2 || !strings.Contains(b, string(hidden.ID)) {
		t.Errorf("beneficiaries as the DV caseworker = %d %s; want both, count 2", code, b)
	}
	if persons, restricted := lastAudit(t, db); len(persons) != 2 || !restricted {
		t.Errorf("audit record of the DV caseworker's read names %v (restricted %t); want both, restricted", persons, restricted)
	}
	if code, _, b := get("jelena.caseworker", "benefit=MO&centre_id=csr-podgorica"); code != http.StatusForbidden {
		t.Errorf("Podgorica's beneficiaries as a caseworker of Nikšić = %d %s; want 403", code, b)
	}
	if code, a, b := get("jelena.caseworker", "benefit=MO&on=2024-06-30"); code != http.StatusOK || a.Count != 0 {
		t.Errorf("Nikšić's beneficiaries = %d %s; want none", code, b)
	}
	if code, a, b := get("ana.caseworker", "benefit=MO&on=2023-06-30"); code != http.StatusOK || a.Count != 0 {
		t.Errorf("beneficiaries before the rights = %d %s; want none", code, b)
	}
	if code, _, b := get("goran.ministry", "benefit=XX&on=2024-13-01&centre_id=csr-nowhere"); code != http.StatusBadRequest ||
		!strings.Contains(b, "benefit") || !strings.Contains(b, "on") || !strings.Contains(b, "centre_id") {
		t.Errorf("a bad query = %d %s; want a 400 naming benefit, on and centre_id", code, b)
	}
	if code, _, b := get("luka.analyst", "benefit=MO"); code != http.StatusForbidden {
		t.Errorf("beneficiaries as an analyst = %d %s; want 403 (aggregates only)", code, b)
	}
}
