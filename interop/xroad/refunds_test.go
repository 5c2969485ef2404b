package xroad_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/interop/xroad"
)

// TestFetchRefundServices asks the services of the employers' refunds
// (M4, IOPPD, sick-leave certificates) with the same protocol as the
// evidence services, and their faults apply to them the same way.
func TestFetchRefundServices(t *testing.T) {
	c, s := newClient(t, sim.Faults{})
	ctx := context.Background()
	var emp sim.Member
	for i := 0; i < pop.Size() && emp.JMBG == ""; i++ {
		for _, m := range pop.Household(i).Members {
			if m.EmployerPIB == sim.DemoEmployerPIB && m.Sex == domain.SexFemale {
				emp = m
				break
			}
		}
	}
	if emp.JMBG == "" {
		t.Fatal("no employee of the demo employer in the population")
	}
	s.IssueSickLeave(emp.JMBG, domain.SickLeaveCertificate{From: "2026-07-01", To: "2026-10-06", Reason: "maternity"})
	for _, in := range domain.RefundServices() {
		a, err := c.Fetch(ctx, in.Source, emp.JMBG, "RN-2026-000001")
		if err != nil {
			t.Fatalf("Fetch(%s): %v", in.Source, err)
		}
		if len(a.Facts) != 1 || a.Facts[0].Kind != in.Kinds[0] || a.RequestID == "" || len(a.ResponseHash) != 64 {
			t.Fatalf("Fetch(%s) = %+v", in.Source, a)
		}
		switch in.Source {
		case domain.SourceInsuredPeriods:
			var f domain.InsuredPeriodsFact
			_ = json.Unmarshal(a.Facts[0].Value, &f)
			if len(f.Periods) == 0 || f.Periods[0].EmployerPIB != sim.DemoEmployerPIB || f.Periods[0].To != "" {
				t.Errorf("M4 = %+v; want an open period with the demo employer first", f)
			}
		case domain.SourceSalaryReports:
			var f domain.SalaryReportsFact
			_ = json.Unmarshal(a.Facts[0].Value, &f)
			if len(f.Reports) == 0 || !f.Reports[len(f.Reports)-1].Gross.IsPositive() {
				t.Errorf("IOPPD = %+v; want monthly reports", f)
			}
		case domain.SourceSickLeave:
			var f domain.SickLeaveFact
			_ = json.Unmarshal(a.Facts[0].Value, &f)
			if len(f.Certificates) != 1 || f.Certificates[0].Number == "" || f.Certificates[0].Reason != "maternity" {
				t.Errorf("certificates = %+v; want the one issued", f)
			}
		}
	}
	s.SetFaults(sim.Faults{Down: []domain.Source{domain.SourceInsuredPeriods}})
	if _, err := c.Fetch(ctx, domain.SourceInsuredPeriods, emp.JMBG, ""); !errors.Is(err, xroad.ErrUnavailable) {
		t.Errorf("M4 down: %v; want ErrUnavailable", err)
	}
	if _, err := c.Fetch(ctx, domain.SourceSalaryReports, emp.JMBG, ""); err != nil {
		t.Errorf("IOPPD while M4 is down: %v", err)
	}
}
