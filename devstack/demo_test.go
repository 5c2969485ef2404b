package devstack_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestDemoRights: the demo households get the rights they would have from
// before Karton (child allowance, and financial assistance where an adult
// is unemployed and nobody earns), once: loading again adds nothing.
func TestDemoRights(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	pop := sim.NewPopulation(200)
	if err := devstack.LoadDemo(ctx, db, pop, 200, nil); err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	dd, err := devstack.LoadDemoRights(ctx, db, pop, 200, today)
	if err != nil || dd == 0 {
		t.Fatalf("child allowance rights: %d, %v", dd, err)
	}
	mo, err := devstack.LoadDemoAssistance(ctx, db, pop, 200, today)
	if err != nil || mo == 0 {
		t.Fatalf("financial assistance rights: %d, %v", mo, err)
	}
	again, err := devstack.LoadDemoAssistance(ctx, db, pop, 200, today)
	if err != nil || again != 0 {
		t.Fatalf("loading again created %d more, %v", again, err)
	}
	t.Logf("%d child allowance and %d financial assistance rights in 200 households", dd, mo)
	// Every MO right has the basis its amount is recalculated from when
	// the law's parameters change (issue 16): recalculated now, the same.
	rows, err := db.Pool().Query(ctx, `SELECT amount, basis FROM entitlements WHERE benefit = 'MO'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	params := benefits.MustLoadParams()
	n := 0
	for rows.Next() {
		var amount decimal.Decimal
		var basis []byte
		if err := rows.Scan(&amount, &basis); err != nil {
			t.Fatal(err)
		}
		var s benefits.Situation
		if err := json.Unmarshal(basis, &s); err != nil {
			t.Fatalf("basis %s: %v", basis, err)
		}
		s.Period = today
		res, err := benefits.Calculate(params, benefits.MO, s)
		if err != nil || !res.Eligible || !res.Amount.Equal(amount) {
			t.Errorf("an MO right of %s recalculates to %v (%v, %v)", amount, res.Amount, res.Reasons, err)
		}
		n++
	}
	if n != mo {
		t.Errorf("%d MO rights with a basis; want %d", n, mo)
	}
}

// TestActivationExample: the walkthrough's person to refer is an adult on
// the unemployment register in a household with financial assistance.
func TestActivationExample(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	pop := sim.NewPopulation(300)
	if err := devstack.LoadDemo(ctx, db, pop, 300, nil); err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	if _, err := devstack.LoadDemoAssistance(ctx, db, pop, 300, today); err != nil {
		t.Fatal(err)
	}
	m, ok := devstack.ActivationExample(pop, 300, "csr-podgorica", today)
	if !ok || !m.Unemployed {
		t.Fatalf("no example: %+v %v", m, ok)
	}
	p, err := db.PersonByJMBG(ctx, m.JMBG)
	if err != nil || p.CentreID != "csr-podgorica" {
		t.Fatalf("the example %s: %+v %v", m.JMBG, p, err)
	}
	if _, err := db.ActiveAssistanceOf(ctx, p.ID, "MO"); err != nil {
		t.Fatalf("the example has no financial assistance: %v", err)
	}
}
