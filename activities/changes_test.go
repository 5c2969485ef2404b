package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/testsuite"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/store"
)

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// childAllowance links a household (a head and two children, born 1 Mar
// 2008 and 9 Jul 2012) and grants the head a child allowance of 60.00 from
// 1 Jan 2025 carried over without its basis. Returns the right and the
// members.
func childAllowance(t *testing.T, db *store.DB, register string, serial int) (store.Entitlement, []domain.Person) {
	t.Helper()
	ctx := context.Background()
	link := store.HouseholdLink{RegisterNumber: register}
	link.Address, _ = domain.ParseAddress("Podgorica", "Podgorica", "Njegoševa 1")
	for i, m := range []struct {
		birth string
		rel   domain.Relation
	}{{"1980-05-05", domain.RelationHead}, {"2008-03-01", domain.RelationChild}, {"2012-07-09", domain.RelationChild}} {
		j, err := domain.MakeJMBG(date(m.birth), 21, serial+i)
		if err != nil {
			t.Fatal(err)
		}
		link.Members = append(link.Members, store.HouseholdLinkMember{JMBG: j, GivenName: "Vesna", FamilyName: "Radulović",
			BirthDate: date(m.birth), Sex: domain.SexFemale, Relation: m.rel})
	}
	if _, err := db.LinkHousehold(ctx, link); err != nil {
		t.Fatal(err)
	}
	var ps []domain.Person
	var ids []domain.PersonID
	for _, m := range link.Members {
		p, err := db.PersonByJMBG(ctx, m.JMBG)
		if err != nil {
			t.Fatal(err)
		}
		ps, ids = append(ps, p), append(ids, p.ID)
	}
	from := date("2025-01-01")
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: "DD", ApplicantID: ids[0], SubjectID: ids[0], CentreID: ps[0].CentreID, Consent: true,
		FiledBy: "migration", Period: from, Members: ids})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: ps[0].CentreID, Kind: "grant", Benefit: "DD",
		Amount: decimal.RequireFromString("60"), PeriodFrom: from, PreparedBy: "migration", ApprovedBy: "migration-check", IssuedAt: from})
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "DD", BeneficiaryID: ids[0],
		Amount: decimal.RequireFromString("60"), Periodicity: "monthly", ValidFrom: from})
	if err != nil {
		t.Fatal(err)
	}
	return e, ps
}

func run[T any](t *testing.T, env *testsuite.TestActivityEnvironment, fn any, in any) T {
	t.Helper()
	v, err := env.ExecuteActivity(fn, in)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := v.Get(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeathMidMonthEndsTheRight: a death on 14 March published by the
// population register ends the dead holder's child allowance from 15
// March (March owed 14/31), opens a task to close it by decision, and a
// second delivery of the same change does nothing more. A change for a
// JMBG Karton does not know is kept, unmatched.
func TestDeathMidMonthEndsTheRight(t *testing.T) {
	a, s, env := setup(t)
	a.Params = benefits.MustLoadParams()
	ctx := context.Background()
	e, ps := childAllowance(t, a.DB, "DOM-DEATH-1", 410)
	stranger, _ := domain.MakeJMBG(date("1950-01-01"), 21, 900)
	death, err := s.InjectChange(sim.ChangeInjection{Kind: domain.ChangeDeath, JMBG: string(ps[0].JMBG), Date: "2026-03-14"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.InjectChange(sim.ChangeInjection{Kind: domain.ChangeDeath, JMBG: string(stranger), Date: "2026-03-10"}); err != nil {
		t.Fatal(err)
	}
	polled := run[activities.PollFeedResult](t, env, a.PollFeed, activities.PollFeedInput{Feed: domain.SourcePopulation})
	if polled.Stored != 2 || polled.More {
		t.Fatalf("poll = %+v; want 2 stored", polled)
	}
	if again := run[activities.PollFeedResult](t, env, a.PollFeed, activities.PollFeedInput{Feed: domain.SourcePopulation}); again.Stored != 0 {
		t.Fatalf("poll again = %+v; want nothing new", again)
	}
	next := run[activities.NextChangesResult](t, env, a.NextChanges, activities.NextChangesInput{})
	if len(next.IDs) != 1 || next.IDs[0] != death.ID {
		t.Fatalf("changes to apply = %+v; want the death only (the stranger's is unmatched)", next)
	}
	wf := "change/" + death.ID
	res := run[activities.ApplyChangeResult](t, env, a.ApplyChange, activities.ApplyChangeInput{ID: death.ID, WorkflowID: wf})
	if res.Done || res.State != domain.ChangeApplied || len(res.Tasks) != 1 || len(res.Revise) != 0 || len(res.Outcome) != 1 ||
		res.Outcome[0].Action != "ended" || res.Outcome[0].From != "2026-03-15" {
		t.Fatalf("apply = %+v", res)
	}
	vs, err := a.DB.Versions(ctx, e.ID)
	if err != nil || len(vs) != 2 || vs[1].Reason != domain.ReasonDeath || vs[1].State != domain.RightEnded || !vs[1].From.Equal(date("2026-03-15")) ||
		vs[1].Source != "change:"+death.ID {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	march := store.Timeline(vs).MonthlyOwed(domain.MonthOf(date("2026-03-01")))
	if !march.Amount.Equal(decimal.RequireFromString("27.10")) { // 60 × 14/31
		t.Errorf("March owes %s; want 27.10 (14 of 31 days): %+v", march.Amount, march.Lines)
	}
	if april := store.Timeline(vs).MonthlyOwed(domain.MonthOf(date("2026-04-01"))); !april.Amount.IsZero() {
		t.Errorf("April owes %s; want nothing", april.Amount)
	}
	if got, err := a.DB.EntitlementByID(ctx, e.ID); err != nil || got.State != string(domain.RightEnded) || got.ValidTo == nil || !got.ValidTo.Equal(date("2026-03-14")) {
		t.Errorf("right after the death = %+v, %v", got, err)
	}
	task, err := a.DB.TaskByID(ctx, res.Tasks[0].ID)
	if err != nil || task.Type != activities.TaskChangeCloseRight || task.WorkflowID != wf || task.Subject != e.ID || task.PersonID != ps[0].ID ||
		task.State != "open" || task.CentreID != ps[0].CentreID {
		t.Fatalf("task = %+v, %v", task, err)
	}
	do(t, env, a.FinishChange, activities.FinishChangeInput{ID: death.ID, State: res.State, Outcome: res.Outcome})

	// a second delivery of the same change: stored once, applied once
	if n, err := a.DB.StoreChanges(ctx, "population", mustCursor(t, a.DB), "again", []store.ChangeEvent{{ID: death.ID, Source: "population",
		JMBG: ps[0].JMBG, Kind: domain.ChangeDeath, OccurredOn: date("2026-03-14")}}); err != nil || n != 0 {
		t.Fatalf("second delivery stored %d, %v", n, err)
	}
	again := run[activities.ApplyChangeResult](t, env, a.ApplyChange, activities.ApplyChangeInput{ID: death.ID, WorkflowID: wf})
	if !again.Done || len(again.Tasks) != 0 || again.State != domain.ChangeApplied {
		t.Fatalf("apply again = %+v; want done, nothing new", again)
	}
	if vs2, _ := a.DB.Versions(ctx, e.ID); len(vs2) != 2 {
		t.Errorf("versions after the second delivery = %d; want 2", len(vs2))
	}
	tasks, err := a.DB.Tasks(ctx, store.TaskFilter{CentreID: ps[0].CentreID, State: "open"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tasks); n != 1 {
		t.Errorf("open tasks = %d; want the one close task", n)
	}
	un, err := a.DB.Changes(ctx, store.ChangeFilter{State: domain.ChangeUnmatched})
	if err != nil || len(un) != 1 || un[0].JMBG != stranger {
		t.Errorf("unmatched = %+v, %v", un, err)
	}
}

func do(t *testing.T, env *testsuite.TestActivityEnvironment, fn any, in any) {
	t.Helper()
	if _, err := env.ExecuteActivity(fn, in); err != nil {
		t.Fatal(err)
	}
}

func mustCursor(t *testing.T, db *store.DB) string {
	t.Helper()
	c, err := db.FeedCursor(context.Background(), "population")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestChildComesOfAgeAndOtherChanges: the daily check finds the child who
// turned 18 on 1 March 2026 and the family's allowance is re-rated from
// that day, ex officio (two children to one); a new income of the head only
// proposes a reassessment; a child's death proposes the household's.
func TestChildComesOfAgeAndOtherChanges(t *testing.T) {
	a, s, env := setup(t)
	a.Params = benefits.MustLoadParams()
	ctx := context.Background()
	e, ps := childAllowance(t, a.DB, "DOM-AGE-1", 420)
	next := run[activities.NextChangesResult](t, env, a.NextChanges, activities.NextChangesInput{Day: "2026-03-05"})
	if next.Adulthood != 1 || len(next.IDs) != 1 {
		t.Fatalf("daily check = %+v; want the child who turned 18", next)
	}
	res := run[activities.ApplyChangeResult](t, env, a.ApplyChange, activities.ApplyChangeInput{ID: next.IDs[0], WorkflowID: "change/" + next.IDs[0]})
	if res.State != domain.ChangeApplied || len(res.Outcome) != 1 || res.Outcome[0].Action != "rerated" || len(res.Tasks) != 0 || len(res.Revise) != 0 {
		t.Fatalf("apply adulthood = %+v", res)
	}
	vs, _ := a.DB.Versions(ctx, e.ID)
	if len(vs) != 2 || !vs[1].From.Equal(date("2026-03-01")) || !vs[1].Amount.Equal(decimal.RequireFromString("30")) || vs[1].Reason != domain.ReasonChange {
		t.Fatalf("versions = %+v", vs)
	}
	do(t, env, a.FinishChange, activities.FinishChangeInput{ID: next.IDs[0], State: res.State, Outcome: res.Outcome})
	if again := run[activities.NextChangesResult](t, env, a.NextChanges, activities.NextChangesInput{Day: "2026-03-06"}); again.Adulthood != 0 || len(again.IDs) != 0 {
		t.Fatalf("the next day's check = %+v; want nothing new", again)
	}

	income, _ := s.InjectChange(sim.ChangeInjection{Kind: domain.ChangeIncome, JMBG: string(ps[0].JMBG), Date: "2026-03-02"})
	childDied, _ := s.InjectChange(sim.ChangeInjection{Kind: domain.ChangeDeath, JMBG: string(ps[2].JMBG), Date: "2026-03-03"})
	run[activities.PollFeedResult](t, env, a.PollFeed, activities.PollFeedInput{Feed: domain.SourceTax})
	run[activities.PollFeedResult](t, env, a.PollFeed, activities.PollFeedInput{Feed: domain.SourcePopulation})
	for _, c := range []struct {
		id, state string
	}{{income.ID, domain.ChangeProposed}, {childDied.ID, domain.ChangeApplied}} {
		res := run[activities.ApplyChangeResult](t, env, a.ApplyChange, activities.ApplyChangeInput{ID: c.id, WorkflowID: "change/" + c.id})
		if res.State != c.state || len(res.Revise) != 1 || res.Revise[0] != e.ID || len(res.Tasks) != 0 || res.Outcome[0].Action != "proposed" {
			t.Errorf("apply %s = %+v; want a reassessment proposed", c.id, res)
		}
	}
	if vs, _ := a.DB.Versions(ctx, e.ID); len(vs) != 2 {
		t.Errorf("versions after the proposals = %d; want 2 (no amount changed without a caseworker)", len(vs))
	}
}
