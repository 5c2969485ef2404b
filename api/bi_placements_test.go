package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
)

// TestPivotOfPlacements: the pivot answers the placements fact (issue 22
// item 6). Six residents this month, four in Grabovac (the demo's) and two
// placed in Bijelo Polje: the month's cost of maintenance in homes in the
// pivot is GET /api/v1/institution-statistics's to the cent; by
// institution the cells of fewer than 5 persons are <5 and named by the
// institutions' names, never their ids; a dimension of another fact is a
// 400 naming the placements' dimensions.
func TestPivotOfPlacements(t *testing.T) {
	ts, db := newServerWith(t, nil)
	ctx := context.Background()
	for k := range 6 {
		j, err := domain.MakeJMBG(time.Date(1935+k, 4, 1, 0, 0, 0, 0, time.UTC), 21, 700+k)
		if err != nil {
			t.Fatal(err)
		}
		seedPerson(t, db, string(j), "Kotor", "Stana", "Vukić")
	}
	now := time.Now().UTC()
	if _, err := devstack.LoadDemoInstitutions(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	var others []string
	if err := db.Pool().QueryRow(ctx, `SELECT array_agg(id::text) FROM persons WHERE id NOT IN (SELECT person_id FROM placements)`).Scan(&others); err != nil || len(others) != 2 {
		t.Fatalf("persons not placed: %v %v", others, err)
	}
	cp, err := institutions.CoPay(institutions.CoPaymentInput{MonthlyCost: decimal.RequireFromString("480"), ResidentIncome: decimal.RequireFromString("350"),
		SingleMO: decimal.RequireFromString("80")})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range others {
		on := now.AddDate(0, 0, -40)
		if _, err := db.InsertPlacement(ctx, store.Placement{PersonID: domain.PersonID(id), CentreID: "csr-kotor", InstitutionID: "dom-bijelo-polje",
			State: store.PlacementAdmitted, AdmittedOn: &on, CreatedBy: "test",
			Decided: &store.DecisionFigures{MonthlyCost: decimal.RequireFromString("480"), CoPayment: cp, BudgetLine: store.BudgetMaintenanceInHomes, On: on}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.RefreshPlacementFacts(ctx, now); err != nil {
		t.Fatal(err)
	}
	month := now.Format("2006-01")

	var st struct {
		Costs []struct {
			Line                 string `json:"budget_line"`
			Placements           int
			Cost, Copayment, Net string
		}
	}
	code, b := doAs(t, ts, "luka.analyst", "GET", "/api/v1/institution-statistics?month="+month, "")
	if code != http.StatusOK || json.Unmarshal(b, &st) != nil || len(st.Costs) != 3 || st.Costs[0].Placements != 6 {
		t.Fatalf("statistics: %d %s", code, b)
	}
	var pv struct {
		Cells []struct {
			Keys, Labels []string
			Values       map[string]string
			Suppressed   bool
		}
	}
	code, b = doAs(t, ts, "luka.analyst", "GET", "/api/v1/bi/placements?axes=budget_line&filter=time.month="+month+"&lang=en", "")
	if code != http.StatusOK || json.Unmarshal(b, &pv) != nil || len(pv.Cells) != 1 {
		t.Fatalf("pivot by budget line: %d %s", code, b)
	}
	c, l := pv.Cells[0], st.Costs[0]
	if c.Suppressed || c.Labels[0] != "Maintenance in homes" || c.Values["persons"] != "6" || c.Values["placements"] != "6" ||
		!sameAmount(c.Values["amount"], l.Cost) || !sameAmount(c.Values["copayment"], l.Copayment) || !sameAmount(c.Values["net"], l.Net) {
		t.Errorf("the pivot's month %+v; the statistics' %+v", c, l)
	}

	code, b = doAs(t, ts, "luka.analyst", "GET", "/api/v1/bi/placements?axes=institution&filter=time.month="+month+"&filter=institution.institution=dom-grabovac,dom-bijelo-polje", "")
	if code != http.StatusOK || json.Unmarshal(b, &pv) != nil || len(pv.Cells) != 2 {
		t.Fatalf("pivot by institution: %d %s", code, b)
	}
	for _, c := range pv.Cells {
		if !c.Suppressed || c.Values["persons"] != "<5" || !strings.HasPrefix(c.Labels[0], `JU Dom za stare "`) {
			t.Errorf("a cell of fewer than 5 persons: %+v", c)
		}
	}
	if strings.Contains(string(b), `"labels":["dom-`) {
		t.Errorf("an institution named by its id: %s", b)
	}

	code, b = doAs(t, ts, "luka.analyst", "GET", "/api/v1/bi/placements?axes=benefit.benefit", "")
	if code != http.StatusBadRequest || !strings.Contains(string(b), `unknown dimension \"benefit\" of placements: one of time, organisation, institution, budget_line, sex, age`) {
		t.Errorf("a dimension of the payments: %d %s", code, b)
	}
}

func sameAmount(a, b string) bool {
	x, err1 := decimal.NewFromString(a)
	y, err2 := decimal.NewFromString(b)
	return err1 == nil && err2 == nil && x.Equal(y)
}
