package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
)

// ClaimDeclared is what a claim states beyond the evidence (the claims
// table's declared column).
type ClaimDeclared struct {
	RequestedAmount decimal.Decimal `json:"requested_amount"`
	FuneralCost     decimal.Decimal `json:"funeral_cost"`
	DeceasedWasMO   bool            `json:"deceased_was_mo"`
	Guardian        bool            `json:"guardian"`
	// Members holds medical findings and statuses per person id.
	Members map[string]MemberDeclared `json:"members"`
}

// MemberDeclared is declared about one member (with a document).
type MemberDeclared struct {
	DisabilityPercent      int  `json:"disability_percent"`
	NeedsCare              bool `json:"needs_care"`
	FormerChildWithoutCare bool `json:"former_child_without_care"`
}

// lineJSON is how an explanation line is kept and shown.
type lineJSON struct {
	What   string `json:"what"`
	Value  string `json:"value"`
	Source string `json:"source"`
	// Text and From are what and source as phrases of the catalogue
	// (benefits.Phrase), for a reader of another language; absent in
	// calculations made before issue 16.
	Text benefits.Phrase `json:"text"`
	From benefits.Phrase `json:"from"`
}

// SetClaimStateInput moves a claim to a state.
type SetClaimStateInput struct {
	Number string
	State  string
	Reason string
}

// SetClaimState records where the claim stands.
func (a *Activities) SetClaimState(ctx context.Context, in SetClaimStateInput) error {
	return asTemporal(a.DB.SetClaimState(ctx, in.Number, in.State, in.Reason))
}

// CalculateClaimInput asks for calculation Seq of a claim.
type CalculateClaimInput struct {
	Number string
	Seq    int
}

// CalculateClaimResult is the calculation as recorded; its lines stay in
// the database, its outcome in the workflow's history.
type CalculateClaimResult struct {
	Eligible bool
	Amount   decimal.Decimal
	Max      decimal.Decimal
	// AdjustMax bounds the review's "adjust" (benefits.CheckAdjustment);
	// nil in histories recorded before issue 16 (benefits.AdjustMaxOf).
	AdjustMax   *decimal.Decimal
	Reasons     []string
	EvidenceIDs []int64
}

// CalculateClaim reads the claim's household and evidence, applies the
// benefit's rules for the claim's period and stores the result with its
// explanation. The rules run here, not in the workflow, so a later change
// of law never changes how a recorded claim replays.
func (a *Activities) CalculateClaim(ctx context.Context, in CalculateClaimInput) (CalculateClaimResult, error) {
	c, err := a.DB.ClaimByNumber(ctx, in.Number)
	if err != nil {
		return CalculateClaimResult{}, asTemporal(err)
	}
	var decl ClaimDeclared
	if len(c.Declared) > 0 {
		if err := json.Unmarshal(c.Declared, &decl); err != nil {
			return CalculateClaimResult{}, asTemporal(domain.Errorf(domain.CodeInvalid, "claim %s declared data: %v", c.Number, err))
		}
	}
	s := benefits.Situation{Period: c.Period, ApplicationDate: c.FiledAt.UTC().Truncate(24 * time.Hour), Subject: string(c.SubjectID)}
	s.Declared = benefits.Declared{RequestedAmount: decl.RequestedAmount, FuneralCost: decl.FuneralCost, DeceasedWasMO: decl.DeceasedWasMO, Guardian: decl.Guardian}
	var evidenceIDs []int64
	for _, id := range c.Members {
		m, ids, err := a.member(ctx, id, decl.Members[string(id)])
		if err != nil {
			return CalculateClaimResult{}, asTemporal(err)
		}
		s.Members = append(s.Members, m)
		evidenceIDs = append(evidenceIDs, ids...)
	}
	if benefits.Code(c.Benefit) == benefits.JNP {
		n, err := a.DB.GrantsThisYear(ctx, c.ApplicantID, c.Benefit, c.Period.Year())
		if err != nil {
			return CalculateClaimResult{}, err
		}
		s.Declared.GrantsThisYear = n
	}
	params, err := a.params(ctx, 0) // the files with the approved published values
	if err != nil {
		return CalculateClaimResult{}, err
	}
	res, err := benefits.Calculate(params, benefits.Code(c.Benefit), s)
	if err != nil {
		return CalculateClaimResult{}, asTemporal(err)
	}
	out := make([]lineJSON, len(res.Lines))
	for i, l := range res.Lines {
		out[i] = lineJSON(l)
	}
	lines, err := json.Marshal(out)
	if err != nil {
		return CalculateClaimResult{}, err
	}
	if res.Reasons == nil {
		res.Reasons = []string{}
	}
	situation, err := json.Marshal(s) // the grant keeps it as the right's basis, for re-rating
	if err != nil {
		return CalculateClaimResult{}, err
	}
	why, err := json.Marshal(res.Why) // the reasons in words of the catalogue, for the decision
	if err != nil {
		return CalculateClaimResult{}, err
	}
	err = a.DB.SaveCalculation(ctx, c.Number, store.Calculation{Seq: in.Seq, Eligible: res.Eligible, Amount: res.Amount, MaxAmount: res.Max,
		Reasons: res.Reasons, Lines: lines, EvidenceIDs: evidenceIDs, ComputedAt: a.Now(), Situation: situation,
		Why: why})
	if err != nil {
		return CalculateClaimResult{}, err
	}
	return CalculateClaimResult{Eligible: res.Eligible, Amount: res.Amount, Max: res.Max, AdjustMax: &res.AdjustMax, Reasons: res.Reasons,
		EvidenceIDs: evidenceIDs}, nil
}

// member turns a person's current evidence into the facts the rules read.
func (a *Activities) member(ctx context.Context, id domain.PersonID, decl MemberDeclared) (benefits.Member, []int64, error) {
	p, err := a.DB.PersonByID(ctx, id)
	if err != nil {
		return benefits.Member{}, nil, err
	}
	m := benefits.Member{ID: string(p.ID), Name: p.GivenName + " " + p.FamilyName, BirthDate: p.BirthDate, Relation: domain.RelationOther,
		Sources: map[domain.EvidenceKind]string{}, DisabilityPercent: decl.DisabilityPercent, NeedsCare: decl.NeedsCare,
		FormerChildWithoutCare: decl.FormerChildWithoutCare, NetIncome: decimal.Zero, Pension: decimal.Zero,
		UnemploymentBenefit: decimal.Zero, FarmerAllowance: decimal.Zero, PremiumsYearly: decimal.Zero, LandM2: decimal.Zero}
	if p.HouseholdID != "" {
		h, err := a.DB.Household(ctx, p.HouseholdID)
		if err != nil {
			return benefits.Member{}, nil, err
		}
		for _, hm := range h.Members {
			if hm.PersonID == p.ID {
				m.Relation = hm.Relation
			}
		}
	}
	evs, err := a.DB.Evidence(ctx, id, false)
	if err != nil {
		return benefits.Member{}, nil, err
	}
	var ids []int64
	for _, e := range evs {
		ids = append(ids, e.ID)
		m.Sources[e.Kind] = fmt.Sprintf("%s/%s #%d (%s)", e.Source, e.Kind, e.ID, e.Provenance.RequestID)
		var err error
		switch e.Kind {
		case domain.KindIdentity: // the dead leave the household from the day after death
			var f domain.IdentityFact
			if err = json.Unmarshal(e.Value, &f); err == nil && f.DeathDate != "" {
				if d, perr := time.Parse(time.DateOnly, f.DeathDate); perr == nil {
					m.DeathDate = &d
				}
			}
		case domain.KindIncome:
			var f domain.IncomeFact
			if err = json.Unmarshal(e.Value, &f); err == nil {
				m.NetIncome = f.MonthlyTotal
			}
		case domain.KindPension:
			var f domain.PensionFact
			if err = json.Unmarshal(e.Value, &f); err == nil {
				m.Pension = f.MonthlyAmount
			}
		case domain.KindUnemployment:
			var f domain.UnemploymentFact
			if err = json.Unmarshal(e.Value, &f); err == nil {
				m.UnemploymentBenefit = f.BenefitMonthly
			}
		case domain.KindAgriculture:
			var f domain.AgricultureFact
			if err = json.Unmarshal(e.Value, &f); err == nil {
				m.FarmerAllowance, m.PremiumsYearly = f.FarmerAllowance, f.PremiumsYearly
			}
		case domain.KindVehicles:
			var f domain.VehiclesFact
			if err = json.Unmarshal(e.Value, &f); err == nil {
				for _, v := range f.Vehicles {
					m.Vehicles = append(m.Vehicles, v.Value)
				}
			}
		case domain.KindRealEstate:
			var f domain.RealEstateFact
			if err = json.Unmarshal(e.Value, &f); err == nil {
				for _, pc := range f.Parcels {
					switch pc.Kind {
					case "dwelling":
						m.Dwellings++
					case "land":
						m.LandM2 = m.LandM2.Add(pc.AreaM2)
					}
				}
			}
		}
		if err != nil {
			return benefits.Member{}, nil, fmt.Errorf("decode evidence %d (%s): %w", e.ID, e.Kind, err)
		}
	}
	active, err := a.DB.ActiveBenefits(ctx, id)
	if err != nil {
		return benefits.Member{}, nil, err
	}
	for _, b := range active {
		switch benefits.Code(b) {
		case benefits.MO:
			m.ReceivesMO = true
		case benefits.LI:
			m.ReceivesLI = true
		case benefits.DNJP:
			m.ReceivesDNJP = true
		}
	}
	return m, ids, nil
}

// RecordDeclaredEvidenceInput is a fact a caseworker obtained by hand,
// backed by an uploaded document.
type RecordDeclaredEvidenceInput struct {
	Number     string
	PersonID   domain.PersonID
	Kind       domain.EvidenceKind
	Value      json.RawMessage
	DocumentID string
}

// RecordDeclaredEvidence stores the fact as declared evidence with the
// document as its provenance.
func (a *Activities) RecordDeclaredEvidence(ctx context.Context, in RecordDeclaredEvidenceInput) error {
	value, err := domain.CanonicalFact(in.Kind, in.Value)
	if err != nil {
		return asTemporal(domain.Errorf(domain.CodeInvalid, "%v", err))
	}
	doc, err := a.DB.DocumentByID(ctx, in.DocumentID)
	if err != nil {
		return asTemporal(err)
	}
	source := domain.Source("declared")
	for _, inst := range domain.Institutions() {
		for _, k := range inst.Kinds {
			if k == in.Kind {
				source = inst.Source
			}
		}
	}
	now := a.Now()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return asTemporal(a.DB.RecordDeclared(ctx, in.PersonID, in.Kind, source, value, day, now, doc, in.Number))
}
