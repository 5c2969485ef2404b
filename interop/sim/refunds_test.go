package sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
)

func TestEmployersAndTheirRecords(t *testing.T) {
	pop := NewPopulation(300)
	employed, demo := 0, 0
	months := map[int]bool{}
	for i := 0; i < pop.Size(); i++ {
		for _, m := range pop.Household(i).Members {
			if !m.EmployedNet.IsPositive() {
				if len(SalaryReports(m, domain.MonthOf(AsOf))) != 0 {
					t.Fatalf("%s is not employed but has salary reports", m.JMBG)
				}
				continue
			}
			employed++
			if _, err := domain.ParsePIB(m.EmployerPIB); err != nil {
				t.Fatalf("employer %s of %s: %v", m.EmployerPIB, m.JMBG, err)
			}
			if m.EmployerPIB == DemoEmployerPIB {
				demo++
			}
			ps := InsuredPeriods(m)
			if ps[0].EmployerPIB != m.EmployerPIB || ps[0].To != "" {
				t.Fatalf("M4 of %s: %+v; want the open period of its employer first", m.JMBG, ps)
			}
			since, _ := time.Parse(time.DateOnly, ps[0].From)
			months[(AsOf.Year()-since.Year())*12+int(AsOf.Month()-since.Month())] = true
			rs := SalaryReports(m, domain.MonthOf(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)))
			if len(rs) == 0 || rs[len(rs)-1].Month != "2026-06" || rs[len(rs)-1].EmployerPIB != m.EmployerPIB {
				t.Fatalf("IOPPD of %s: %+v", m.JMBG, rs)
			}
		}
	}
	if demo == 0 || demo*10 < employed || demo*3 > employed {
		t.Errorf("the demo employer employs %d of %d", demo, employed)
	}
	for _, k := range employedMonths {
		if !months[k] {
			t.Errorf("nobody employed for %d months before %s", k, AsOf.Format(time.DateOnly))
		}
	}
}

func TestSickLeaveKnob(t *testing.T) {
	s := NewServer(NewPopulation(5), Faults{})
	ts := httptest.NewServer(s)
	defer ts.Close()
	j := string(NewPopulation(5).Household(0).Members[0].JMBG)
	put := func(body string) int {
		req, _ := http.NewRequest(http.MethodPut, ts.URL+"/sim/sick-leave", bytes.NewBufferString(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := put(`{"jmbg":"` + j + `","from":"2026-07-01","to":"2026-10-06","reason":"maternity"}`); code != 200 {
		t.Fatalf("issue = %d", code)
	}
	for _, bad := range []string{`{"jmbg":"` + j + `","from":"2026-07-01","to":"2026-06-06","reason":"maternity"}`,
		`{"jmbg":"123","from":"2026-07-01","to":"2026-10-06","reason":"maternity"}`,
		`{"jmbg":"` + j + `","from":"2026-07-01","to":"2026-10-06","reason":"holiday"}`} {
		if code := put(bad); code != 400 {
			t.Errorf("%s = %d; want 400", bad, code)
		}
	}
	resp, err := http.Get(ts.URL + "/sim/sick-leave?jmbg=" + j)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct{ Certificates []domain.SickLeaveCertificate }
	_ = json.NewDecoder(resp.Body).Decode(&got)
	if len(got.Certificates) != 1 || got.Certificates[0].Number != "DZ-000001" {
		t.Errorf("certificates = %+v", got)
	}
}
