package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// family links a household of a head (born 1980) and two children (born
// 1 Mar 2008 and 2012) and grants the child allowance to the head, with the
// children as members, from from. Returns the right and the members.
func family(t *testing.T, db *store.DB, from time.Time) (store.Entitlement, []domain.Person) {
	t.Helper()
	ctx := context.Background()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	var link store.HouseholdLink
	link.RegisterNumber = "DOM-CHG-1"
	link.Address, _ = domain.ParseAddress("Podgorica", "Podgorica", "Njegoševa 1")
	for i, m := range []struct {
		birth time.Time
		rel   domain.Relation
	}{{day(1980, 5, 5), domain.RelationHead}, {day(2008, 3, 1), domain.RelationChild}, {day(2012, 7, 9), domain.RelationChild}} {
		j, err := domain.MakeJMBG(m.birth, 21, 400+i)
		if err != nil {
			t.Fatal(err)
		}
		link.Members = append(link.Members, store.HouseholdLinkMember{JMBG: j, GivenName: "Ana", FamilyName: "Perović", BirthDate: m.birth,
			Sex: domain.SexFemale, Relation: m.rel})
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
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: "DD", ApplicantID: ids[0], SubjectID: ids[0], CentreID: ps[0].CentreID, Consent: true,
		FiledBy: "ana.caseworker", Period: from, Members: ids})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: ps[0].CentreID, Kind: "grant", Benefit: "DD",
		Amount: decimal.RequireFromString("60"), PeriodFrom: from, PreparedBy: "a", ApprovedBy: "b", IssuedAt: from})
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "DD", BeneficiaryID: ids[0],
		Amount: decimal.RequireFromString("60"), Periodicity: "monthly", ValidFrom: from, CreatedBy: "b"})
	if err != nil {
		t.Fatal(err)
	}
	return e, ps
}

// TestChangeFeedCursorExactlyOnce: a page is stored with its cursor in one
// transaction; the same page again (a retried poll) is refused and stores
// nothing; an event delivered twice is stored once; a change for a JMBG
// Karton does not know is kept unmatched, listed for the operator, and
// matched once the person is registered.
func TestChangeFeedCursorExactlyOnce(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	_, ps := family(t, db, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	day := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	stranger, _ := domain.MakeJMBG(time.Date(1990, 2, 2, 0, 0, 0, 0, time.UTC), 21, 777)
	ev := func(id string, j domain.JMBG, k domain.ChangeKind) store.ChangeEvent {
		return store.ChangeEvent{ID: id, Source: "population", JMBG: j, Kind: k, OccurredOn: day}
	}
	if c, err := db.FeedCursor(ctx, "population"); err != nil || c != "" {
		t.Fatalf("cursor before the first poll = %q, %v", c, err)
	}
	n, err := db.StoreChanges(ctx, "population", "", "e.2", []store.ChangeEvent{ev("P-1", ps[0].JMBG, domain.ChangeDeath), ev("P-2", stranger, domain.ChangeMove)})
	if err != nil || n != 2 {
		t.Fatalf("first page: %d, %v", n, err)
	}
	// the same page again: another poll took it
	if n, err := db.StoreChanges(ctx, "population", "", "e.2", []store.ChangeEvent{ev("P-1", ps[0].JMBG, domain.ChangeDeath)}); domain.ErrorCode(err) != domain.CodeConflict || n != 0 {
		t.Fatalf("the same page again: %d, %v; want a conflict", n, err)
	}
	// an event delivered again in a later page is stored once
	n, err = db.StoreChanges(ctx, "population", "e.2", "e.3", []store.ChangeEvent{ev("P-2", stranger, domain.ChangeMove), ev("P-3", ps[1].JMBG, domain.ChangeMove)})
	if err != nil || n != 1 {
		t.Fatalf("second page: %d, %v; want 1 new", n, err)
	}
	if c, _ := db.FeedCursor(ctx, "population"); c != "e.3" {
		t.Errorf("cursor = %q; want e.3", c)
	}
	if c, _ := db.FeedCursor(ctx, "tax"); c != "" {
		t.Errorf("another feed's cursor = %q", c)
	}
	ids, err := db.NewChanges(ctx, 10)
	if err != nil || len(ids) != 2 || ids[0] != "P-1" || ids[1] != "P-3" {
		t.Fatalf("new changes = %v, %v; want P-1, P-3", ids, err)
	}
	death, err := db.Change(ctx, "P-1")
	if err != nil || death.PersonID != ps[0].ID || death.State != domain.ChangeNew || death.Kind != domain.ChangeDeath || !death.OccurredOn.Equal(day) {
		t.Fatalf("P-1 = %+v, %v", death, err)
	}

	// unmatched: kept, listed, matched when the person is registered
	un, err := db.Changes(ctx, store.ChangeFilter{State: domain.ChangeUnmatched})
	if err != nil || len(un) != 1 || un[0].ID != "P-2" || un[0].PersonID != "" || un[0].JMBG != stranger {
		t.Fatalf("unmatched = %+v, %v", un, err)
	}
	if n, err := db.MatchChanges(ctx); err != nil || n != 0 {
		t.Fatalf("match before registration: %d, %v", n, err)
	}
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
	p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(stranger), GivenName: "Luka", FamilyName: "Đukić", Address: addr})
	p, err = db.CreatePerson(ctx, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.MatchChanges(ctx); err != nil || n != 1 {
		t.Fatalf("match after registration: %d, %v", n, err)
	}
	if c, _ := db.Change(ctx, "P-2"); c.PersonID != p.ID || c.State != domain.ChangeNew {
		t.Errorf("P-2 after registration = %+v", c)
	}

	// finished once: the first outcome stands
	out := []store.ChangeOutcome{{EntitlementID: "x", Benefit: "DD", Action: "ended"}}
	if ok, err := db.FinishChange(ctx, "P-1", domain.ChangeApplied, out, day); err != nil || !ok {
		t.Fatalf("finish: %v, %v", ok, err)
	}
	if ok, err := db.FinishChange(ctx, "P-1", domain.ChangeProposed, nil, day); err != nil || ok {
		t.Fatalf("finish again: %v, %v; want no change", ok, err)
	}
	if c, _ := db.Change(ctx, "P-1"); c.State != domain.ChangeApplied || len(c.Outcome) != 1 || c.Outcome[0].Action != "ended" {
		t.Errorf("P-1 finished = %+v", c)
	}
	if mine, err := db.Changes(ctx, store.ChangeFilter{PersonID: ps[0].ID}); err != nil || len(mine) != 1 || mine[0].ID != "P-1" {
		t.Errorf("changes of the head = %+v, %v", mine, err)
	}
}

// TestRightsTouchedAndAdulthood: a change of the head touches the child
// allowance as its own right, a child's as a member's; the daily check
// records a child's 18th birthday once, and only once it has come.
func TestRightsTouchedAndAdulthood(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	e, ps := family(t, db, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	head, err := db.RightsTouchedBy(ctx, ps[0].ID)
	if err != nil || len(head) != 1 || head[0].EntitlementID != e.ID || !head[0].Own || head[0].BeneficiaryID != ps[0].ID || head[0].CentreID == "" {
		t.Fatalf("rights of the head = %+v, %v", head, err)
	}
	child, err := db.RightsTouchedBy(ctx, ps[1].ID)
	if err != nil || len(child) != 1 || child[0].Own {
		t.Fatalf("rights of a child = %+v, %v", child, err)
	}
	if n, err := db.RecordAdulthood(ctx, "DD", 18, time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)); err != nil || n != 0 {
		t.Fatalf("the day before the 18th birthday: %d, %v", n, err)
	}
	for range 2 {
		if _, err := db.RecordAdulthood(ctx, "DD", 18, time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Changes(ctx, store.ChangeFilter{PersonID: ps[1].ID})
	if err != nil || len(got) != 1 || got[0].Kind != domain.ChangeAdulthood || got[0].OccurredOn.Format(time.DateOnly) != "2026-03-01" ||
		got[0].State != domain.ChangeNew || got[0].Feed != domain.FeedKarton {
		t.Fatalf("adulthood = %+v, %v", got, err)
	}
	// an ended right touches nothing
	if _, _, err := db.AddVersion(ctx, store.Version{EntitlementID: e.ID, RightVersion: domain.RightVersion{From: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		State: domain.RightEnded, Reason: domain.ReasonDeath}, Source: "change:x", CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	if rs, err := db.RightsTouchedBy(ctx, ps[0].ID); err != nil || len(rs) != 0 {
		t.Errorf("after the end: %+v, %v", rs, err)
	}
}
