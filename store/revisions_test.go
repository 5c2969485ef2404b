package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// revisedRight grants an MO right to a new person (serial makes the JMBG)
// with its next revision on next.
func revisedRight(t *testing.T, db *store.DB, serial int, next string) store.Entitlement {
	t.Helper()
	ctx := context.Background()
	j, _ := domain.MakeJMBG(time.Date(1980, 3, 1, 0, 0, 0, 0, time.UTC), 21, serial)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
	p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Ana", FamilyName: "Perović", Address: addr})
	p, err := db.CreatePerson(ctx, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, CentreID: p.CentreID, Consent: true,
		FiledBy: "ana.caseworker", Period: from, Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "MO",
		Amount: decimal.RequireFromString("87.91"), PeriodFrom: from, PreparedBy: "a", ApprovedBy: "b", IssuedAt: from})
	if err != nil {
		t.Fatal(err)
	}
	nr := revDate(next)
	e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		Amount: decimal.RequireFromString("87.91"), Periodicity: "monthly", ValidFrom: from, NextRevision: &nr})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func revDate(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func dueIDs(t *testing.T, db *store.DB, day string, after store.DueRight, limit int) []string {
	t.Helper()
	ds, err := db.DueRevisions(context.Background(), revDate(day), after, limit)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.EntitlementID)
	}
	return out
}

// TestRevisionsOfARight: due rights are listed a page at a time, never one
// being revised; a revision starts once, completes once and sets the
// next date; its decision is issued once per source beside the claim's own.
func TestRevisionsOfARight(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	a := revisedRight(t, db, 101, "2024-07-01")
	b := revisedRight(t, db, 102, "2024-07-01")
	c := revisedRight(t, db, 103, "2024-08-01")
	if a.ID > b.ID {
		a, b = b, a
	}
	if got := dueIDs(t, db, "2024-07-15", store.DueRight{}, 10); len(got) != 2 || got[0] != a.ID || got[1] != b.ID {
		t.Fatalf("due on 15 July: %v; want %s, %s", got, a.ID, b.ID)
	}
	page := dueIDs(t, db, "2024-08-01", store.DueRight{}, 1)
	page2 := dueIDs(t, db, "2024-08-01", store.DueRight{EntitlementID: page[0], Due: revDate("2024-07-01")}, 5)
	if len(page) != 1 || len(page2) != 2 || page[0] != a.ID || page2[0] != b.ID || page2[1] != c.ID {
		t.Fatalf("keyset pages: %v then %v", page, page2)
	}

	if _, err := db.StartRevision(ctx, store.Revision{ID: "revision/x", EntitlementID: "not-a-uuid", Trigger: "manual", StartedBy: "a"}); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("unknown right: %v", err)
	}
	in := store.Revision{ID: "revision/" + a.ID + "/2024-07-01", EntitlementID: a.ID, Due: revDate("2024-07-01"), Trigger: "schedule", StartedBy: "system"}
	r, err := db.StartRevision(ctx, in)
	if err != nil || r.State != "running" || r.CentreID != "csr-podgorica" || r.AmountBefore.Decimal.StringFixed(2) != "87.91" || r.Benefit != "MO" {
		t.Fatalf("start: %+v, %v", r, err)
	}
	if again, err := db.StartRevision(ctx, in); err != nil || again.ID != r.ID {
		t.Fatalf("start again: %+v, %v", again, err)
	}
	other := in
	other.ID = "revision/" + a.ID + "/manual"
	if _, err := db.StartRevision(ctx, other); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("a second revision while one runs: %v", err)
	}
	if got := dueIDs(t, db, "2024-07-15", store.DueRight{}, 10); len(got) != 1 || got[0] != b.ID {
		t.Fatalf("due while a is revised: %v", got)
	}
	running, err := db.RevisionBoard(ctx, store.RevisionBoardFilter{CentreID: "csr-podgorica", Running: true})
	if err != nil || len(running) != 1 || running[0].RevisionID != r.ID || running[0].BeneficiaryName != "Ana Perović" {
		t.Fatalf("board, running: %+v, %v", running, err)
	}
	overdue, _ := db.RevisionBoard(ctx, store.RevisionBoardFilter{CentreID: "csr-podgorica", To: revDate("2024-07-15")})
	elsewhere, _ := db.RevisionBoard(ctx, store.RevisionBoardFilter{CentreID: "csr-niksic"})
	if len(overdue) != 2 || len(elsewhere) != 0 {
		t.Fatalf("board before 15 July: %d; another centre's: %d", len(overdue), len(elsewhere))
	}

	err = db.SaveRevisionProposal(ctx, r.ID, store.RevisionProposal{Proposal: "change", Period: revDate("2024-08-01"), Eligible: true,
		Amount: decimal.RequireFromString("50.5"), Lines: []byte(`[{"what":"amount","value":"50.50","source":"result"}]`),
		Situation: []byte(`{"Period":"2024-08-01T00:00:00Z","Members":[{"ID":"revised"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueRightDecision(ctx, store.Decision{ClaimNumber: a.ClaimNumber, CentreID: r.CentreID, Kind: "revision_change", Benefit: "MO",
		Amount: decimal.RequireFromString("50.50"), PeriodFrom: revDate("2024-08-01"), PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor",
		IssuedAt: revDate("2024-07-20")}, a.ID, "revision:"+r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := db.IssueRightDecision(ctx, store.Decision{ClaimNumber: a.ClaimNumber, CentreID: r.CentreID, Kind: "revision_change",
		Benefit: "MO", PreparedBy: "x", ApprovedBy: "y", IssuedAt: revDate("2024-07-21")}, a.ID, "revision:"+r.ID); err != nil || again.ID != d.ID {
		t.Fatalf("issue again: %v, %v", again.ID, err)
	}
	if first, err := db.DecisionOfClaim(ctx, a.ClaimNumber); err != nil || first.Kind != "grant" {
		t.Fatalf("the claim's decision after a revision's: %+v, %v", first, err)
	}
	next, eff := revDate("2025-01-01"), revDate("2024-08-01")
	done := store.RevisionOutcome{ID: r.ID, State: "changed", DecisionID: d.ID, EffectiveFrom: &eff, NextRevision: &next,
		PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor", At: revDate("2024-07-20")}
	for i := 0; i < 2; i++ {
		if err := db.CompleteRevision(ctx, done); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := db.RevisionByID(ctx, r.ID)
	e, _ := db.EntitlementByID(ctx, a.ID)
	if got.State != "changed" || got.Stage != "done" || got.DecisionID != d.ID || got.AmountAfter.Decimal.StringFixed(2) != "50.50" ||
		e.NextRevision == nil || !e.NextRevision.Equal(next) || len(got.Lines) < 10 {
		t.Fatalf("completed: %+v; right's next revision %v", got, e.NextRevision)
	}
	if !strings.Contains(string(e.Basis), `"revised"`) {
		t.Fatalf("the right's basis after a revision that changed it: %s; want the revision's situation", e.Basis)
	}
	if list, _ := db.RevisionsOf(ctx, a.ID); len(list) != 1 {
		t.Fatalf("revisions of a: %d", len(list))
	}

	end := store.Version{EntitlementID: c.ID, RightVersion: domain.RightVersion{From: revDate("2024-09-01"), State: domain.RightEnded,
		Reason: domain.ReasonRevision}, Source: "revision:test", CreatedBy: "test"}
	if _, _, err := db.AddVersion(ctx, end); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RightToRevise(ctx, c.ID); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("an ended right: %v", err)
	}
	if _, err := db.StartRevision(ctx, store.Revision{ID: "revision/" + c.ID + "/x", EntitlementID: c.ID, Trigger: "manual", StartedBy: "a"}); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("revising an ended right: %v", err)
	}
	if got := dueIDs(t, db, "2025-12-31", store.DueRight{}, 10); len(got) != 2 {
		t.Fatalf("an ended right is never due: %v", got)
	}
}
