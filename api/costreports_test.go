package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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

type costReportBody struct {
	ID           int64
	State        string
	Version      int
	Supersedes   *int64
	Total        string
	FlaggedLines int    `json:"flagged_lines"`
	CheckedBy    string `json:"checked_by"`
	ApprovedBy   string `json:"approved_by"`
	RejectReason string `json:"reject_reason"`
	Lines        []struct {
		ReferralID int64 `json:"referral_id"`
		Person     string
		Explained  struct{ CNR, EN string }
		Flags      []struct{ Code, CNR, EN string }
	}
}

func costBody(t *testing.T, b []byte) costReportBody {
	t.Helper()
	var r costReportBody
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return r
}

// TestCostReportsOverHTTP (issue 23 item 5): Sunce's staff report
// November for a child who attended 5 days: a report that does not add
// up is a 400 naming the line and the total, nothing recorded; claiming
// 6 days is flagged (words in both languages), a finance officer may not
// check it and rejects it with a reason; the corrected report is
// submitted, another provider's staff find nothing, nina.finance checks
// it, may not approve it herself (403, four eyes), marija.finance
// approves it, and the month cannot be reported again (409).
func TestCostReportsOverHTTP(t *testing.T) {
	day := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	ts, db := newServerFor(t, func(d *api.Deps) { d.Now = func() time.Time { return day } })
	ctx := context.Background()
	if _, err := devstack.LoadDemoServices(ctx, db, useDay); err != nil {
		t.Fatal(err)
	}
	j, _ := domain.MakeJMBG(time.Date(2016, 5, 5, 0, 0, 0, 0, time.UTC), 21, 377)
	kid := seedPerson(t, db, string(j), "Podgorica", "Milica", "Radović")
	ref := seedUseReferral(t, db, kid)
	if _, err := db.Pool().Exec(ctx, `INSERT INTO service_use (referral_id, day, quantity, channel, recorded_by)
		SELECT $1, d, 1, 'page', 'tamara.sunce' FROM generate_series('2026-11-02'::date, '2026-11-06'::date, '1 day') d`, ref); err != nil {
		t.Fatal(err)
	}
	var contract int64
	if err := db.Pool().QueryRow(ctx, `SELECT contract_id FROM service_referrals WHERE id = $1`, ref).Scan(&contract); err != nil {
		t.Fatal(err)
	}
	report := func(units, amount, total string) string {
		return fmt.Sprintf(`{"contract_id":%d,"month":"2026-11","lines":[{"referral_id":%d,"units":%s,"rate":"12.50","amount":"%s"}],"total":"%s"}`,
			contract, ref, units, amount, total)
	}

	code, b := doAs(t, ts, "tamara.sunce", "POST", "/api/v1/cost-reports", report("5", "60.00", "70.00"))
	if code != http.StatusBadRequest || !strings.Contains(string(b), "lines[0].amount") || !strings.Contains(string(b), "line 1 comes to EUR 62.50") ||
		!strings.Contains(string(b), `"total"`) {
		t.Fatalf("a report that does not add up = %d %s", code, b)
	}
	code, b = doAs(t, ts, "tamara.sunce", "POST", "/api/v1/cost-reports",
		fmt.Sprintf(`{"contract_id":%d,"month":"2026-12","lines":[{"referral_id":%d,"units":1,"rate":"12.50","amount":"12.50"}],"total":"12.50"}`, contract, ref))
	if code != http.StatusBadRequest || !strings.Contains(string(b), "has not ended") {
		t.Fatalf("December on 2 December = %d %s", code, b)
	}
	code, b = doAs(t, ts, "tamara.sunce", "POST", "/api/v1/cost-reports", report("6", "75.00", "75.00"))
	v1 := costBody(t, b)
	if code != http.StatusCreated || v1.State != "flagged" || len(v1.Lines) != 1 || len(v1.Lines[0].Flags) != 1 ||
		v1.Lines[0].Flags[0].Code != "units_differ" || v1.Lines[0].Flags[0].CNR == "" || v1.Lines[0].Person != "Milica Radović" {
		t.Fatalf("a flagged report = %d %s", code, b)
	}
	if v1.Lines[0].Explained.EN != "6 days × EUR 12.50 = EUR 75.00" {
		t.Errorf("the amount explained: %+v", v1.Lines[0].Explained)
	}
	if code, b = doAs(t, ts, "nina.finance", "POST", fmt.Sprintf("/api/v1/cost-reports/%d/check", v1.ID), ""); code != http.StatusConflict ||
		!strings.Contains(string(b), "flagged lines") {
		t.Fatalf("a flagged report checked = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "nina.finance", "POST", fmt.Sprintf("/api/v1/cost-reports/%d/reject", v1.ID), `{"reason":""}`); code != http.StatusBadRequest {
		t.Fatalf("a rejection without a reason = %d %s", code, b)
	}
	code, b = doAs(t, ts, "nina.finance", "POST", fmt.Sprintf("/api/v1/cost-reports/%d/reject", v1.ID), `{"reason":"6 dana potraživano, 5 evidentirano"}`)
	if r := costBody(t, b); code != http.StatusOK || r.State != "rejected" || r.RejectReason == "" {
		t.Fatalf("rejected = %d %s", code, b)
	}

	code, b = doAs(t, ts, "tamara.sunce", "POST", "/api/v1/cost-reports", report("5", "62.50", "62.50"))
	v2 := costBody(t, b)
	if code != http.StatusCreated || v2.State != "submitted" || v2.Version != 2 || v2.FlaggedLines != 0 {
		t.Fatalf("the corrected report = %d %s", code, b)
	}
	one := fmt.Sprintf("/api/v1/cost-reports/%d", v2.ID)
	if code, b = doAs(t, ts, "dusan.pomoc", "GET", one, ""); code != http.StatusNotFound || strings.Contains(string(b), "Radović") {
		t.Fatalf("another provider reads it = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "dusan.pomoc", "GET", "/api/v1/cost-reports", ""); code != http.StatusOK || strings.Contains(string(b), "Sunce") {
		t.Fatalf("another provider's list = %d %s", code, b)
	}
	code, b = doAs(t, ts, "tamara.sunce", "GET", "/api/v1/cost-reports?month=2026-11", "")
	var list struct{ Reports []costReportBody }
	if err := json.Unmarshal(b, &list); code != http.StatusOK || err != nil || len(list.Reports) != 2 || list.Reports[0].ID != v2.ID || list.Reports[1].State != "rejected" {
		t.Fatalf("Sunce's reports = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "tamara.sunce", "GET", "/api/v1/cost-reports?state=lost", ""); code != http.StatusBadRequest {
		t.Fatalf("a state that is none = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "goran.ministry", "GET", one, ""); code != http.StatusOK || costBody(t, b).Lines[0].Person != "Milica Radović" {
		t.Fatalf("the ministry reads it = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "tamara.sunce", "POST", one+"/approve", ""); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Fatalf("the provider approves its own report = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "nina.finance", "POST", one+"/check", ""); code != http.StatusOK || costBody(t, b).CheckedBy != "nina.finance" {
		t.Fatalf("checked = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "nina.finance", "POST", one+"/approve", ""); code != http.StatusForbidden || !strings.Contains(string(b), "four eyes") {
		t.Fatalf("approved by the one who checked = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "marija.finance", "POST", one+"/approve", ""); code != http.StatusOK || costBody(t, b).State != "approved" {
		t.Fatalf("approved = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "tamara.sunce", "POST", "/api/v1/cost-reports", report("5", "62.50", "62.50")); code != http.StatusConflict ||
		!strings.Contains(string(b), "approved already") {
		t.Fatalf("the month reported again = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "marija.finance", "GET", one, ""); code != http.StatusOK || costBody(t, b).Total != "62.50" {
		t.Fatalf("read after approval = %d %s", code, b)
	}
}

// TestCostReportLinesThroughTheirOwnReferral (review-access #7, #8, #2,
// #6): a DV referral of the same child, which Sunce's delegation does
// not cover, is refused in a report (400) and, on a report on record,
// not named to Sunce; finance reads its line without referral or the
// flag's details; under a DV delegation without identity Sunce sees the
// line unnamed and the read is restricted in the audit log.
func TestCostReportLinesThroughTheirOwnReferral(t *testing.T) {
	day := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	ts, db := newServerFor(t, func(d *api.Deps) { d.Now = func() time.Time { return day } })
	ctx := context.Background()
	if _, err := devstack.LoadDemoServices(ctx, db, useDay); err != nil {
		t.Fatal(err)
	}
	j, _ := domain.MakeJMBG(time.Date(2016, 5, 5, 0, 0, 0, 0, time.UTC), 21, 378)
	kid := seedPerson(t, db, string(j), "Podgorica", "Milica", "Radović")
	ref := seedUseReferral(t, db, kid)
	var contract, dvRef int64
	if err := db.Pool().QueryRow(ctx, `SELECT contract_id FROM service_referrals WHERE id = $1`, ref).Scan(&contract); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool().QueryRow(ctx, `INSERT INTO service_referrals (case_number, person_id, centre_id, contract_id, service, dv, state, referred_on,
		started_on, ended_on, referred_by) VALUES ('C-DV', $1, 'csr-podgorica', $2, 'day_care_disability', true, 'ended', '2026-10-01', '2026-10-01',
		'2026-11-20', 'dragana.dv') RETURNING id`, kid.ID, contract).Scan(&dvRef); err != nil {
		t.Fatal(err)
	}
	code, b := doAs(t, ts, "tamara.sunce", "POST", "/api/v1/cost-reports",
		fmt.Sprintf(`{"contract_id":%d,"month":"2026-11","lines":[{"referral_id":%d,"units":1,"rate":"12.50","amount":"12.50"}],"total":"12.50"}`, contract, dvRef))
	if code != http.StatusBadRequest || !strings.Contains(string(b), "is not under contract") {
		t.Fatalf("a line of a referral the delegation does not cover = %d %s", code, b)
	}
	m, _ := domain.ParseMonth("2026-11")
	r, err := db.SubmitCostReport(ctx, store.CostReportInput{ContractID: contract, Month: m, Total: decimal.RequireFromString("12.50"), By: "tamara.sunce",
		Lines: []services.CostLine{{ReferralID: dvRef, Units: decimal.NewFromInt(1), Rate: decimal.RequireFromString("12.50"), Amount: decimal.RequireFromString("12.50")}}}, day)
	if err != nil {
		t.Fatal(err)
	}
	one := fmt.Sprintf("/api/v1/cost-reports/%d", r.ID)
	if code, b = doAs(t, ts, "tamara.sunce", "GET", one, ""); code != http.StatusOK || strings.Contains(string(b), "Radović") || costBody(t, b).Lines[0].ReferralID != 0 {
		t.Fatalf("Sunce reads a line its delegation does not cover = %d %s", code, b)
	}
	code, b = doAs(t, ts, "nina.finance", "GET", one, "")
	if l := costBody(t, b).Lines[0]; code != http.StatusOK || l.ReferralID != 0 || l.Person != "" || len(l.Flags) != 1 || strings.Contains(l.Flags[0].EN, "1 units") {
		t.Fatalf("finance reads a DV line = %d %s", code, b)
	}
	if _, err := db.GrantDelegation(ctx, services.Delegation{CentreID: "csr-podgorica", ProviderPIB: "02655284", Scope: []string{services.ScopeContact},
		From: useDay, Until: day.AddDate(1, 0, 0), DV: true}, "sanja.head", day); err != nil {
		t.Fatal(err)
	}
	code, b = doAs(t, ts, "tamara.sunce", "GET", one, "")
	if l := costBody(t, b).Lines[0]; code != http.StatusOK || l.ReferralID != dvRef || l.Person != "" {
		t.Fatalf("Sunce under a DV delegation without identity = %d %s", code, b)
	}
	if _, restricted := lastAudit(t, db); !restricted {
		t.Error("the read of a DV line is not restricted in the audit log")
	}
}
