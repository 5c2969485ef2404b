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

// seedCashDesk loads the demo institutions with two persons of 85 admitted
// to Grabovac and returns their placements.
func seedCashDesk(t *testing.T, db *store.DB) []store.Resident {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	for i := range 2 {
		for serial := 300 + 10*i; ; serial++ {
			j, _ := domain.MakeJMBG(time.Date(now.Year()-85, 4, 10+i, 0, 0, 0, 0, time.UTC), 21, serial)
			addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
			p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: []string{"Milica", "Jovan"}[i], FamilyName: "Kasić", Address: addr})
			if err != nil {
				continue
			}
			if _, err := db.CreatePerson(ctx, p, "seed"); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if _, err := devstack.LoadDemoInstitutions(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	rs, err := db.Residents(ctx, "dom-grabovac")
	if err != nil || len(rs) != 2 {
		t.Fatalf("residents of Grabovac: %+v %v", rs, err)
	}
	return rs
}

func decodeInto(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

// TestCashDeskOverHTTP: the cashier of Grabovac lists the residents'
// accounts, records a pension (its receipt), is refused a withdrawal that
// overdraws (409 naming the balance) and bad input (400 listing every
// field); a withdrawal above the limit waits (202) for the director, who
// approves it; the receipt and the statement as PDFs; the month's
// co-payment charged once; the day closed, after which it takes no entry.
// Another institution's social worker finds no such resident (404), a
// nurse and a centre's caseworker may not read the desk; every account
// read is in the audit log with the resident's person.
func TestCashDeskOverHTTP(t *testing.T) {
	ctx := context.Background()
	ts, db := newServerWith(t, unreachableTemporal{})
	rs := seedCashDesk(t, db)
	first, second := rs[0], rs[1]
	if _, err := db.Pool().Exec(ctx, `UPDATE placements SET copayment = 120, resident_share = 120 WHERE id = $1`, first.PlacementID); err != nil {
		t.Fatal(err)
	}
	// The demo residents come with their decision; the second stands for a
	// resident whose centre set no co-payment.
	if _, err := db.Pool().Exec(ctx, `UPDATE placements SET copayment = NULL, resident_share = NULL WHERE id = $1`, second.PlacementID); err != nil {
		t.Fatal(err)
	}
	acc := fmt.Sprintf("/api/v1/cash-desk/accounts/%d", first.PlacementID)
	year := time.Now().Year()

	code, b := doAs(t, ts, "dejan.cashier", "GET", "/api/v1/cash-desk/accounts", "")
	var list struct {
		Accounts []struct {
			PlacementID int64   `json:"placement_id"`
			Balance     string  `json:"balance"`
			Copayment   *string `json:"copayment"`
		}
	}
	decodeInto(t, b, &list)
	if code != http.StatusOK || len(list.Accounts) != 2 {
		t.Fatalf("accounts = %d %s", code, b)
	}
	code, b = doAs(t, ts, "dejan.cashier", "POST", acc+"/entries", `{"kind":"pension","amount":"250.00"}`)
	if code != http.StatusCreated || !strings.Contains(string(b), fmt.Sprintf(`"receipt":"R-%d-000001"`, year)) {
		t.Fatalf("pension = %d %s", code, b)
	}
	code, b = doAs(t, ts, "dejan.cashier", "POST", acc+"/entries", `{"kind":"pocket_money","amount":"300"}`)
	if code != http.StatusConflict || !strings.Contains(string(b), "its balance is 250.00 EUR") {
		t.Fatalf("overdraw = %d %s", code, b)
	}
	code, b = doAs(t, ts, "dejan.cashier", "POST", acc+"/entries", `{"kind":"gift","amount":"abc"}`)
	if code != http.StatusBadRequest || !strings.Contains(string(b), `"field":"kind"`) || !strings.Contains(string(b), `"field":"amount"`) {
		t.Fatalf("bad entry = %d %s", code, b)
	}
	code, b = doAs(t, ts, "dejan.cashier", "POST", acc+"/entries", `{"kind":"withdrawal","amount":"150","purpose":"naočare"}`)
	var pending struct {
		Withdrawal struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
		}
	}
	decodeInto(t, b, &pending)
	if code != http.StatusAccepted || pending.Withdrawal.State != "pending" {
		t.Fatalf("above the limit = %d %s", code, b)
	}
	approve := fmt.Sprintf("/api/v1/cash-desk/withdrawals/%d/approve", pending.Withdrawal.ID)
	if code, b = doAs(t, ts, "dejan.cashier", "POST", approve, ""); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Fatalf("the cashier approves = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "vera.director", "GET", "/api/v1/cash-desk/withdrawals?state=pending&lang=en", ""); code != http.StatusOK ||
		!strings.Contains(string(b), "Awaiting the director's approval") {
		t.Fatalf("the director's approvals = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "vera.director", "POST", approve, ""); code != http.StatusOK || !strings.Contains(string(b), `"state":"approved"`) {
		t.Fatalf("the director approves = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "vera.director", "POST", approve, ""); code != http.StatusConflict {
		t.Fatalf("approved twice = %d %s", code, b)
	}
	code, b = doAs(t, ts, "dejan.cashier", "GET", acc, "")
	var detail struct {
		Account struct{ Balance string }
		Entries []struct {
			ID         int64  `json:"id"`
			ApprovedBy string `json:"approved_by"`
		}
	}
	decodeInto(t, b, &detail)
	if code != http.StatusOK || detail.Account.Balance != "100" || len(detail.Entries) != 2 || detail.Entries[0].ApprovedBy != "vera.director" {
		t.Fatalf("account = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "dejan.cashier", "GET", fmt.Sprintf("%s/entries/%d/receipt", acc, detail.Entries[0].ID), ""); code != http.StatusOK || !strings.HasPrefix(string(b), "%PDF") {
		t.Fatalf("receipt = %d %.200s", code, b)
	}
	if code, _ = doAs(t, ts, "dejan.cashier", "GET", fmt.Sprintf("/api/v1/cash-desk/accounts/%d/entries/%d/receipt", second.PlacementID, detail.Entries[0].ID), ""); code != http.StatusNotFound {
		t.Fatalf("another resident's receipt = %d", code)
	}
	code, b = doAs(t, ts, "bojana.social", "GET", acc+"/statement", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"opening_balance":"0"`) || !strings.Contains(string(b), `"closing_balance":"100"`) {
		t.Fatalf("statement = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "bojana.social", "GET", acc+"/statement.pdf", ""); code != http.StatusOK || !strings.HasPrefix(string(b), "%PDF") {
		t.Fatalf("statement PDF = %d %.200s", code, b)
	}
	if code, b = doAs(t, ts, "bojana.social", "GET", acc+"/statement?month=2999-01", ""); code != http.StatusBadRequest {
		t.Fatalf("a month to come = %d %s", code, b)
	}
	month := time.Now().Format("2006-01")
	for i, want := range []string{`"status":"charged","status_name":"Naplaćeno","due":"120","charged":"100","owed":"20"`, `"status":"already_charged"`} {
		code, b = doAs(t, ts, "dejan.cashier", "POST", "/api/v1/cash-desk/co-payments", `{"month":"`+month+`"}`)
		if code != http.StatusOK || !strings.Contains(string(b), want) || !strings.Contains(string(b), `"status":"no_copayment"`) {
			t.Fatalf("co-payments %d = %d %s", i, code, b)
		}
	}

	// The scope: another institution's staff, a nurse, a centre's caseworker.
	if code, b = doAs(t, ts, "senad.social", "GET", acc, ""); code != http.StatusNotFound {
		t.Fatalf("Bijelo Polje's social worker reads a Grabovac account = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "senad.social", "GET", "/api/v1/cash-desk/accounts", ""); code != http.StatusOK || strings.Contains(string(b), "Kasić") {
		t.Fatalf("Bijelo Polje's accounts = %d %s", code, b)
	}
	if code, _ = doAs(t, ts, "milan.nurse", "GET", acc, ""); code != http.StatusNotFound && code != http.StatusForbidden {
		t.Fatalf("a nurse reads the cash desk = %d", code)
	}
	if code, _ = doAs(t, ts, "ana.caseworker", "GET", "/api/v1/cash-desk/accounts", ""); code != http.StatusForbidden {
		t.Fatalf("a caseworker reads the cash desk = %d", code)
	}
	if code, _ = doAs(t, ts, "bojana.social", "POST", acc+"/entries", `{"kind":"family","amount":"5"}`); code != http.StatusNotFound && code != http.StatusForbidden {
		t.Fatalf("a social worker records an entry = %d", code)
	}

	// The day's closing.
	code, b = doAs(t, ts, "dejan.cashier", "GET", "/api/v1/cash-desk/days/today", "")
	var day struct {
		Day      string `json:"day"`
		Expected string `json:"expected"`
	}
	decodeInto(t, b, &day)
	if code != http.StatusOK || day.Expected != "0" { // 250 in, 150 and the co-payment's 100 out
		t.Fatalf("today = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "dejan.cashier", "POST", "/api/v1/cash-desk/closings", `{"day":"`+day.Day+`","counted":"5"}`); code != http.StatusBadRequest ||
		!strings.Contains(string(b), "explain the difference") {
		t.Fatalf("a difference unexplained = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "dejan.cashier", "POST", "/api/v1/cash-desk/closings", `{"day":"yesterday","counted":"x"}`); code != http.StatusBadRequest ||
		!strings.Contains(string(b), `"field":"day"`) || !strings.Contains(string(b), `"field":"counted"`) {
		t.Fatalf("a bad closing = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "dejan.cashier", "POST", "/api/v1/cash-desk/closings", `{"day":"`+day.Day+`","counted":"0"}`); code != http.StatusCreated {
		t.Fatalf("close = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "dejan.cashier", "POST", acc+"/entries", `{"kind":"family","amount":"5"}`); code != http.StatusConflict || !strings.Contains(string(b), "is closed") {
		t.Fatalf("an entry after the closing = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "vera.director", "GET", "/api/v1/cash-desk/closings", ""); code != http.StatusOK || !strings.Contains(string(b), `"closed_by":"dejan.cashier"`) {
		t.Fatalf("closings = %d %s", code, b)
	}

	var audited int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE resource = 'cash' AND person_ids @> ARRAY[$1]::uuid[]`, string(first.PersonID)).Scan(&audited); err != nil || audited < 10 {
		t.Errorf("%d audit records of the cash desk name the resident (%v)", audited, err)
	}
}

// TestCashDeskRejection: a withdrawal above the limit that the director
// rejects moves no money.
func TestCashDeskRejection(t *testing.T) {
	ts, db := newServerWith(t, unreachableTemporal{})
	rs := seedCashDesk(t, db)
	acc := fmt.Sprintf("/api/v1/cash-desk/accounts/%d", rs[0].PlacementID)
	if code, b := doAs(t, ts, "dejan.cashier", "POST", acc+"/entries", `{"kind":"pension","amount":"300"}`); code != http.StatusCreated {
		t.Fatalf("a pension = %d %s", code, b)
	}
	code, b := doAs(t, ts, "dejan.cashier", "POST", acc+"/entries", `{"kind":"withdrawal","amount":"120","purpose":"izlet"}`)
	var pending struct {
		Withdrawal struct {
			ID int64 `json:"id"`
		}
	}
	decodeInto(t, b, &pending)
	if code != http.StatusAccepted {
		t.Fatalf("above the limit = %d %s", code, b)
	}
	reject := fmt.Sprintf("/api/v1/cash-desk/withdrawals/%d/reject", pending.Withdrawal.ID)
	if code, b = doAs(t, ts, "vera.director", "POST", reject, `{"reason":"nije u planu"}`); code != http.StatusOK || !strings.Contains(string(b), `"state":"rejected"`) {
		t.Fatalf("the director rejects = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "dejan.cashier", "GET", acc, ""); code != http.StatusOK || !strings.Contains(string(b), `"balance":"300"`) {
		t.Fatalf("the balance after a rejection = %d %s", code, b)
	}
}
