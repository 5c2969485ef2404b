package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
)

// pharmacyFakeAPI answers the medicines' routes as the API does: the
// stock with its warnings, the day's round, a resident's doses and
// prescriptions.
func pharmacyFakeAPI(r *gin.Engine) {
	js := func(body string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(http.StatusOK, "application/json", []byte(body)) }
	}
	r.GET("/api/v1/medicines", js(`{"institution":"dom-grabovac","day":"2026-12-01","warnings":[
		{"kind":"expired","medicine_id":1,"medicine":"Metformin 500 mg","batch":"M-OLD","expires_on":"2026-11-20","stock":"4","unit":"piece"},
		{"kind":"expiring","medicine_id":1,"medicine":"Metformin 500 mg","batch":"M-24","expires_on":"2026-12-20","stock":"12.5","unit":"piece"},
		{"kind":"low_stock","medicine_id":1,"medicine":"Metformin 500 mg","stock":"12.5","unit":"piece"}],
		"medicines":[{"id":1,"name":"Metformin","form":"tablet","strength":"500 mg","unit":"piece","low_stock":"20","stock":"12.5","warnings":[],"batches":[
			{"batch":"M-OLD","expires_on":"2026-11-20","received":"10","dispensed":"6","written_off":"0","stock":"4","state":"expired","supplier_note":"Montefarm","received_on":"2026-06-01","received_by":"olivera.pharmacist"},
			{"batch":"M-24","expires_on":"2026-12-20","received":"20","dispensed":"5.5","written_off":"2","stock":"12.5","state":"expiring","supplier_note":"","received_on":"2026-09-01","received_by":"olivera.pharmacist"}]},
		{"id":2,"name":"Lactulose","form":"syrup","strength":"670 mg/ml","unit":"ml","low_stock":"0","stock":"0","warnings":[],"batches":[]}]}`))
	due := `{"placement_id":41,"resident":"Stana Vukić","prescription_id":7,"medicine":"Enalapril 10 mg","unit":"piece","dose":"1","time":"08:00",
		"given":{"id":3,"prescription_id":7,"medicine":"Enalapril 10 mg","unit":"piece","batch":"E-1","batch_expires_on":"2027-06-01","quantity":"1","day":"2026-12-01","time":"08:00","given_at":"2026-12-01T07:05:00Z","given_by":"milan.nurse"}},
		{"placement_id":41,"resident":"Stana Vukić","prescription_id":7,"medicine":"Enalapril 10 mg","unit":"piece","dose":"1","time":"20:00"}`
	r.GET("/api/v1/doses", js(`{"day":"2026-12-01","residents":[{"placement_id":41,"name":"Stana Vukić","unit":"Prizemlje","room":"Soba 1","bed":"1/A"}],"due":[`+due+`]}`))
	r.GET("/api/v1/residents/:placement/doses", js(`{"day":"2026-12-01","resident":{"placement_id":41,"name":"Stana Vukić","unit":"Prizemlje","room":"Soba 1","bed":"1/A"},
		"due":[`+due+`],"given":[{"id":3,"prescription_id":7,"medicine":"Enalapril 10 mg","unit":"piece","batch":"E-1","batch_expires_on":"2027-06-01","quantity":"1",
		"day":"2026-12-01","time":"08:00","given_at":"2026-12-01T07:05:00Z","given_by":"milan.nurse"},{"id":4,"prescription_id":9,"medicine":"Lactulose 670 mg/ml","unit":"ml",
		"batch":"L-1","batch_expires_on":"2027-01-01","quantity":"15","day":"2026-12-01","given_at":"2026-12-01T10:00:00Z","given_by":"milan.nurse"}]}`))
	r.GET("/api/v1/residents/:placement/prescriptions", js(`{"placement_id":41,"prescriptions":[
		{"id":7,"placement_id":41,"medicine_id":3,"medicine":"Enalapril 10 mg","unit":"piece","dose":"1","times":["08:00","20:00"],"from":"2026-11-01","prescribed_by":"milan.nurse","in_force":true,"created_by":"milan.nurse"},
		{"id":5,"placement_id":41,"medicine_id":2,"medicine":"Lactulose 670 mg/ml","unit":"ml","dose":"15","times":["07:00"],"from":"2026-10-01","until":"2026-10-31","prescribed_by":"milan.nurse","stopped_on":"2026-10-20","stopped_by":"milan.nurse","in_force":false,"created_by":"milan.nurse"}]}`))
}

// pharmacyPageCases are the medicines' pages in both languages
// (language_test.go): the pharmacist's stock with its warnings, the day's
// round, and a resident's medication.
func pharmacyPageCases(s *server) []pageCase {
	return []pageCase{
		{name: "pharmacy: stock", tpl: "pharmacy", run: get(s, "olivera.pharmacist", "/pharmacy", s.phPharmacyPage),
			want: map[string][]string{"cnr": {"Serija M-OLD lijeka Metformin 500 mg istekla je 20.11.2026., a na stanju je još 4 kom.", "12,5 kom.", "tableta", "sirup", "istekla", "Olivera Kovač"},
				"en": {"Batch M-OLD of Metformin 500 mg expired on 20 Nov 2026 and still holds 4 pcs: write it off.", "12.5 pcs", "Tablet", "Expires soon"}}},
		{name: "medication: the round", tpl: "pharmacy_medication", run: get(s, "milan.nurse", "/medication", s.phMedicationPage),
			want: map[string][]string{"cnr": {"Terapija za dan 01.12.2026.", "data 01.12.2026. 08:05, Milan Đurović, serija E-1", "nije data", "Daj dozu", "Stana Vukić"},
				"en": {"Medication due on 1 Dec 2026", "given 1 Dec 2026 08:05 by Milan Đurović, batch E-1", "not given", "Give the dose"}}},
		{name: "medication: a resident", tpl: "pharmacy_resident", run: get(s, "milan.nurse", "/medication/residents/41", s.phResidentPage, "placement", "41"),
			want: map[string][]string{"cnr": {"Terapija korisnika: Stana Vukić", "obustavljena 20.10.2026.", "van rasporeda", "15 mL", "Nova terapija", "Obustavi"},
				"en": {"Medication of Stana Vukić", "stopped on 20 Oct 2026", "outside the times", "A new prescription", "Stop"}}},
	}
}

// TestMedicationPages: on the real API, the pharmacist adds a medicine and
// receives two batches (one already expired is refused, in Montenegrin,
// naming it); the nurse prescribes it to a resident, sees the dose due and
// not given in the day's round, gives it from the round (from the batch
// expiring first), sees it given; a dose from the expired batch is refused
// naming the batch and its expiry; the cashier has no pharmacy.
func TestMedicationPages(t *testing.T) {
	s := newSite(t, true)
	ctx := context.Background()
	for k := range 3 {
		j, _ := domain.MakeJMBG(time.Date(1941+k, 4, 4, 0, 0, 0, 0, time.UTC), 21, 800+k)
		seed(t, s.db, string(j), "Podgorica", "Stana", "Vukić")
	}
	today := time.Now().UTC()
	if _, err := devstack.LoadDemoInstitutions(ctx, s.db, today); err != nil {
		t.Fatal(err)
	}
	res, err := s.db.Residents(ctx, "dom-grabovac")
	if err != nil || len(res) == 0 {
		t.Fatal(res, err)
	}
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
	ph, _ := s.login(t, "olivera.pharmacist", "/pharmacy")
	form := func(b *browser, path string, v url.Values) (string, string) {
		t.Helper()
		if b.cookies[cookieCSRF] == nil {
			b.page("GET", s.ts.URL+"/", nil)
		}
		v.Set("csrf", b.cookies[cookieCSRF].Value)
		resp, body := b.page("POST", s.ts.URL+path, v)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s = %d %.300s", path, resp.StatusCode, body)
		}
		next := resp.Header.Get("Location")
		_, page := b.page("GET", s.ts.URL+next, nil)
		return next, page
	}
	_, page := form(ph, "/pharmacy/medicines", url.Values{"name": {"Enalapril"}, "form": {"tablet"}, "strength": {"10 mg"}, "unit": {"piece"}, "low_stock": {"5"}})
	if !strings.Contains(page, "Enalapril 10 mg") || !strings.Contains(page, "Sačuvano.") {
		t.Fatalf("the medicine added: %.2000s", page)
	}
	list, err := s.db.Medicines(ctx, "dom-grabovac")
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	batches := fmt.Sprintf("/pharmacy/medicines/%d/batches", list[0].ID)
	_, page = form(ph, batches, url.Values{"batch": {"OLD-1"}, "expires_on": {day(-2)}, "quantity": {"3"}})
	if !strings.Contains(page, "serija OLD-1 je istekla "+today.AddDate(0, 0, -2).Format("02.01.2006.")+"; istekla serija se ne prima") {
		t.Errorf("an expired batch received: %.3000s", page)
	}
	for _, b := range []url.Values{{"batch": {"SOON-1"}, "expires_on": {day(20)}, "quantity": {"2,5"}}, {"batch": {"LATE-2"}, "expires_on": {day(300)}, "quantity": {"30"}}} {
		form(ph, batches, b)
	}
	_, page = ph.page("GET", s.ts.URL+"/pharmacy", nil)
	if !strings.Contains(page, "Serija SOON-1 lijeka Enalapril 10 mg ističe") || !strings.Contains(page, "32,5 kom.") {
		t.Errorf("the stock and its warnings: %.3000s", page)
	}
	// The expired batch, as if received long ago.
	if _, err := s.db.Pool().Exec(ctx, `INSERT INTO medicine_batches (medicine_id, number, expires_on, received, received_on, received_by)
		VALUES ($1, 'EXP-0', $2, 5, $3, 'olivera.pharmacist')`, list[0].ID, today.AddDate(0, 0, -1), today.AddDate(0, -6, 0)); err != nil {
		t.Fatal(err)
	}

	nurse, _ := s.login(t, "milan.nurse", "/medication")
	resident := fmt.Sprintf("/medication/residents/%d", res[0].PlacementID)
	_, page = form(nurse, resident+"/prescriptions", url.Values{"medicine_id": {fmt.Sprint(list[0].ID)}, "dose": {"1"}, "times": {"20:00, 08:00"}, "prescribed_by": {"milan.nurse"}})
	if !strings.Contains(page, "08:00, 20:00") || !strings.Contains(page, "u primjeni") {
		t.Fatalf("prescribed: %.3000s", page)
	}
	_, page = nurse.page("GET", s.ts.URL+"/medication", nil)
	if strings.Count(page, "nije data") != 2 || !strings.Contains(page, res[0].Name) {
		t.Fatalf("the round before: %.3000s", page)
	}
	p, err := s.db.Prescriptions(ctx, res[0].PlacementID)
	if err != nil || len(p) != 1 {
		t.Fatal(p, err)
	}
	next, page := form(nurse, resident+"/doses", url.Values{"back": {"round"}, "prescription_id": {fmt.Sprint(p[0].ID)}, "time": {"08:00"}})
	if next != "/medication" || !strings.Contains(page, "Doza je zabilježena.") || !strings.Contains(page, "Milan Đurović, serija SOON-1") || strings.Count(page, "nije data") != 1 {
		t.Errorf("the dose given from the round (%s): %.3000s", next, page)
	}
	_, page = form(nurse, resident+"/doses", url.Values{"prescription_id": {fmt.Sprint(p[0].ID)}, "time": {"20:00"}, "batch": {"EXP-0"}})
	if !strings.Contains(page, "serija EXP-0 lijeka Enalapril 10 mg je istekla "+today.AddDate(0, 0, -1).Format("02.01.2006.")) {
		t.Errorf("a dose from an expired batch: %.3000s", page)
	}
	cashier, _ := s.login(t, "dejan.cashier", "/")
	if resp, _ := cashier.page("GET", s.ts.URL+"/pharmacy", nil); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
		t.Errorf("the cashier's pharmacy: %d", resp.StatusCode)
	}
}
