package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
)

// payFully runs a month's payroll to the end: prepared, submitted by one
// finance officer, approved by another on the files' hashes, sent.
func payFully(t *testing.T, api, period string) {
	t.Helper()
	runPayroll(t, api, period)
	if code, body := as(t, "nina.finance", "POST", api+"/payrolls/"+period+"/submit", ""); code != 200 {
		t.Fatalf("submit %s = %d %s", period, code, body)
	}
	var pr struct {
		State string
		Files []struct{ Name, SHA256 string }
	}
	wait := func(want string) {
		deadline := time.Now().Add(90 * time.Second)
		for pr.State != want {
			if time.Now().After(deadline) {
				t.Fatalf("payroll %s is %q; want %q", period, pr.State, want)
			}
			time.Sleep(200 * time.Millisecond)
			_, body := as(t, "nina.finance", "GET", api+"/payrolls/"+period, "")
			_ = json.Unmarshal(body, &pr)
		}
	}
	wait("awaiting_approval")
	hashes := map[string]string{}
	for _, f := range pr.Files {
		hashes[f.Name] = f.SHA256
	}
	b, _ := json.Marshal(map[string]any{"hashes": hashes})
	if code, body := as(t, "marija.finance", "POST", api+"/payrolls/"+period+"/approve", string(b)); code != 200 {
		t.Fatalf("approve %s = %d %s", period, code, body)
	}
	wait("sent")
}

// TestIndexationOverHTTP: MO granted from January 2024 (a paper
// application recorded later) gets the thresholds of 17 February 2024 at
// grant; January and February are paid. The ministry then corrects the
// 17 February threshold for a household of one (90.00 instead of 87.91,
// the same day: the published value replaces the file's, so a month
// already paid is re-rated mid-month, which is the case the rules must
// get right); its author may not approve it, a second officer does. The
// reassessment re-rates 12,001 rights in chunks of 5,000, and the worker is
// killed in the middle: every right is re-rated exactly once. The March
// payroll pays March at 90.00 and February's difference, explained.
func TestIndexationOverHTTP(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	api := s.APIURL + "/api/v1"
	p := registerInPodgorica(t, s, time.Date(1979, 4, 4, 0, 0, 0, 0, time.UTC), 905, "Milan", "Radonjić")
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	basis, _ := json.Marshal(benefits.Situation{Period: jan, ApplicationDate: jan, Members: []benefits.Member{{ID: string(p.ID), Name: "Milan Radonjić",
		BirthDate: p.BirthDate, Relation: domain.RelationHead}}})
	const iban = "ME25505000012345678951"
	c, err := s.DB.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, CentreID: p.CentreID, PayeeIBAN: iban, Consent: true,
		FiledBy: "ana.caseworker", Period: jan, Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.DB.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "MO",
		Amount: decimal.RequireFromString("76.56"), PeriodFrom: jan, PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor", IssuedAt: jan})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.DB.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		PayeeIBAN: iban, Amount: decimal.RequireFromString("76.56"), Periodicity: "monthly", ValidFrom: jan, Basis: basis})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Activities().RerateGrant(ctx, e.ID); err != nil { // what the grant activity does at its end
		t.Fatal(err)
	}
	vs, _ := s.DB.Versions(ctx, e.ID)
	if len(vs) != 2 || vs[1].Amount.StringFixed(2) != "87.91" || vs[1].From.Format(time.DateOnly) != "2024-02-17" {
		t.Fatalf("versions at grant = %+v; want 76.56 from January and 87.91 from 2024-02-17", vs)
	}
	payFully(t, api, "2024-01")
	payFully(t, api, "2024-02")

	// 12,000 more MO rights (from 2025), so that the reassessment takes
	// several chunks of 5,000.
	for _, q := range []string{
		`INSERT INTO persons (id, jmbg, given_name, family_name, birth_date, sex, municipality, settlement, centre_id, registered_by)
		 SELECT gen_random_uuid(), '8' || lpad(i::text, 12, '0'), 'Test', 'Primalac', '1970-01-01', 'F', 'ME-16', 'Podgorica', 'csr-podgorica', 'bulk'
		 FROM generate_series(1, 12000) i`,
		`INSERT INTO claims (number, benefit, applicant_id, centre_id, consent, filed_by, period, state)
		 SELECT 'B-' || jmbg, 'MO', id, 'csr-podgorica', true, 'bulk', '2025-01-01', 'approved' FROM persons WHERE registered_by = 'bulk'`,
		`INSERT INTO decisions (id, claim_number, number, centre_id, year, seq, kind, benefit, amount, period_from, prepared_by, approved_by, issued_at)
		 SELECT gen_random_uuid(), number, 'bulk/' || number, 'csr-podgorica', 2025, 100000 + row_number() OVER (), 'grant', 'MO', 87.91, '2025-01-01', 'a', 'b', now()
		 FROM claims WHERE filed_by = 'bulk'`,
		`INSERT INTO entitlements (id, claim_number, decision_id, benefit, beneficiary_id, payee_iban, amount, periodicity, valid_from, basis)
		 SELECT gen_random_uuid(), d.claim_number, d.id, 'MO', c.applicant_id, 'ME25505000012345678951', 87.91, 'monthly', '2025-01-01',
		        jsonb_build_object('Members', jsonb_build_array(jsonb_build_object('ID', c.applicant_id::text, 'BirthDate', '1970-01-01T00:00:00Z')))
		 FROM decisions d JOIN claims c ON c.number = d.claim_number WHERE c.filed_by = 'bulk'`,
		`INSERT INTO entitlement_versions (entitlement_id, seq, valid_from, amount, state, reason, source, created_by)
		 SELECT id, 1, valid_from, amount, 'active', 'grant', 'grant', 'bulk' FROM entitlements WHERE claim_number LIKE 'B-%'`,
	} {
		if _, err := s.DB.Pool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}

	value := `{"name":"mo.threshold.size_1","valid_from":"2024-02-17","value":"90.00","legal_ref":"Correction of the Decision on amounts, Sl. list CG 12/2024"}`
	if code, body := as(t, "nina.finance", "POST", api+"/parameters", value); code != 403 {
		t.Fatalf("a finance officer publishing = %d %s; want 403", code, body)
	}
	code, body := as(t, "goran.ministry", "POST", api+"/parameters", value)
	var v struct{ ID int64 }
	if err := json.Unmarshal(body, &v); code != 201 || err != nil {
		t.Fatalf("publish = %d %s", code, body)
	}
	approve := fmt.Sprintf("%s/parameters/%d/approve", api, v.ID)
	if code, body := as(t, "goran.ministry", "POST", approve, ""); code != 403 {
		t.Fatalf("the author approving = %d %s; want 403", code, body)
	}
	code, body = as(t, "jovana.ministry", "POST", approve, "")
	var ap struct{ Reassessment string }
	if err := json.Unmarshal(body, &ap); code != 202 || err != nil || ap.Reassessment == "" {
		t.Fatalf("approve = %d %s", code, body)
	}
	if code, body := as(t, "jovana.ministry", "POST", approve, ""); code != 409 {
		t.Fatalf("approving again = %d %s; want 409", code, body)
	}
	var r struct {
		State                   string
		Chunks, Rights, Rerated int
		NoBasis                 int `json:"no_basis"`
		NotRated                int `json:"not_rated"`
	}
	get := func() {
		code, body := as(t, "goran.ministry", "GET", s.APIURL+ap.Reassessment, "")
		if code != 200 {
			t.Fatalf("reassessment = %d %s", code, body)
		}
		_ = json.Unmarshal(body, &r)
	}
	killed := false
	deadline := time.Now().Add(5 * time.Minute)
	for get(); r.State != "done"; get() {
		if time.Now().After(deadline) {
			t.Fatalf("reassessment not done: %+v", r)
		}
		if !killed && r.Chunks >= 1 {
			// The worker dies mid-reassessment: a new one takes over.
			if err := s.RestartWorker(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Two parts walked at once, each of about half the rights (the ids are
	// random): 3 chunks of 5,000 when one part is under 5,000, else 4 (5 if
	// a part ends exactly on a chunk). Each is committed once whatever the
	// kill (the versions and notices below count the rights).
	if !killed || r.Rights != 12001 || r.Rerated != 12001 || r.NoBasis != 0 || r.NotRated != 0 || r.Chunks < 3 || r.Chunks > 5 {
		t.Fatalf("reassessment = %+v (killed %v); want 12,001 rights all re-rated in 3 to 5 chunks of 5,000", r, killed)
	}
	var versions, rights, notices int
	_ = s.DB.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT entitlement_id), (SELECT count(*) FROM notices WHERE kind = 'indexation' AND source LIKE 'reassessment:%')
		FROM entitlement_versions WHERE source LIKE 'reassessment:%'`).Scan(&versions, &rights, &notices)
	if versions != 12001 || rights != 12001 || notices != 12001 {
		t.Fatalf("%d versions of %d rights, %d notices; want each right re-rated once (12,001)", versions, rights, notices)
	}
	vs, _ = s.DB.Versions(ctx, e.ID)
	if len(vs) != 3 || vs[2].Amount.StringFixed(2) != "90.00" || vs[2].From.Format(time.DateOnly) != "2024-02-17" || vs[2].DecisionID != "" ||
		vs[2].Reason != domain.ReasonIndexation {
		t.Fatalf("versions after the reassessment = %+v", vs)
	}

	// March: 90.00 for March, and February's difference, line by line:
	// owed 76.56 x 16/29 + 90.00 x 13/29 = 42.24 + 40.34 = 82.58, paid
	// 42.24 + 87.91 x 13/29 = 42.24 + 39.41 = 81.65: 0.93 to pay.
	runPayroll(t, api, "2024-03")
	rows, err := s.DB.Pool().Query(ctx, `SELECT to_char(period, 'YYYY-MM'), kind, amount, lines::text FROM payments
		WHERE entitlement_id = $1 AND payroll_id = 'payroll/2024-03' ORDER BY period`, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	var febLines string
	for rows.Next() {
		var period, kind, lines string
		var amount decimal.Decimal
		if err := rows.Scan(&period, &kind, &amount, &lines); err != nil {
			t.Fatal(err)
		}
		got[period] = kind + " " + amount.StringFixed(2)
		if period == "2024-02" {
			febLines = lines
		}
	}
	if got["2024-03"] != "regular 90.00" || got["2024-02"] != "difference 0.93" {
		t.Fatalf("the March payroll pays %v; want March regular 90.00 and February's difference 0.93", got)
	}
	for _, want := range []string{"16 of 29 days at 76.56", "13 of 29 days at 90.00", "81.65", "0.93"} {
		if !strings.Contains(febLines, want) {
			t.Errorf("February's difference is not explained by %q: %s", want, febLines)
		}
	}
}
