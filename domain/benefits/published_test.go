package benefits_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
)

func pday(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func pdec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestWith: a published value holds from its day; the value of the same
// day in the files is replaced; p itself is unchanged; bad values are
// refused naming their field.
func TestWith(t *testing.T) {
	p := benefits.MustLoadParams()
	q, err := p.With("mo.threshold.size_1", benefits.Dated{From: pday("2025-01-01"), Value: pdec("95.00"), Ref: "Sl. list CG 1/2025"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		params *benefits.Params
		on     string
		want   string
	}{
		{q, "2024-12-31", "87.91"},
		{q, "2025-01-01", "95"},
		{q, "2026-06-01", "95"},
		{p, "2026-06-01", "87.91"}, // p is unchanged
		{q, "2024-02-16", "76.56"},
	} {
		d, err := tt.params.At("mo.threshold.size_1", pday(tt.on))
		if err != nil || !d.Value.Equal(pdec(tt.want)) {
			t.Errorf("At(mo.threshold.size_1, %s) = %v, %v; want %s", tt.on, d.Value, err, tt.want)
		}
	}
	// The same day as the file's 17 Feb 2024 value: the published one replaces it.
	r, err := q.With("mo.threshold.size_1", benefits.Dated{From: pday("2024-02-17"), Value: pdec("88.50"), Ref: "correction, Sl. list CG 12/2024"})
	if err != nil {
		t.Fatal(err)
	}
	par, _ := r.Parameter("mo.threshold.size_1")
	if len(par.Values) != 3 || !par.Values[1].Value.Equal(pdec("88.50")) || par.Values[1].Ref != "correction, Sl. list CG 12/2024" {
		t.Fatalf("values after a same-day value = %+v; want 3, the 17 Feb one replaced", par.Values)
	}
	if d, _ := r.At("mo.threshold.size_1", pday("2024-03-01")); !d.Value.Equal(pdec("88.50")) {
		t.Errorf("March 2024 = %v; want 88.50", d.Value)
	}
	// A date before the first value of the files becomes the first.
	if s, err := p.With("ts.amount", benefits.Dated{From: pday("2020-01-01"), Value: pdec("400"), Ref: "x"}); err != nil {
		t.Error(err)
	} else if d, err := s.At("ts.amount", pday("2021-01-01")); err != nil || !d.Value.Equal(pdec("400")) {
		t.Errorf("ts.amount in 2021 = %v, %v; want 400", d.Value, err)
	}
	for _, tt := range []struct {
		name  string
		d     benefits.Dated
		field string
	}{
		{"mo.threshold.size_9", benefits.Dated{From: pday("2025-01-01"), Value: pdec("1"), Ref: "x"}, "name"},
		{"mo.threshold.size_1", benefits.Dated{From: pday("2025-01-01"), Value: pdec("1"), Ref: "  "}, "legal_ref"},
		{"mo.threshold.size_1", benefits.Dated{From: pday("2025-01-01"), Value: pdec("-1"), Ref: "x"}, "value"},
		{"mo.threshold.size_1", benefits.Dated{Value: pdec("1"), Ref: "x"}, "valid_from"},
		{"mo.family_size_cap", benefits.Dated{From: pday("2025-01-01"), Value: pdec("4.5"), Ref: "x"}, "value"},
	} {
		_, err := p.With(tt.name, tt.d)
		var e *domain.Error
		if err == nil || domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("With(%s, %+v) = %v; want invalid %s", tt.name, tt.d, err, tt.field)
			continue
		}
		if e = err.(*domain.Error); e.Field != tt.field {
			t.Errorf("With(%s, %+v) faults %q; want %q", tt.name, tt.d, e.Field, tt.field)
		}
	}
}

// TestEveryParameterAffectsABenefit: a new value of any parameter knows
// which rights it re-rates.
func TestEveryParameterAffectsABenefit(t *testing.T) {
	p := benefits.MustLoadParams()
	for _, n := range p.Names() {
		if len(benefits.Affects(n)) == 0 {
			t.Errorf("parameter %s affects no benefit", n)
		}
	}
	if got := p.Changes(benefits.MO, pday("2024-01-01")); len(got) != 1 || !got[0].Equal(pday("2024-02-17")) {
		t.Errorf("MO changes after January 2024 = %v; want [2024-02-17]", got)
	}
}

func single(income string) benefits.Situation {
	return benefits.Situation{Members: []benefits.Member{{ID: "p1", Name: "A", BirthDate: pday("1980-01-01"), NetIncome: pdec(income)}}}
}

// TestRerate: MO granted in January 2024 at the old threshold gets the 17
// Feb 2024 value from that day; a suspension in between stays; a right
// already at the new amount is unchanged; a basis that the new values no
// longer grant is left to a revision.
func TestRerate(t *testing.T) {
	p := benefits.MustLoadParams()
	grant := domain.Timeline{{Seq: 1, From: pday("2024-01-01"), Amount: pdec("76.56"), State: domain.RightActive, Reason: domain.ReasonGrant}}
	r, err := benefits.Rerate(p, benefits.MO, single("0"), grant, pday("2024-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Versions) != 1 || !r.Versions[0].From.Equal(pday("2024-02-17")) || r.Versions[0].To != nil || !r.Versions[0].Amount.Equal(pdec("87.91")) ||
		!r.Old.Equal(pdec("76.56")) || !r.New.Equal(pdec("87.91")) || len(r.Lines) == 0 {
		t.Fatalf("rerate of a January grant = %+v; want one version from 2024-02-17 at 87.91", r)
	}
	// A suspension from March to April (version 2): the new amount on
	// 17 Feb - 29 Feb, and again from 1 May; March-April stay suspended.
	to := pday("2024-04-30")
	susp := append(grant, domain.RightVersion{Seq: 2, From: pday("2024-03-01"), To: &to, Amount: pdec("76.56"), State: domain.RightSuspended, Reason: domain.ReasonSanction})
	r, err = benefits.Rerate(p, benefits.MO, single("10"), susp, pday("2024-02-17"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Versions) != 2 || !r.Versions[0].From.Equal(pday("2024-02-17")) || r.Versions[0].To == nil || !r.Versions[0].To.Equal(pday("2024-02-29")) ||
		!r.Versions[1].From.Equal(pday("2024-05-01")) || r.Versions[1].To != nil || !r.Versions[1].Amount.Equal(pdec("77.91")) {
		t.Fatalf("rerate around a suspension = %+v", r.Versions)
	}
	// The new timeline pays February pro rata and nothing in March.
	next := append(domain.Timeline(nil), susp...)
	for i, v := range r.Versions {
		v.Seq = 3 + i
		next = append(next, v)
	}
	if feb := next.MonthlyOwed(domain.MonthOf(pday("2024-02-01"))); feb.Amount.StringFixed(2) != "77.17" { // 76.56*16/29 + 77.91*13/29 = 42.24 + 34.93, each run rounded
		t.Errorf("February owed = %s; want 77.17 (%v)", feb.Amount.StringFixed(2), feb.Lines)
	}
	if mar := next.MonthlyOwed(domain.MonthOf(pday("2024-03-01"))); !mar.Amount.IsZero() {
		t.Errorf("March owed = %s; want 0 (suspended)", mar.Amount)
	}
	// Already at the new amount: nothing to add.
	now := domain.Timeline{{Seq: 1, From: pday("2024-03-01"), Amount: pdec("87.91"), State: domain.RightActive, Reason: domain.ReasonGrant}}
	if r, err := benefits.Rerate(p, benefits.MO, single("0"), now, pday("2024-02-17")); err != nil || len(r.Versions) != 0 {
		t.Errorf("rerate of a right at the new amount = %+v, %v; want nothing", r, err)
	}
	// Income above a lowered threshold: not granted ex officio any more.
	low, _ := p.With("mo.threshold.size_1", benefits.Dated{From: pday("2025-01-01"), Value: pdec("50"), Ref: "x"})
	r, err = benefits.Rerate(low, benefits.MO, single("60"), grant, pday("2025-01-01"))
	if err != nil || r.Ineligible == "" || len(r.Versions) != 0 {
		t.Errorf("rerate to ineligible = %+v, %v; want Ineligible and no version", r, err)
	}
}
