package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestParameterValueFourEyes: a proposed value is approved once, by
// someone else than its author, and its approval records a reassessment
// and moves the parameters' version on.
func TestParameterValueFourEyes(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	feb := time.Date(2024, 2, 17, 0, 0, 0, 0, time.UTC)
	v, err := db.ProposeParameterValue(ctx, store.ParameterValue{Name: "mo.threshold.size_1", ValidFrom: feb, Value: decimal.RequireFromString("90.00"),
		LegalRef: "Sl. list CG 10/2024", ProposedBy: "vesna.ministry"})
	if err != nil || v.State != "proposed" || v.ID == 0 {
		t.Fatalf("propose = %+v, %v", v, err)
	}
	if ver, err := db.ParametersVersion(ctx); err != nil || ver != 0 {
		t.Fatalf("version before any approval = %d, %v; want 0", ver, err)
	}
	if _, _, err := db.ApproveParameterValue(ctx, v.ID, "vesna.ministry", []string{"MO"}); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("approval by the author = %v; want forbidden", err)
	}
	a, r, err := db.ApproveParameterValue(ctx, v.ID, "goran.ministry", []string{"MO"})
	if err != nil || a.State != "approved" || a.ApprovedSeq == 0 || a.ReassessmentID != r.ID || r.State != "pending" ||
		!r.EffectiveFrom.Equal(feb) || len(r.Benefits) != 1 {
		t.Fatalf("approve = %+v, %+v, %v", a, r, err)
	}
	if _, _, err := db.ApproveParameterValue(ctx, v.ID, "goran.ministry", []string{"MO"}); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("approving again = %v; want conflict", err)
	}
	if _, _, err := db.ApproveParameterValue(ctx, 999, "goran.ministry", nil); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("approving an unknown value = %v; want not found", err)
	}
	if ver, err := db.ParametersVersion(ctx); err != nil || ver != a.ApprovedSeq {
		t.Fatalf("version = %d, %v; want %d", ver, err, a.ApprovedSeq)
	}
	got, err := db.ReassessmentByID(ctx, r.ID)
	if err != nil || got.Parameter != "mo.threshold.size_1" || got.LegalRef != "Sl. list CG 10/2024" || got.ParamsVersion != a.ApprovedSeq {
		t.Fatalf("reassessment = %+v, %v", got, err)
	}
	if _, err := db.ProposeParameterValue(ctx, store.ParameterValue{Name: "x", ValidFrom: feb, Value: decimal.Zero, LegalRef: " ", ProposedBy: "a"}); err == nil {
		t.Fatal("a value without a legal reference was stored")
	}
	list, err := db.ApprovedParameterValues(ctx, 0)
	if err != nil || len(list) != 1 {
		t.Fatalf("approved = %+v, %v", list, err)
	}
}

// TestReassessChunk: chunks walk the affected rights by id, write each
// right's versions and notice once, count the unrated, and a chunk asked
// again after it committed does nothing.
func TestReassessChunk(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	feb := time.Date(2024, 2, 17, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, seededRight(t, db, i, jan, "76.56").ID)
	}
	v, _ := db.ProposeParameterValue(ctx, store.ParameterValue{Name: "mo.threshold.size_1", ValidFrom: feb, Value: decimal.RequireFromString("90"),
		LegalRef: "Sl. list CG 10/2024", ProposedBy: "a"})
	_, r, err := db.ApproveParameterValue(ctx, v.ID, "b", []string{"MO"})
	if err != nil {
		t.Fatal(err)
	}
	// The third right has no basis, the fourth is no longer granted; the
	// others get 90.00 from 17 February.
	rate := func(r store.Reassessment, rights []store.RightToRerate) ([]store.RightOutcome, error) {
		var out []store.RightOutcome
		for _, x := range rights {
			o := store.RightOutcome{EntitlementID: x.ID}
			switch x.ID {
			case ids[2]:
				o.NoBasis = true
			case ids[3]:
				o.Unrated = "income above the threshold"
			default:
				src := "reassessment:" + string(rune('0'+r.ID))
				o.Versions = []store.Version{{EntitlementID: x.ID, RightVersion: domain.RightVersion{Seq: x.Timeline.Next(), From: feb,
					Amount: decimal.RequireFromString("90"), Reason: domain.ReasonIndexation, Ref: r.LegalRef}, Source: src, CreatedBy: "system"}}
				o.Notice = &store.Notice{EntitlementID: x.ID, PersonID: x.PersonID, Kind: "indexation", Source: src, ValidFrom: feb,
					OldAmount: decimal.RequireFromString("76.56"), NewAmount: decimal.RequireFromString("90"), Lines: json.RawMessage(`[{"what":"x"}]`)}
			}
			out = append(out, o)
		}
		return out, nil
	}
	sorted := append([]string(nil), ids...)
	sortStrings(sorted)
	res, err := db.ReassessChunk(ctx, r.ID, store.Part{}, "", 2, rate)
	if err != nil || res.Rights != 2 || res.Cursor != sorted[1] || res.Done || res.Replayed {
		t.Fatalf("first chunk = %+v, %v", res, err)
	}
	// Asked again (the answer was lost): nothing done, the cursor stands.
	again, err := db.ReassessChunk(ctx, r.ID, store.Part{}, "", 2, rate)
	if err != nil || !again.Replayed || again.Cursor != sorted[1] || again.Rights != 0 {
		t.Fatalf("first chunk again = %+v, %v", again, err)
	}
	cursor := again.Cursor
	for !res.Done {
		if res, err = db.ReassessChunk(ctx, r.ID, store.Part{}, cursor, 2, rate); err != nil {
			t.Fatal(err)
		}
		cursor = res.Cursor
	}
	got, _ := db.ReassessmentByID(ctx, r.ID)
	if got.State != "done" || got.Rights != 5 || got.Rerated != 3 || got.NoBasis != 1 || got.NotRated != 1 || got.Unchanged != 0 || got.Chunks != 3 ||
		got.FinishedAt == nil {
		t.Fatalf("reassessment = %+v; want done, 5 rights: 3 re-rated, 1 without basis, 1 not rated, in 3 chunks", got)
	}
	if res, err := db.ReassessChunk(ctx, r.ID, store.Part{}, cursor, 2, rate); err != nil || !res.Done || !res.Replayed {
		t.Fatalf("a chunk after the end = %+v, %v", res, err)
	}
	e, _ := db.EntitlementByID(ctx, ids[0])
	vs, _ := db.Versions(ctx, ids[0])
	ns, _ := db.NoticesOf(ctx, ids[0])
	if e.Amount.StringFixed(2) != "90.00" || len(vs) != 2 || vs[1].Reason != domain.ReasonIndexation || len(ns) != 1 || ns[0].OldAmount.StringFixed(2) != "76.56" {
		t.Fatalf("re-rated right: amount %s, versions %+v, notices %+v", e.Amount, vs, ns)
	}
	if e, _ := db.EntitlementByID(ctx, ids[2]); e.Amount.StringFixed(2) != "76.56" {
		t.Errorf("a right without basis now pays %s", e.Amount)
	}
	for _, id := range ids[2:4] {
		if e, _ := db.EntitlementByID(ctx, id); e.NextRevision == nil || !e.NextRevision.Equal(feb) {
			t.Errorf("right %s not re-rated: next revision %v; want the new value's day %s", id, e.NextRevision, feb.Format(time.DateOnly))
		}
	}
	un, err := db.UnratedOf(ctx, r.ID, 10)
	if err != nil || len(un) != 2 {
		t.Fatalf("unrated = %+v, %v; want 2", un, err)
	}
}

// TestReassessChunkParts: the parts of a reassessment walk disjoint
// ranges of the rights, each chunk once; together they cover every right
// once; the reassessment is done only when its last part is.
func TestReassessChunkParts(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 12; i++ {
		seededRight(t, db, i, jan, "76.56")
	}
	v, _ := db.ProposeParameterValue(ctx, store.ParameterValue{Name: "mo.threshold.size_1", ValidFrom: jan, Value: decimal.RequireFromString("90"),
		LegalRef: "Sl. list CG 10/2024", ProposedBy: "a"})
	_, r, err := db.ApproveParameterValue(ctx, v.ID, "b", []string{"MO"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	rate := func(_ store.Reassessment, rights []store.RightToRerate) ([]store.RightOutcome, error) {
		out := make([]store.RightOutcome, len(rights))
		for i, x := range rights {
			seen[x.ID]++
			out[i] = store.RightOutcome{EntitlementID: x.ID}
		}
		return out, nil
	}
	const parts = 3
	cursors, done := make([]string, parts), make([]bool, parts)
	if _, err := db.ReassessChunk(ctx, r.ID, store.Part{N: 3, Of: parts}, "", 2, rate); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("part 3 of 3: %v; want invalid", err)
	}
	for left := parts; left > 0; {
		for n := 0; n < parts; n++ {
			if done[n] {
				continue
			}
			if got, _ := db.ReassessmentByID(ctx, r.ID); got.State == "done" {
				t.Fatalf("reassessment done while part %d is not", n)
			}
			res, err := db.ReassessChunk(ctx, r.ID, store.Part{N: n, Of: parts}, cursors[n], 2, rate)
			if err != nil || res.Replayed {
				t.Fatalf("part %d after %q: %+v, %v", n, cursors[n], res, err)
			}
			if again, err := db.ReassessChunk(ctx, r.ID, store.Part{N: n, Of: parts}, cursors[n], 2, rate); err != nil || !again.Replayed ||
				again.Cursor != res.Cursor {
				t.Fatalf("part %d asked again: %+v, %v; want replayed at %q", n, again, err, res.Cursor)
			}
			cursors[n], done[n] = res.Cursor, res.Done
			if res.Done {
				left--
			}
		}
	}
	if len(seen) != 12 {
		t.Fatalf("the parts read %d rights; want all 12", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("right %s read %d times", id, n)
		}
	}
	got, _ := db.ReassessmentByID(ctx, r.ID)
	if got.State != "done" || got.Rights != 12 || got.Unchanged != 12 || got.FinishedAt == nil {
		t.Fatalf("reassessment = %+v; want done, 12 rights unchanged", got)
	}
	if _, err := db.ReassessChunk(ctx, r.ID, store.Part{N: 0, Of: 2}, cursors[0], 2, rate); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("part 0 of 2 of a reassessment in 3 parts: %v; want conflict", err)
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

// seededRight grants person number i an MO right from from.
func seededRight(t *testing.T, db *store.DB, i int, from time.Time, amount string) store.Entitlement {
	t.Helper()
	ctx := context.Background()
	j, _ := domain.MakeJMBG(time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC), 21, 400+i)
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
	e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		Amount: decimal.RequireFromString(amount), Periodicity: "monthly", ValidFrom: from, Basis: []byte(`{"Members":[]}`)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
