package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/electricity"
	"github.com/karton-social/karton/interop/counterpart"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
)

// grantElectricityRight gives p a right of benefit from 2026-01-01.
func grantElectricityRight(t *testing.T, db *store.DB, p domain.Person, benefit string) {
	t.Helper()
	ctx := context.Background()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: benefit, ApplicantID: p.ID, CentreID: p.CentreID, Consent: true, FiledBy: "t",
		Period: from, Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: benefit,
		Amount: decimal.RequireFromString("90.00"), PeriodFrom: from, PreparedBy: "a", ApprovedBy: "b", IssuedAt: from})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: benefit, BeneficiaryID: p.ID,
		Amount: decimal.RequireFromString("90.00"), Periodicity: "monthly", ValidFrom: from, CreatedBy: "b"}); err != nil {
		t.Fatal(err)
	}
}

// TestElectricityListAndReconciliation prepares two months' lists from
// the rights in force (as the workflow's activities do), sends one to the
// simulated company, which skips a household and adds one Karton did not
// send, and reads the reconciliation with each mismatch listed; the other
// month's answer comes late and is uploaded: a file with bad rows is a
// 400 naming every problem and imports nothing, the good one is
// reconciled, the same one again changes nothing. Every household shown
// is written to the audit log; a caseworker may not see the lists.
func TestElectricityListAndReconciliation(t *testing.T) {
	ctx := context.Background()
	s3 := httptest.NewServer(&fakeS3{objects: map[string][]byte{}})
	t.Cleanup(s3.Close)
	obj, err := objects.Open(objects.Config{Endpoint: strings.TrimPrefix(s3.URL, "http://"), AccessKey: "karton", SecretKey: "karton-test-secret", Bucket: "karton"})
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	ts, db := newServerFor(t, func(d *api.Deps) { d.Objects = obj; d.Now = func() time.Time { return today } })
	mo := seedPerson(t, db, "0101990210005", "Podgorica", "Ana", "Perović")
	vet := seedPerson(t, db, "0202985215008", "Bar", "Marko", "Marković")
	grantElectricityRight(t, db, mo, "MO")
	grantElectricityRight(t, db, vet, "B-BD")
	company := sim.NewServer(sim.NewPopulation(1), sim.Faults{})
	cs := httptest.NewServer(company)
	defer cs.Close()
	a := &activities.Activities{DB: db, Objects: obj, Electricity: counterpart.Electricity{URL: cs.URL}, Now: func() time.Time { return today }}
	prepare := func(month string) activities.ElectricityList {
		l, err := a.PrepareElectricityList(ctx, activities.ElectricityMonth{Month: month, WorkflowID: "electricity/" + month})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	nov := prepare("2026-11")
	if nov.Households != 2 || nov.Counts[electricity.MO] != 1 || nov.Counts[electricity.Veteran] != 1 {
		t.Fatalf("the list of 2026-11: %+v", nov)
	}
	if again := prepare("2026-11"); again.SHA256 != nov.SHA256 {
		t.Errorf("prepared again: %s; want the first list, %s", again.SHA256, nov.SHA256)
	}
	code, b := doAs(t, ts, "nina.finance", "GET", "/api/v1/electricity-lists/2026-11", "")
	if code != http.StatusOK || !strings.Contains(string(b), nov.SHA256) || !strings.Contains(string(b), `"name_en":"Recipients of the veterans' supplement","households":1`) {
		t.Fatalf("the list: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/electricity-lists/2026-11/households", ""); code != http.StatusForbidden {
		t.Errorf("a caseworker reads the households: %d %s", code, b)
	}
	var before int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE $1 = ANY(person_ids)`, mo.ID).Scan(&before); err != nil {
		t.Fatal(err)
	}
	code, b = doAs(t, ts, "nina.finance", "GET", "/api/v1/electricity-lists/2026-11/households", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"name":"Ana Perović"`) || !strings.Contains(string(b), `"total":2`) {
		t.Fatalf("the households: %d %s", code, b)
	}
	var after int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE $1 = ANY(person_ids) AND purpose = 'electricity_subsidy'`, mo.ID).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before+1 {
		t.Errorf("audit records naming the holder: %d, then %d; want one more", before, after)
	}
	if code, b := doAs(t, ts, "nina.finance", "GET", "/api/v1/electricity-lists/2026-11/reconciliation", ""); code != http.StatusConflict {
		t.Errorf("the reconciliation before the answer: %d %s; want 409", code, b)
	}

	// 2026-11 goes to the company, which skips the veteran's household.
	sent, err := db.ElectricityLines(ctx, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(sent) != 2 {
		t.Fatalf("lines: %v %v", sent, err)
	}
	company.SetElectricityKnobs(sim.ElectricityKnobs{Skip: []string{sent[1].HouseholdID}, Unknown: 1})
	if sent[1].PersonID != string(vet.ID) {
		sent[0], sent[1] = sent[1], sent[0]
		company.SetElectricityKnobs(sim.ElectricityKnobs{Skip: []string{sent[1].HouseholdID}, Unknown: 1})
	}
	out, err := a.SendElectricityList(ctx, activities.SendElectricityInput{Month: "2026-11", SHA256: nov.SHA256})
	if err != nil || !out.Answered || out.Mismatches != 2 {
		t.Fatalf("SendElectricityList = %+v, %v; want answered with 2 mismatches", out, err)
	}
	if _, err := a.SendElectricityList(ctx, activities.SendElectricityInput{Month: "2026-11", SHA256: nov.SHA256}); err != nil || company.ElectricityLists() != 1 {
		t.Errorf("sent again: %v, %d lists at the company; want it sent once", err, company.ElectricityLists())
	}
	code, b = doAs(t, ts, "nina.finance", "GET", "/api/v1/electricity-lists/2026-11/reconciliation", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"kind":"not_discounted","household_id":"`+sent[1].HouseholdID+`","person_id":"`+string(vet.ID)+`","name":"Marko Marković"`) ||
		!strings.Contains(string(b), `"kind":"unknown","household_id":"epcg-unknown-1"`) || !strings.Contains(string(b), `"sent":2,"discounted":2`) {
		t.Fatalf("the reconciliation: %d %s", code, b)
	}

	// 2026-12's answer comes late: it is uploaded.
	dec := prepare("2026-12")
	company.SetElectricityKnobs(sim.ElectricityKnobs{Deferred: true})
	if out, err := a.SendElectricityList(ctx, activities.SendElectricityInput{Month: "2026-12", SHA256: dec.SHA256}); err != nil || out.Answered {
		t.Fatalf("a deferred answer: %+v, %v", out, err)
	}
	lines, _ := db.ElectricityLines(ctx, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	var ds []electricity.Discount
	for _, l := range lines {
		ds = append(ds, sim.ElectricityDiscount(l.Line))
	}
	good := string(electricity.WriteDiscounts("2026-12", ds))
	bad := strings.Replace(strings.Replace(good, string(mo.JMBG), "0101990210004", 1), "TRAILER,2,", "TRAILER,3,", 1) + "x,y\n"
	code, b = doAs(t, ts, "nina.finance", "POST", "/api/v1/electricity-lists/2026-12/discounts", bad)
	if code != http.StatusBadRequest {
		t.Fatalf("a bad file: %d %s; want 400", code, b)
	}
	for _, want := range []string{`"field":"line 3"`, `JMBG \"0101990210004\"`, `"field":"trailer"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the bad file's problems do not say %s: %s", want, b)
		}
	}
	if got, _ := db.ElectricityDiscounts(ctx, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)); len(got) != 0 {
		t.Errorf("a bad file imported %d discounts; want none", len(got))
	}
	code, b = doAs(t, ts, "nina.finance", "POST", "/api/v1/electricity-lists/2026-12/discounts", good)
	var rep struct {
		Sent, Discounted int
		Mismatches       []json.RawMessage
	}
	if code != http.StatusOK || json.Unmarshal(b, &rep) != nil || rep.Sent != 2 || rep.Discounted != 2 || len(rep.Mismatches) != 0 {
		t.Fatalf("the good file: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "nina.finance", "POST", "/api/v1/electricity-lists/2026-12/discounts", good); code != http.StatusOK {
		t.Errorf("the same file again: %d %s", code, b)
	}
	other := strings.Replace(good, ds[0].Amount.StringFixed(2), "0.00", 1)
	if code, b := doAs(t, ts, "nina.finance", "POST", "/api/v1/electricity-lists/2026-12/discounts", other); code != http.StatusBadRequest && code != http.StatusConflict {
		t.Errorf("another file for an answered month: %d %s; want 409 (or 400 for its total)", code, b)
	}
	if code, b := doAs(t, ts, "nina.finance", "GET", "/api/v1/electricity-lists", ""); code != http.StatusOK || !strings.Contains(string(b), `"state":"reconciled"`) {
		t.Errorf("the lists: %d %s", code, b)
	}

	// A DV report names the veteran: for the finance officers (never in the
	// compartment) the household is in no line, count, total or mismatch.
	markDV(t, db, vet.ID, "UP-ELECTRICITY-1")
	code, b = doAs(t, ts, "nina.finance", "GET", "/api/v1/electricity-lists/2026-11", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"households":1,`) || !strings.Contains(string(b), `"name_en":"Recipients of the veterans' supplement","households":0`) {
		t.Errorf("the list after a DV report names a holder: %d %s; want one household, none of the veterans", code, b)
	}
	code, b = doAs(t, ts, "nina.finance", "GET", "/api/v1/electricity-lists/2026-11/households", "")
	if code != http.StatusOK || strings.Contains(string(b), string(vet.JMBG)) || !strings.Contains(string(b), `"total":1`) {
		t.Errorf("the households after a DV report names a holder: %d %s", code, b)
	}
	code, b = doAs(t, ts, "nina.finance", "GET", "/api/v1/electricity-lists/2026-11/reconciliation", "")
	if code != http.StatusOK || strings.Contains(string(b), string(vet.ID)) || strings.Contains(string(b), "Marković") || !strings.Contains(string(b), `"sent":1,`) {
		t.Errorf("the reconciliation after a DV report names a holder: %d %s; want the veteran in no total or mismatch", code, b)
	}
}
