package activities_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// moRight grants person number i MO from from at amount, with the basis
// of a household of one with income (nil basis: none).
func moRight(t *testing.T, db *store.DB, i int, from time.Time, amount string, income *string) store.Entitlement {
	t.Helper()
	ctx := context.Background()
	j, _ := domain.MakeJMBG(time.Date(1975, 3, 3, 0, 0, 0, 0, time.UTC), 21, 500+i)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
	p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Test", FamilyName: "Osoba", Address: addr})
	p, err := db.CreatePerson(ctx, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, CentreID: p.CentreID, Consent: true, FiledBy: "seed", Period: from,
		Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "MO",
		Amount: decimal.RequireFromString(amount), PeriodFrom: from, PreparedBy: "a", ApprovedBy: "b", IssuedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	var basis []byte
	if income != nil {
		basis, _ = json.Marshal(benefits.Situation{Period: from, ApplicationDate: from, Members: []benefits.Member{{ID: string(p.ID), Name: "Test Osoba",
			BirthDate: p.BirthDate, Relation: domain.RelationHead, NetIncome: decimal.RequireFromString(*income)}}})
	}
	e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		Amount: decimal.RequireFromString(amount), Periodicity: "monthly", ValidFrom: from, Basis: basis})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func publish(t *testing.T, db *store.DB, name, from, value string) store.Reassessment {
	t.Helper()
	ctx := context.Background()
	d, _ := time.Parse(time.DateOnly, from)
	v, err := db.ProposeParameterValue(ctx, store.ParameterValue{Name: name, ValidFrom: d, Value: decimal.RequireFromString(value),
		LegalRef: "Sl. list CG 99/" + from[:4], ProposedBy: "vesna.ministry"})
	if err != nil {
		t.Fatal(err)
	}
	_, r, err := db.ApproveParameterValue(ctx, v.ID, "goran.ministry", []string{"MO"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReassessChunks: a new MO threshold re-rates the rights with a basis
// from its day on, in chunks, each right once even when a chunk is asked
// again; the rights without a basis are counted and listed; a claim
// calculated afterwards reads the new value.
func TestReassessChunks(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	a := &activities.Activities{DB: db, Params: benefits.MustLoadParams(), Now: time.Now}
	jan24 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	zero, ten := "0", "10"
	var rights []store.Entitlement
	for i := 0; i < 5; i++ {
		inc := &zero
		if i == 3 {
			inc = &ten
		}
		if i == 4 {
			inc = nil
		}
		rights = append(rights, moRight(t, db, i, jan24, map[bool]string{true: "77.91", false: "87.91"}[i == 3], inc))
	}
	r := publish(t, db, "mo.threshold.size_1", "2025-01-01", "95.00")
	in := activities.ReassessChunkInput{ReassessmentID: r.ID, Limit: 2}
	var total activities.ReassessChunkResult
	for {
		res, err := a.ReassessChunk(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		// The worker dies after the chunk committed: the same chunk again.
		again, err := a.ReassessChunk(ctx, in)
		if err != nil || !again.Replayed || again.Cursor != res.Cursor {
			t.Fatalf("chunk after %q again = %+v, %v; want replayed at %s", in.After, again, err, res.Cursor)
		}
		total.Rights, total.Rerated, total.NoBasis = total.Rights+res.Rights, total.Rerated+res.Rerated, total.NoBasis+res.NoBasis
		in.After = res.Cursor
		if res.Done {
			break
		}
	}
	if total.Rights != 5 || total.Rerated != 4 || total.NoBasis != 1 {
		t.Fatalf("reassessed %+v; want 5 rights, 4 re-rated, 1 without basis", total)
	}
	got, _ := db.ReassessmentByID(ctx, r.ID)
	if got.State != "done" || got.Rights != 5 || got.Rerated != 4 || got.NoBasis != 1 {
		t.Fatalf("recorded progress %+v", got)
	}
	for i, want := range []string{"95.00", "95.00", "95.00", "85.00", "87.91"} {
		e, _ := db.EntitlementByID(ctx, rights[i].ID)
		vs, _ := db.Versions(ctx, rights[i].ID)
		if e.Amount.StringFixed(2) != want {
			t.Errorf("right %d pays %s; want %s (versions %+v)", i, e.Amount, want, vs)
		}
		if i < 4 && (len(vs) != 2 || vs[1].Source != activities.ReassessmentSource(r.ID) || !vs[1].From.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) ||
			vs[1].Reason != domain.ReasonIndexation || vs[1].DecisionID != "") {
			t.Errorf("right %d versions = %+v; want the grant and one indexation from 2025-01-01", i, vs)
		}
	}
	ns, _ := db.NoticesOf(ctx, rights[3].ID)
	if len(ns) != 1 || ns[0].OldAmount.StringFixed(2) != "77.91" || ns[0].NewAmount.StringFixed(2) != "85.00" || len(ns[0].Lines) < 10 {
		t.Fatalf("notice = %+v", ns)
	}
	if un, _ := db.UnratedOf(ctx, r.ID, 10); len(un) != 1 || un[0].EntitlementID != rights[4].ID {
		t.Fatalf("unrated = %+v; want the right without a basis", un)
	}
}

// TestRerateGrant: MO granted from January 2024 on the old threshold gets
// the threshold of 17 February 2024 and a later published one as
// versions; granting again adds nothing.
func TestRerateGrant(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	a := &activities.Activities{DB: db, Params: benefits.MustLoadParams(), Now: time.Now}
	zero := "0"
	publish(t, db, "mo.threshold.size_1", "2025-01-01", "95.00")
	e := moRight(t, db, 9, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "76.56", &zero)
	for i := 0; i < 2; i++ {
		if err := a.RerateGrant(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
	}
	vs, _ := db.Versions(ctx, e.ID)
	if len(vs) != 3 || vs[1].Amount.StringFixed(2) != "87.91" || !vs[1].From.Equal(time.Date(2024, 2, 17, 0, 0, 0, 0, time.UTC)) ||
		vs[1].To == nil || vs[2].Amount.StringFixed(2) != "95.00" || vs[2].Ref != "Sl. list CG 99/2025" {
		t.Fatalf("versions = %+v; want grant 76.56, 87.91 from 2024-02-17 to 2024-12-31, 95.00 from 2025-01-01", vs)
	}
	if e, _ := db.EntitlementByID(ctx, e.ID); e.Amount.StringFixed(2) != "95.00" {
		t.Errorf("the right pays %s; want 95.00", e.Amount)
	}
	if ns, _ := db.NoticesOf(ctx, e.ID); len(ns) != 1 {
		t.Errorf("notices = %+v; want one", ns)
	}
}
