package e2e_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/iso20022"
)

// TestProviderServiceOverHTTP is issue 23's "done when", over the real
// stack: a caseworker refers a child from a day-care case (P26) to the demo
// day-care centre Sunce, its staff accept; a month passes (the referral's
// days moved back to the first of last month, as the clock cannot be);
// the centre's software uploads the month's attendance (first with bad
// rows: nothing written), its staff submit the month's cost report, one
// finance officer checks it, another approves it, and the month's payroll
// pays it to the contract's account in a batch of its own; the centre sees
// the referral on its case.
func TestProviderServiceOverHTTP(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	api := s.APIURL + "/api/v1"
	child := registerInPodgorica(t, s, time.Now().AddDate(-9, -2, 0), 733, "Luka", "Perović")
	intake := `{"source":"walk_in","description":"The parents ask for day care after school.","urgency":"routine","outcome":"open_case"}`
	code, body := as(t, "ana.caseworker", "POST", api+"/cases", fmt.Sprintf(`{"procedure":"P26","persons":[{"person_id":%q,"role":"beneficiary"}],"intake":%s}`, child.ID, intake))
	if code != http.StatusAccepted {
		t.Fatalf("open the case = %d %s", code, body)
	}
	var opened struct{ Number string }
	_ = json.Unmarshal(body, &opened)

	// The case offers the contracts in force with free places: Sunce's.
	var offer struct {
		Contracts []struct {
			ID          int64
			ProviderPIB string `json:"provider_pib"`
			Rate        string
			Free        int
		}
	}
	eventually(t, "the case's services", func() bool {
		code, body = as(t, "ana.caseworker", "GET", api+"/cases/"+opened.Number+"/service-referrals", "")
		return code == http.StatusOK && json.Unmarshal(body, &offer) == nil && len(offer.Contracts) > 0
	})
	contract := offer.Contracts[0]
	if contract.ProviderPIB != "02655284" || contract.Free < 1 {
		t.Fatalf("the contracts offered: %s", body)
	}
	var ref struct {
		ID    int64
		State string
	}
	askJSON(t, "ana.caseworker", "POST", api+"/cases/"+opened.Number+"/service-referrals",
		fmt.Sprintf(`{"contract_id":%d,"service":"counselling","person_id":%q}`, contract.ID, child.ID), http.StatusBadRequest, nil)
	askJSON(t, "ana.caseworker", "POST", api+"/cases/"+opened.Number+"/service-referrals",
		fmt.Sprintf(`{"contract_id":%d,"service":"day_care_disability","person_id":%q}`, contract.ID, child.ID), http.StatusCreated, &ref)
	referral := fmt.Sprintf("%s/service-referrals/%d", api, ref.ID)
	today := time.Now().Format(time.DateOnly)
	askJSON(t, "dusan.pomoc", "POST", referral+"/answer", fmt.Sprintf(`{"answer":"accept","start_day":%q}`, today), http.StatusNotFound, nil)
	askJSON(t, "tamara.sunce", "POST", referral+"/answer", fmt.Sprintf(`{"answer":"accept","start_day":%q}`, today), http.StatusOK, &ref)
	if ref.State != "active" {
		t.Fatalf("the referral after Sunce's answer is %q", ref.State)
	}

	// A month passes: the referral was made and the service started on
	// the first of last month.
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	if _, err := s.DB.Pool().Exec(t.Context(), `UPDATE service_referrals SET referred_on = $2, started_on = $2 WHERE id = $1`, ref.ID, first); err != nil {
		t.Fatal(err)
	}
	reportAndPayMonth(t, s, child, ref.ID, contract.ID, contract.Rate, first)

	// The centre sees the referral on its case.
	var file struct {
		History []struct{ Kind, Summary string }
	}
	askJSON(t, "ana.caseworker", "GET", api+"/cases/"+opened.Number, "", http.StatusOK, &file)
	steps := 0
	for _, h := range file.History {
		if h.Kind == "service_referral" {
			steps++
		}
	}
	if steps < 2 {
		t.Errorf("the case's history shows %d referral steps; want the referral and its start: %+v", steps, file.History)
	}
}

// postCSV posts a CSV file with a bearer token.
func postCSV(t *testing.T, token, url, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// reportAndPayMonth is the month that follows a referral to Sunce: its
// software uploads the month's working days (first with two bad rows:
// nothing written), its staff submit the cost report (one that does not
// add up first: 400), one finance officer checks it, the same may not
// approve it, another does, and the month's payroll pays it once from the
// services' own account.
func reportAndPayMonth(t *testing.T, s *system.System, child domain.Person, referral, contract int64, contractRate string, first time.Time) {
	t.Helper()
	api := s.APIURL + "/api/v1"
	month := first.Format("2006-01")
	// Sunce's software uploads the month's attendance: every working day.
	var rows []string
	days := 0
	for d := first; d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			rows = append(rows, fmt.Sprintf("%s,day_care_disability,%s,1,,", child.JMBG, d.Format(time.DateOnly)))
			days++
		}
	}
	header := "jmbg,service,day,quantity,note,corrects\n"
	good := header + strings.Join(rows, "\n") + "\n"
	bad := good + rows[0] + "\n" + // the first working day again
		fmt.Sprintf("%s,day_care_disability,%s,2,,\n", child.JMBG, first.AddDate(0, 0, -1).Format(time.DateOnly)) // before the service, and 2 days
	software := machineToken(t, s, "sunce-system")
	if code, body := postCSV(t, software, api+"/service-use/upload", bad); code != http.StatusBadRequest ||
		!strings.Contains(string(body), fmt.Sprintf("line %d", len(rows)+2)) || !strings.Contains(string(body), fmt.Sprintf("line %d", len(rows)+3)) {
		t.Fatalf("the upload with two bad rows = %d %s; want 400 naming lines %d and %d", code, body, len(rows)+2, len(rows)+3)
	}
	var recorded int
	if err := s.DB.Pool().QueryRow(t.Context(), `SELECT count(*) FROM service_use WHERE referral_id = $1`, referral).Scan(&recorded); err != nil || recorded != 0 {
		t.Fatalf("records after the refused upload: %d, %v", recorded, err)
	}
	if code, body := postCSV(t, software, api+"/service-use/upload", good); code != http.StatusCreated {
		t.Fatalf("the month's attendance = %d %s", code, body)
	}

	// The month's cost report: the days times the contract's rate.
	rate := decimal.RequireFromString(contractRate)
	amount := rate.Mul(decimal.NewFromInt(int64(days))).StringFixed(2)
	report := fmt.Sprintf(`{"contract_id":%d,"month":%q,"lines":[{"referral_id":%d,"units":"%d","rate":%q,"amount":%q}],"total":%q}`,
		contract, month, referral, days, contractRate, amount, amount)
	wrong := strings.Replace(report, fmt.Sprintf(`"total":%q`, amount), `"total":"1.00"`, 1)
	askJSON(t, "tamara.sunce", "POST", api+"/cost-reports", wrong, http.StatusBadRequest, nil) // does not add up
	var cr struct {
		ID    int64
		State string
		Total string
	}
	askJSON(t, "tamara.sunce", "POST", api+"/cost-reports", report, http.StatusCreated, &cr)
	if cr.State != "submitted" {
		t.Fatalf("the report is %q; want submitted, no line flagged", cr.State)
	}
	costs := fmt.Sprintf("%s/cost-reports/%d", api, cr.ID)
	askJSON(t, "nina.finance", "POST", costs+"/check", "", http.StatusOK, nil)
	askJSON(t, "nina.finance", "POST", costs+"/approve", "", http.StatusForbidden, nil) // four eyes
	askJSON(t, "marija.finance", "POST", costs+"/approve", "", http.StatusOK, &cr)
	if cr.State != "approved" {
		t.Fatalf("the report after approval is %q", cr.State)
	}

	// The month's payroll pays it, once, from the services' own account.
	payFully(t, api, month)
	askJSON(t, "tamara.sunce", "GET", costs, "", http.StatusOK, &cr)
	if cr.State != "paid" {
		t.Errorf("the report after the payroll is %q; want paid", cr.State)
	}
	xml, err := s.Objects.Get(t.Context(), "payrolls/"+month+"/pain001-"+month+".xml")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := iso20022.ParsePain001(xml)
	if err != nil {
		t.Fatal(err)
	}
	var paid []iso20022.Transfer
	for _, b := range msg.Batches {
		if b.Debtor.IBAN == activities.CostReportFundingAccount.IBAN {
			paid = append(paid, b.Transfers...)
		}
	}
	if len(paid) != 1 || paid[0].Amount.StringFixed(2) != amount {
		t.Errorf("the services' batch = %+v; want one transfer of EUR %s", paid, amount)
	}
	// What the approvers read is what the files pay: the summary counts
	// the providers' batch among the transfers.
	var pr struct {
		Summary []struct {
			Benefit, Channel, State, Total string
			Count                          int
		}
		Files []struct {
			Kind      string
			Transfers int
		}
	}
	askJSON(t, "nina.finance", "GET", api+"/payrolls/"+month, "", http.StatusOK, &pr)
	transfers, bank, costs := 0, 0, ""
	for _, f := range pr.Files {
		if f.Kind == "pain.001" {
			transfers += f.Transfers
		}
	}
	for _, x := range pr.Summary {
		if x.Channel == "bank" && x.State != "exception" {
			bank += x.Count
		}
		if x.Benefit == "service_costs" {
			costs = x.Total
		}
	}
	if costs != amount || bank != transfers {
		t.Errorf("the payroll's summary: providers' costs %q (want %s), %d bank payments against %d transfers in the files", costs, amount, bank, transfers)
	}
}

// TestDemoServiceWalk: the demo's child at Sunce (what `make run` seeds on
// the first start, SeedServiceWalk) is referred from its P26 case and
// attends since the first of last month, so the README's walk of the
// month's attendance, cost report, approval and payroll runs on it.
func TestDemoServiceWalk(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	child, err := s.SeedServiceWalk(t.Context(), time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		State      string
		StartedOn  string `json:"started_on"`
		ContractID int64  `json:"contract_id"`
	}
	askJSON(t, "tamara.sunce", "GET", fmt.Sprintf("%s/api/v1/service-referrals/%d", s.APIURL, child.ReferralID), "", http.StatusOK, &ref)
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	if ref.State != "active" || ref.StartedOn != first.Format(time.DateOnly) {
		t.Fatalf("the demo referral: %+v; want active since %s", ref, first.Format(time.DateOnly))
	}
	reportAndPayMonth(t, s, child.Person, child.ReferralID, ref.ContractID, "12.50", first)
}
