package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain/institutions"
)

// TestResidentialPlacementOverHTTP is issue 22's "done when", over the
// real stack: a centre places a woman of 81 from a P22 case into the demo
// home for the elderly Grabovac (after Bijelo Polje refuses), the home
// admits her, a nurse gives her a medicine, the cashier takes the month's
// co-payment from her pension, a visitor is logged in and out, and the
// centre sees the placement on its case. Along the way, the compartments:
// the centre's caseworker does not reach her medical records, the home's
// social worker not her e-file.
func TestResidentialPlacementOverHTTP(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	api := s.APIURL + "/api/v1"
	elder := registerInPodgorica(t, s, time.Now().AddDate(-81, 0, -10), 612, "Stana", "Vukić")
	intake := `{"source":"walk_in","description":"Her daughter reports she can no longer live alone.","urgency":"routine","outcome":"open_case"}`
	code, body := as(t, "ana.caseworker", "POST", api+"/cases", fmt.Sprintf(`{"procedure":"P22","persons":[{"person_id":%q,"role":"beneficiary"}],"intake":%s}`, elder.ID, intake))
	if code != http.StatusAccepted {
		t.Fatalf("open the case = %d %s", code, body)
	}
	var opened struct{ Number string }
	_ = json.Unmarshal(body, &opened)

	// The placement, proposed as soon as the case is on record.
	var created struct{ ID int64 }
	propose := fmt.Sprintf(`{"case_number":%q,"person_id":%q,"needs":"needs help to walk and with her medicines"}`, opened.Number, elder.ID)
	eventually(t, "the placement proposed", func() bool {
		code, body = as(t, "ana.caseworker", "POST", api+"/placements", propose)
		return code == http.StatusCreated && json.Unmarshal(body, &created) == nil && created.ID != 0
	})
	step := func(user, path, payload string, want int) []byte {
		t.Helper()
		code, body := as(t, user, "POST", fmt.Sprintf("%s/placements/%d%s", api, created.ID, path), payload)
		if code != want {
			t.Fatalf("POST placement%s as %s = %d %s; want %d", path, user, code, body, want)
		}
		return body
	}
	grabovac := recorderBed(t, s.DB, "dom-grabovac", institutions.GenderFemale)
	step("ana.caseworker", "/referral", fmt.Sprintf(`{"institution_id":"dom-mladost","bed_id":%d}`, grabovac), http.StatusBadRequest)
	step("ana.caseworker", "/referral", fmt.Sprintf(`{"institution_id":"dom-bijelo-polje","bed_id":%d}`, recorderBed(t, s.DB, "dom-bijelo-polje", institutions.GenderAny)), http.StatusOK)
	step("bojana.social", "/answer", `{"answer":"accept"}`, http.StatusNotFound) // not Grabovac's referral
	step("senad.social", "/answer", `{"answer":"refuse","reason":"no bed with the care she needs"}`, http.StatusOK)
	if code, body := as(t, "senad.social", "GET", fmt.Sprintf("%s/placements/%d", api, created.ID), ""); code != http.StatusNotFound {
		t.Errorf("the home that refused her still reads her placement = %d %s; want 404", code, body)
	}
	step("ana.caseworker", "/referral", fmt.Sprintf(`{"institution_id":"dom-grabovac","bed_id":%d}`, grabovac), http.StatusOK)
	step("bojana.social", "/answer", `{"answer":"accept"}`, http.StatusOK)
	step("ana.caseworker", "/decision", `{"monthly_cost":"450.00","budget_line":"maintenance_in_homes","resident_income":"380.55"}`, http.StatusOK)
	step("ana.caseworker", "/decision/approve", "", http.StatusForbidden) // four eyes
	step("marko.supervisor", "/decision/approve", "", http.StatusOK)
	step("rade.gate", "/admission", fmt.Sprintf(`{"day":%q}`, time.Now().Format(time.DateOnly)), http.StatusOK)
	var placed struct {
		State     string
		CoPayment string `json:"copayment"`
	}
	code, body = as(t, "ana.caseworker", "GET", fmt.Sprintf("%s/placements/%d", api, created.ID), "")
	if code != 200 || json.Unmarshal(body, &placed) != nil || placed.State != "admitted" || placed.CoPayment == "" {
		t.Fatalf("the placement after admission = %d %s", code, body)
	}

	// A nurse gives her a medicine from the pharmacy's stock.
	var med, presc, dose struct{ ID int64 }
	askJSON(t, "olivera.pharmacist", "POST", api+"/medicines", `{"name":"Enalapril","form":"tablet","strength":"10 mg","unit":"piece","low_stock":"10"}`, http.StatusCreated, &med)
	askJSON(t, "olivera.pharmacist", "POST", fmt.Sprintf("%s/medicines/%d/batches", api, med.ID),
		fmt.Sprintf(`{"batch":"EN-2027","expires_on":%q,"quantity":"60"}`, time.Now().AddDate(1, 0, 0).Format(time.DateOnly)), http.StatusCreated, nil)
	resident := fmt.Sprintf("%s/residents/%d", api, created.ID)
	askJSON(t, "milan.nurse", "POST", resident+"/prescriptions", fmt.Sprintf(`{"medicine_id":%d,"dose":"1","times":["08:00"]}`, med.ID), http.StatusCreated, &presc)
	askJSON(t, "milan.nurse", "POST", resident+"/doses", fmt.Sprintf(`{"prescription_id":%d,"time":"08:00"}`, presc.ID), http.StatusCreated, &dose)

	// The cashier pays in her pension and charges the month's co-payment.
	account := fmt.Sprintf("%s/cash-desk/accounts/%d", api, created.ID)
	askJSON(t, "dejan.cashier", "POST", account+"/entries", `{"kind":"pension","amount":"380.55"}`, http.StatusCreated, nil)
	askJSON(t, "dejan.cashier", "POST", api+"/cash-desk/co-payments", fmt.Sprintf(`{"month":%q}`, time.Now().Format("2006-01")), http.StatusOK, nil)
	code, body = as(t, "dejan.cashier", "GET", account, "")
	if code != 200 || !strings.Contains(string(body), `"copayment"`) || !strings.Contains(string(body), placed.CoPayment) {
		t.Fatalf("her account after the co-payment (%s) = %d %s", placed.CoPayment, code, body)
	}

	// A visitor is logged in and out at the gatehouse.
	var visit struct{ ID int64 }
	askJSON(t, "rade.gate", "POST", api+"/gatehouse/visits",
		fmt.Sprintf(`{"placement_id":%d,"visitor_name":"Milica Vukić","visitor_document":"LK0012345","relation":"kći"}`, created.ID), http.StatusCreated, &visit)
	askJSON(t, "rade.gate", "POST", fmt.Sprintf("%s/gatehouse/visits/%d/departure", api, visit.ID), `{}`, http.StatusOK, nil)

	// The centre sees the placement on its case; the compartments hold.
	code, body = as(t, "ana.caseworker", "GET", api+"/cases/"+opened.Number, "")
	var file struct {
		History []struct{ Kind, Summary string }
	}
	if code != 200 || json.Unmarshal(body, &file) != nil {
		t.Fatalf("the case = %d %s", code, body)
	}
	placements := 0
	for _, e := range file.History {
		if e.Kind == "placement" {
			placements++
		}
	}
	if placements < 5 {
		t.Errorf("the case shows %d placement events; want the proposal, referrals, answers, decision and admission: %s", placements, body)
	}
	if code, body := as(t, "ana.caseworker", "GET", resident+"/medical-records", ""); code != http.StatusNotFound {
		t.Errorf("the centre's caseworker reads her medical records = %d %s; want 404", code, body)
	}
	if code, body := as(t, "bojana.social", "GET", api+"/persons/"+string(elder.ID), ""); code != http.StatusNotFound && code != http.StatusForbidden {
		t.Errorf("the home's social worker reads her e-file = %d %s; want 404", code, body)
	}
}

// askJSON sends a request as user, wants status, and decodes the answer
// into into (when not nil).
func askJSON(t *testing.T, user, method, url, payload string, status int, into any) {
	t.Helper()
	code, body := as(t, user, method, url, payload)
	if code != status {
		t.Fatalf("%s %s as %s = %d %s; want %d", method, url, user, code, body, status)
	}
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
	}
}

// eventually retries ok every 100 ms for up to 30 s.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if ok() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30 s", what)
		}
	}
}
