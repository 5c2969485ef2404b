package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
)

// pharmacyStack runs the API over the demo institutions (three residents
// of 80 and over admitted to Grabovac) with tokens besides the demo users'
// for a pharmacist and a nurse of Bijelo Polje; returns Grabovac's first
// resident.
func pharmacyStack(t *testing.T) (func(user, method, path, body string) (int, []byte), *store.DB, store.Resident) {
	t.Helper()
	ctx := context.Background()
	ts, db := newServerFor(t, func(d *api.Deps) {
		for _, u := range []domain.User{
			{Username: "test.pharmacist.bp", Name: "Test", Role: domain.RoleInstitutionPharmacist, InstitutionID: "dom-bijelo-polje"},
			{Username: "test.nurse.bp", Name: "Test", Role: domain.RoleInstitutionMedical, InstitutionID: "dom-bijelo-polje"},
		} {
			tok, err := d.DevIssuer.Token(u)
			if err != nil {
				t.Fatal(err)
			}
			tokens[u.Username] = tok
		}
	})
	today := time.Now().UTC()
	for k := range 3 {
		j, _ := domain.MakeJMBG(time.Date(1940+k, 2, 2, 0, 0, 0, 0, time.UTC), 21, 700+k)
		addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "Njegoševa 1")
		p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Stana", FamilyName: "Vukić", Address: addr})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreatePerson(ctx, p, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := devstack.LoadDemoInstitutions(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	res, err := db.Residents(ctx, "dom-grabovac")
	if err != nil || len(res) == 0 {
		t.Fatalf("residents: %v %v", res, err)
	}
	return func(user, method, path, body string) (int, []byte) { return doAs(t, ts, user, method, path, body) }, db, res[0]
}

func wantRefusal(t *testing.T, what string, status int, b []byte, wantStatus int, words ...string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: %d %s; want %d", what, status, b, wantStatus)
		return
	}
	for _, w := range words {
		if !strings.Contains(string(b), w) {
			t.Errorf("%s: %s does not say %q", what, b, w)
		}
	}
}

// TestMedicinesOverHTTP: the pharmacist's catalogue and stock by batch (a
// 400 names every fault; an expired batch is refused naming it; the
// warnings: expiring, low stock); the nurse reads the stock but may not
// change it; the cashier and the gatekeeper are refused; a pharmacist of
// another institution finds Grabovac's medicine nowhere (404).
func TestMedicinesOverHTTP(t *testing.T) {
	call, _, _ := pharmacyStack(t)
	day := func(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly) }

	s, b := call("olivera.pharmacist", "POST", "/api/v1/medicines", `{"name":" ","form":"pill","strength":"500 mg","unit":"box","low_stock":"-1"}`)
	wantRefusal(t, "a bad medicine", s, b, 400, `"field":"name"`, `"field":"form"`, `"field":"unit"`, `"field":"low_stock"`, `\"pill\" is not a form of medicine`)
	med := `{"name":"Metformin","form":"tablet","strength":"500 mg","unit":"piece","low_stock":"20"}`
	s, b = call("olivera.pharmacist", "POST", "/api/v1/medicines", med)
	var m struct {
		ID int64
	}
	if s != 201 || json.Unmarshal(b, &m) != nil || m.ID == 0 {
		t.Fatalf("create: %d %s", s, b)
	}
	s, b = call("olivera.pharmacist", "POST", "/api/v1/medicines", med)
	wantRefusal(t, "the same medicine twice", s, b, 409, "already in the catalogue")
	batches := fmt.Sprintf("/api/v1/medicines/%d/batches", m.ID)
	s, b = call("olivera.pharmacist", "POST", batches, fmt.Sprintf(`{"batch":"OLD 1","expires_on":%q,"quantity":"0"}`, day(-1)))
	wantRefusal(t, "an expired batch", s, b, 400, `"field":"expires_on"`, "expired on "+day(-1), `"field":"quantity"`, `"field":"batch"`)
	for _, body := range []string{fmt.Sprintf(`{"batch":"A-1","expires_on":%q,"quantity":"5","supplier_note":"Montefarm"}`, day(10)),
		fmt.Sprintf(`{"batch":"B-2","expires_on":%q,"quantity":10}`, day(200))} {
		if s, b = call("olivera.pharmacist", "POST", batches, body); s != 201 {
			t.Fatalf("receive: %d %s", s, b)
		}
	}
	s, b = call("olivera.pharmacist", "POST", batches, fmt.Sprintf(`{"batch":"A-1","expires_on":%q,"quantity":"1"}`, day(10)))
	wantRefusal(t, "a batch number twice", s, b, 409, "batch A-1 of Metformin 500 mg is already in stock")

	var list struct {
		Warnings  []struct{ Kind, Batch, Stock string }
		Medicines []struct {
			Stock   string
			Batches []struct{ Batch, State, Stock string }
		}
	}
	s, b = call("milan.nurse", "GET", "/api/v1/medicines", "")
	if s != 200 || json.Unmarshal(b, &list) != nil || len(list.Medicines) != 1 || list.Medicines[0].Stock != "15" {
		t.Fatalf("the nurse reads the stock: %d %s", s, b)
	}
	if len(list.Warnings) != 2 || list.Warnings[0].Kind != "expiring" || list.Warnings[0].Batch != "A-1" || list.Warnings[1].Kind != "low_stock" {
		t.Errorf("warnings: %+v", list.Warnings)
	}
	s, b = call("milan.nurse", "POST", "/api/v1/medicines", med)
	wantRefusal(t, "the nurse adds a medicine", s, b, 403)
	for _, u := range []string{"dejan.cashier", "rade.gate"} {
		s, b = call(u, "GET", "/api/v1/medicines", "")
		wantRefusal(t, u+" reads the stock", s, b, 403)
	}
	s, b = call("test.pharmacist.bp", "POST", batches, fmt.Sprintf(`{"batch":"C-3","expires_on":%q,"quantity":"1"}`, day(90)))
	wantRefusal(t, "another institution's pharmacist", s, b, 404, "not found")
	s, b = call("test.pharmacist.bp", "GET", "/api/v1/medicines", "")
	if s != 200 || strings.Contains(string(b), "Metformin") {
		t.Errorf("another institution's stock: %d %s", s, b)
	}
	wo := fmt.Sprintf("/api/v1/medicines/%d/batches/A-1/write-off", m.ID)
	s, b = call("olivera.pharmacist", "POST", wo, `{"quantity":"6","reason":"damaged"}`)
	wantRefusal(t, "a write-off beyond the stock", s, b, 409, "batch A-1 of Metformin 500 mg has 5 left")
	s, b = call("olivera.pharmacist", "POST", wo, `{"quantity":"x","reason":"spilt"}`)
	wantRefusal(t, "a bad write-off", s, b, 400, `"field":"quantity"`, `"field":"reason"`)
	s, b = call("olivera.pharmacist", "POST", wo, `{"quantity":"2","reason":"damaged","note":"the bottle broke"}`)
	if s != 200 || !strings.Contains(string(b), `"written_off":"2"`) {
		t.Errorf("write-off: %d %s", s, b)
	}
	s, b = call("olivera.pharmacist", "POST", fmt.Sprintf("/api/v1/medicines/%d/batches/Z-9/write-off", m.ID), `{"quantity":"1","reason":"lost"}`)
	wantRefusal(t, "a write-off of no batch", s, b, 404, "batch Z-9")
}

// TestMedicationOverHTTP: the nurse prescribes (a 400 names every fault)
// and gives doses (first expiring first; a named expired batch is a 400
// naming it and its expiry; a time given twice, more than the stock, a
// stopped prescription: 409); the round of the day shows each time given
// or not; the pharmacist reads the prescriptions but may not write or
// give; the cashier may not read them; another institution's nurse finds
// the resident nowhere (404); each request is audited with the resident.
func TestMedicationOverHTTP(t *testing.T) {
	call, db, res := pharmacyStack(t)
	ctx := context.Background()
	m, err := db.CreateMedicine(ctx, "dom-grabovac", institutions.Medicine{Name: "Enalapril", Form: "tablet", Strength: "10 mg", Unit: "piece"}, "olivera.pharmacist")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC()
	for _, r := range []institutions.Receipt{
		{Number: "EXP-0", ExpiresOn: today.AddDate(0, 0, -3), Quantity: qtyOf("10")},
		{Number: "LATE-2", ExpiresOn: today.AddDate(1, 0, 0), Quantity: qtyOf("10")},
		{Number: "SOON-1", ExpiresOn: today.AddDate(0, 2, 0), Quantity: qtyOf("1.5")},
	} {
		if _, err := db.ReceiveBatch(ctx, "dom-grabovac", m.ID, r, today.AddDate(0, -6, 0), "olivera.pharmacist"); err != nil {
			t.Fatal(err)
		}
	}
	base := fmt.Sprintf("/api/v1/residents/%d", res.PlacementID)

	s, b := call("milan.nurse", "POST", base+"/prescriptions", `{"medicine_id":0,"dose":"0","times":["25:00","08:00","08:00"],"until":"2000-01-01","prescribed_by":"olivera.pharmacist"}`)
	wantRefusal(t, "a bad prescription", s, b, 400, `"field":"medicine_id"`, `"field":"dose"`, `"field":"times.0"`, `"field":"times.2"`, `"field":"until"`,
		`\"olivera.pharmacist\" is not on the medical staff of dom-grabovac`)
	s, b = call("milan.nurse", "POST", base+"/prescriptions", `{"medicine_id":999999,"dose":"1","times":["08:00"]}`)
	wantRefusal(t, "a medicine not in the catalogue", s, b, 400, "medicine 999999 is not in the catalogue of dom-grabovac")
	s, b = call("milan.nurse", "POST", base+"/prescriptions", fmt.Sprintf(`{"medicine_id":%d,"dose":"1","times":["20:00","08:00"]}`, m.ID))
	var p struct {
		ID           int64
		Times        []string
		PrescribedBy string `json:"prescribed_by"`
	}
	if s != 201 || json.Unmarshal(b, &p) != nil || p.Times[0] != "08:00" || p.PrescribedBy != "milan.nurse" {
		t.Fatalf("prescribe: %d %s", s, b)
	}
	s, b = call("olivera.pharmacist", "GET", base+"/prescriptions", "")
	if s != 200 || !strings.Contains(string(b), "Enalapril 10 mg") {
		t.Errorf("the pharmacist reads the prescriptions: %d %s", s, b)
	}
	s, b = call("olivera.pharmacist", "POST", base+"/prescriptions", fmt.Sprintf(`{"medicine_id":%d,"dose":"1","times":["08:00"]}`, m.ID))
	wantRefusal(t, "the pharmacist prescribes", s, b, 403)
	s, b = call("dejan.cashier", "GET", base+"/prescriptions", "")
	wantRefusal(t, "the cashier reads prescriptions", s, b, 403)
	s, b = call("test.nurse.bp", "GET", base+"/prescriptions", "")
	wantRefusal(t, "another institution's nurse", s, b, 404, "not found")
	s, b = call("test.nurse.bp", "POST", base+"/doses", fmt.Sprintf(`{"prescription_id":%d}`, p.ID))
	wantRefusal(t, "another institution's nurse gives a dose", s, b, 404)

	dose := func(body string) (int, []byte) { return call("milan.nurse", "POST", base+"/doses", body) }
	s, b = dose(fmt.Sprintf(`{"prescription_id":%d,"time":"08:00"}`, p.ID))
	if s != 201 || !strings.Contains(string(b), `"batch":"SOON-1"`) || !strings.Contains(string(b), `"given_by":"milan.nurse"`) {
		t.Fatalf("first expiring first: %d %s", s, b)
	}
	s, b = dose(fmt.Sprintf(`{"prescription_id":%d,"time":"08:00"}`, p.ID))
	wantRefusal(t, "08:00 twice", s, b, 409, "already given")
	s, b = dose(fmt.Sprintf(`{"prescription_id":%d,"time":"20:00","batch":"EXP-0"}`, p.ID))
	wantRefusal(t, "a dose from an expired batch", s, b, 400, "batch EXP-0 of Enalapril 10 mg expired on "+today.AddDate(0, 0, -3).Format(time.DateOnly))
	s, b = dose(fmt.Sprintf(`{"prescription_id":%d,"time":"20:00","batch":"SOON-1"}`, p.ID))
	wantRefusal(t, "more than the batch holds", s, b, 409, "batch SOON-1 of Enalapril 10 mg has 0.5 left; the dose needs 1")
	s, b = dose(`{"time":"8 am","quantity":"-1"}`)
	wantRefusal(t, "a bad dose", s, b, 400, `"field":"prescription_id"`, `"field":"time"`, `"field":"quantity"`)
	s, b = dose(fmt.Sprintf(`{"prescription_id":%d,"time":"20:00"}`, p.ID))
	if s != 201 || !strings.Contains(string(b), `"batch":"LATE-2"`) {
		t.Errorf("the next batch: %d %s", s, b)
	}
	var round struct {
		Residents []struct{ Name string }
		Due       []struct {
			Resident, Time string
			Given          *struct{ Batch string }
		}
	}
	s, b = call("milan.nurse", "GET", "/api/v1/doses", "")
	if s != 200 || json.Unmarshal(b, &round) != nil || len(round.Due) != 2 || round.Due[0].Given == nil || round.Due[0].Resident != res.Name ||
		len(round.Residents) != 3 {
		t.Errorf("the round: %d %s", s, b)
	}
	s, b = call("milan.nurse", "GET", base+"/doses?day=2026-13-01", "")
	wantRefusal(t, "a bad day", s, b, 400, `"field":"day"`)
	s, b = call("olivera.pharmacist", "GET", base+"/doses", "")
	if s != 200 || !strings.Contains(string(b), `"given"`) || !strings.Contains(string(b), fmt.Sprintf(`"resident":{"placement_id":%d,"name":%q`, res.PlacementID, res.Name)) {
		t.Errorf("the pharmacist reads the doses: %d %s", s, b)
	}
	s, b = call("olivera.pharmacist", "POST", base+"/doses", fmt.Sprintf(`{"prescription_id":%d}`, p.ID))
	wantRefusal(t, "the pharmacist gives a dose", s, b, 403)
	stop := fmt.Sprintf("%s/prescriptions/%d/stop", base, p.ID)
	if s, b = call("milan.nurse", "POST", stop, ""); s != 200 || !strings.Contains(string(b), `"in_force":false`) {
		t.Errorf("stop: %d %s", s, b)
	}
	s, b = call("milan.nurse", "POST", stop, "")
	wantRefusal(t, "stopped twice", s, b, 409, "was stopped on")
	s, b = dose(fmt.Sprintf(`{"prescription_id":%d}`, p.ID))
	wantRefusal(t, "a dose of a stopped prescription", s, b, 409, "not in force")

	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE resource = 'dose' AND $1 = ANY(person_ids)`, res.PersonID).Scan(&n); err != nil || n < 5 {
		t.Errorf("audited doses naming the resident: %d %v", n, err)
	}
}

func qtyOf(s string) decimal.Decimal { return decimal.RequireFromString(s) }
