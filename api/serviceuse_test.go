package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// useDay is the day the service-use tests run on (Deps.Now): November is
// over, the demo contracts and delegations run from 2026-11-01.
var useDay = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func uploadAs(t *testing.T, ts *httptest.Server, user, csv string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", ts.URL+"/api/v1/service-use/upload", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/csv; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+tokens[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// seedUseReferral writes an active referral of p from Podgorica to the
// demo day-care contract (the referral helper's workflow makes them), from
// 2026-11-02.
func seedUseReferral(t *testing.T, db *store.DB, p domain.Person) int64 {
	t.Helper()
	ctx := context.Background()
	in, err := db.ContractsInForce(ctx, "day_care_disability", "csr-podgorica", useDay)
	if err != nil || len(in) != 1 {
		t.Fatalf("the demo day-care contract: %v, %v", in, err)
	}
	var id int64
	if err := db.Pool().QueryRow(ctx, `INSERT INTO service_referrals (case_number, person_id, centre_id, contract_id, service, state, referred_on, started_on, referred_by)
		VALUES ('C-USE-API', $1, 'csr-podgorica', $2, 'day_care_disability', 'active', '2026-10-20', '2026-11-02', 'ana.caseworker') RETURNING id`,
		p.ID, in[0].ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

type useWrittenBody struct {
	Batch   string
	Written int
	Records []struct {
		ID         int64
		ReferralID int64 `json:"referral_id"`
		Day        string
		Quantity   string
		Supersedes *int64
		Effective  bool
		Channel    string
	}
}

type useMonthBody struct {
	Month     string
	Referrals []struct {
		ReferralID int64 `json:"referral_id"`
		Person     string
		Days       int
		Quantity   string
	}
	Records []struct {
		ID           int64
		Day          string
		SupersededBy *int64 `json:"superseded_by"`
		Effective    bool
	}
}

// TestServiceUseOverHTTP (issue 23 item 4): Sunce's software uploads a
// month of attendance of two children with 3 bad rows (a child not
// referred to Sunce, a day that is not a date, a day twice): 400 listing
// the three by line, nothing written, every person named audited; the
// file fixed is written whole (201); a correction over JSON cancels a
// day; the staff read the month and a referral's records; the referring
// centre's caseworker reads them; another provider's staff find nothing.
func TestServiceUseOverHTTP(t *testing.T) {
	ts, db := newServerFor(t, func(d *api.Deps) { d.Now = func() time.Time { return useDay } })
	ctx := context.Background()
	if _, err := devstack.LoadDemoServices(ctx, db, useDay); err != nil {
		t.Fatal(err)
	}
	var kids []domain.Person
	for k, name := range []string{"Luka", "Sara", "Nina"} {
		j, _ := domain.MakeJMBG(time.Date(2016, 6, 1+k, 0, 0, 0, 0, time.UTC), 21, 300+k)
		kids = append(kids, seedPerson(t, db, string(j), "Podgorica", name, "Đukanović"))
	}
	luka, sara := seedUseReferral(t, db, kids[0]), seedUseReferral(t, db, kids[1])

	rows := []string{"jmbg,service,day,quantity,note,corrects"}
	for d := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC); d.Month() == time.November; d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		for _, k := range kids[:2] {
			rows = append(rows, fmt.Sprintf("%s,day_care_disability,%s,1,,", k.JMBG, d.Format(time.DateOnly)))
		}
	}
	good := len(rows) - 1
	bad := append([]string(nil), rows...)
	bad = append(bad[:5], append([]string{string(kids[2].JMBG) + ",day_care_disability,2026-11-03,1,,"}, bad[5:]...)...) // line 6
	bad = append(bad, string(kids[0].JMBG)+",day_care_disability,2026-11-31,1,,",                                        // a day that is not
		string(kids[1].JMBG)+`,day_care_disability,2026-11-02,1,"came twice, left once",`) // a day twice
	before := auditRecords(t, db)
	code, b := uploadAs(t, ts, "sunce-system", strings.Join(bad, "\n")+"\n")
	var e struct {
		Error struct {
			Code    string
			Message string
			Fields  []struct{ Field, Message string }
		}
	}
	if code != http.StatusBadRequest || json.Unmarshal(b, &e) != nil || len(e.Error.Fields) != 3 {
		t.Fatalf("upload with 3 bad rows = %d %s; want 400 listing them", code, b)
	}
	want := []string{
		"line 6: no referral of this person to you for day_care_disability",
		fmt.Sprintf("line %d: day 2026-11-31 is not a date (YYYY-MM-DD)", len(bad)-1),
		fmt.Sprintf("line %d: 2026-11-02 is a second record of this person's day: line 3 records it already", len(bad)),
	}
	for i, f := range e.Error.Fields {
		if got := f.Field + ": " + f.Message; got != want[i] {
			t.Errorf("bad row %d = %q; want %q", i, got, want[i])
		}
	}
	if n := countServiceUse(t, db); n != 0 {
		t.Fatalf("a refused upload wrote %d records", n)
	}
	var named int
	if err := db.Pool().QueryRow(ctx, `SELECT cardinality(person_ids) FROM audit_log WHERE action = 'POST /api/v1/service-use/upload' AND id > $1`, before).Scan(&named); err != nil || named != 3 {
		t.Fatalf("the refused upload's audit names %d persons (%v); want the 3 the file names", named, err)
	}

	code, b = uploadAs(t, ts, "sunce-system", strings.Join(rows, "\n")+"\n")
	var w useWrittenBody
	if code != http.StatusCreated || json.Unmarshal(b, &w) != nil || w.Written != good || w.Records[0].Channel != "csv" || !strings.HasPrefix(w.Batch, "csv-") {
		t.Fatalf("the fixed upload = %d %.300s; want 201 with %d records", code, b, good)
	}
	first := w.Records[0]
	// Sara's first day cancelled over JSON (the provider's software).
	code, b = doAs(t, ts, "sunce-system", "POST", "/api/v1/service-use",
		fmt.Sprintf(`{"records":[{"jmbg":%q,"service":"day_care_disability","day":"2026-11-02","quantity":0,"note":"was ill","corrects":%d}]}`,
			kids[first.ReferralID-luka].JMBG, first.ID))
	var fix useWrittenBody
	if code != http.StatusCreated || json.Unmarshal(b, &fix) != nil || fix.Written != 1 || *fix.Records[0].Supersedes != first.ID || fix.Records[0].Effective {
		t.Fatalf("the correction = %d %s", code, b)
	}
	code, b = doAs(t, ts, "tamara.sunce", "POST", "/api/v1/service-use",
		fmt.Sprintf(`{"records":[{"jmbg":%q,"service":"day_care_disability","day":"2026-11-02","quantity":"1"},{"jmbg":"123","service":"x","day":"2026-11-02","quantity":"1"}]}`,
			kids[0].JMBG))
	if code != http.StatusBadRequest || !strings.Contains(string(b), `"field":"records[1]","message":"JMBG \"123\" is not a JMBG`) {
		t.Fatalf("bad JSON records = %d %s", code, b)
	}

	var m useMonthBody
	code, b = doAs(t, ts, "tamara.sunce", "GET", "/api/v1/service-use?month=2026-11", "")
	if code != http.StatusOK || json.Unmarshal(b, &m) != nil || len(m.Referrals) != 2 || m.Referrals[0].Person == "" {
		t.Fatalf("Sunce's November = %d %s", code, b)
	}
	days := map[int64]int{}
	for _, r := range m.Referrals {
		days[r.ReferralID] = r.Days
	}
	if days[first.ReferralID] != good/2-1 || days[luka+sara-first.ReferralID] != good/2 {
		t.Fatalf("days per referral %v; want %d and %d (one cancelled)", days, good/2, good/2-1)
	}
	code, b = doAs(t, ts, "tamara.sunce", "GET", fmt.Sprintf("/api/v1/service-use?month=2026-11&referral=%d", first.ReferralID), "")
	if code != http.StatusOK || json.Unmarshal(b, &m) != nil || len(m.Records) != good/2+1 || m.Records[0].ID != first.ID || m.Records[0].Effective ||
		*m.Records[0].SupersededBy != fix.Records[0].ID {
		t.Fatalf("the referral's November = %d %.400s", code, b)
	}
	code, b = doAs(t, ts, "ana.caseworker", "GET", fmt.Sprintf("/api/v1/service-use?month=2026-11&referral=%d", luka), "")
	if code != http.StatusOK || !strings.Contains(string(b), `"person":"Luka Đukanović"`) {
		t.Fatalf("the centre's caseworker = %d %.300s", code, b)
	}
	if code, b = doAs(t, ts, "dusan.pomoc", "GET", fmt.Sprintf("/api/v1/service-use?month=2026-11&referral=%d", luka), ""); code != http.StatusNotFound {
		t.Fatalf("another provider reads Sunce's referral = %d %s; want 404", code, b)
	}
	if code, b = doAs(t, ts, "dusan.pomoc", "GET", "/api/v1/service-use?month=2026-11", ""); code != http.StatusOK || !strings.Contains(string(b), `"referrals":[]`) {
		t.Fatalf("another provider's month = %d %s; want none", code, b)
	}
	if code, b = uploadAs(t, ts, "dusan.pomoc", strings.Join(rows[:2], "\n")); code != http.StatusBadRequest ||
		!strings.Contains(string(b), "no referral of this person to you") {
		t.Fatalf("another provider records Sunce's child = %d %s", code, b)
	}
	if code, b = doAs(t, ts, "ana.caseworker", "POST", "/api/v1/service-use", `{"records":[]}`); code != http.StatusForbidden {
		t.Fatalf("a caseworker records service use = %d %s; want 403", code, b)
	}
}

func countServiceUse(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM service_use`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func auditRecords(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Pool().QueryRow(context.Background(), `SELECT coalesce(max(id), 0) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
