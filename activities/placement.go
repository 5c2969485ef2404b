package activities

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
)

// The Placement workflow's activities (issue 22): each takes one step of
// a placement in PostgreSQL (store/placements.go: the state checked, the
// case event written in the same transaction). Their inputs carry ids:
// what a person typed (a refusal's reason, a draft's figures, a review's
// notes) is read from the staged input the workflow names.

// Placement steps, as the workflow names them.
const (
	PlacementRefer     = "refer"
	PlacementAccept    = "accept"
	PlacementRefuse    = "refuse"
	PlacementDraft     = "draft"
	PlacementApprove   = "approve"
	PlacementAdmit     = "admit"
	PlacementReview    = "review"
	PlacementDischarge = "discharge"
	PlacementTransfer  = "transfer"
)

// PlacementStepInput is one step: the placement, the step's number, who,
// and its ids (the institution and bed of a referral, the staged input,
// the day of an admission or an end).
type PlacementStepInput struct {
	PlacementID   int64
	Seq           int
	Step          string
	By            string
	InstitutionID string
	BedID         int64
	InputID       int64
	Day           string // YYYY-MM-DD
}

// PlacementStepResult is what a step answers: the new placement a transfer
// proposed.
type PlacementStepResult struct {
	NextPlacementID int64
}

// PlacementText is a staged input's text: a refusal's reason, a review's
// notes and outcome, a discharge's reason.
type PlacementText struct {
	Text    string `json:"text"`
	Outcome string `json:"outcome,omitempty"`
}

// RecordPlacementStep takes the step in PostgreSQL.
func (a *Activities) RecordPlacementStep(ctx context.Context, in PlacementStepInput) (PlacementStepResult, error) {
	s := store.PlacementStep{Seq: in.Seq, By: in.By, At: a.Now()}
	day := s.At
	if in.Day != "" {
		d, err := time.Parse(time.DateOnly, in.Day)
		if err != nil {
			return PlacementStepResult{}, asTemporal(&domain.Error{Code: domain.CodeInvalid, Field: "day", Message: "is not a day (YYYY-MM-DD)"})
		}
		day = d
	}
	var err error
	var out PlacementStepResult
	switch in.Step {
	case PlacementRefer:
		err = a.DB.ReferPlacement(ctx, in.PlacementID, in.InstitutionID, in.BedID, s)
		if domain.ErrorCode(err) == domain.CodeInvalid {
			// The bed's rules name the person's age and sex, which stay out
			// of the workflow's history: the API checked the same rules just
			// before and said them; here only a race (the bed changed since).
			err = domain.Errorf(domain.CodeInvalid, "bed %d of %s no longer takes placement %d; choose another free bed", in.BedID, in.InstitutionID, in.PlacementID)
		}
	case PlacementAccept:
		err = a.DB.AnswerPlacement(ctx, in.PlacementID, in.InstitutionID, true, "", s)
	case PlacementRefuse:
		var t PlacementText
		if err = a.DB.PlacementInputOf(ctx, in.PlacementID, in.InputID, in.Step, &t); err == nil {
			err = a.DB.AnswerPlacement(ctx, in.PlacementID, in.InstitutionID, false, t.Text, s)
		}
	case PlacementDraft:
		var d store.PlacementDraft
		if err = a.DB.PlacementInputOf(ctx, in.PlacementID, in.InputID, in.Step, &d); err == nil {
			err = a.DB.DraftPlacementDecision(ctx, in.PlacementID, d, s)
		}
	case PlacementApprove:
		err = a.DB.DecidePlacement(ctx, in.PlacementID, s, func(f store.PlacementFile) (string, string, error) {
			pdf, err := renderPlacementDecision(f)
			if err != nil {
				return "", "", err
			}
			return a.putDecisionPDF(ctx, fmt.Sprintf("placement-%d", f.ID), s.At.Year(), pdf)
		})
	case PlacementAdmit:
		err = a.DB.AdmitPlacement(ctx, in.PlacementID, in.InstitutionID, day, s)
	case PlacementReview:
		var t PlacementText
		if err = a.DB.PlacementInputOf(ctx, in.PlacementID, in.InputID, in.Step, &t); err == nil {
			err = a.DB.ReviewPlacement(ctx, in.PlacementID, store.PlacementReview{Day: day, Notes: t.Text, Outcome: t.Outcome}, s)
		}
	case PlacementDischarge, PlacementTransfer:
		var t PlacementText
		if err = a.DB.PlacementInputOf(ctx, in.PlacementID, in.InputID, in.Step, &t); err == nil {
			out.NextPlacementID, err = a.DB.EndPlacement(ctx, in.PlacementID, in.Step == PlacementTransfer, day, t.Text, s)
		}
	default:
		err = domain.Errorf(domain.CodeInvalid, "%q is not a step of a placement", in.Step)
	}
	return out, asTemporal(err)
}

// budgetWords are the budget lines in Montenegrin, for the decision.
var budgetWords = map[string]string{
	"maintenance_in_homes": "izdržavanje u domovima",
	"outside_montenegro":   "smještaj van Crne Gore",
	"family_placement":     "porodični smještaj",
}

// renderPlacementDecision renders the centre's decision on a placement in
// Montenegrin: the person, the institution and bed, the cost, each
// payer's share as the co-payment explained it, the budget line.
func renderPlacementDecision(f store.PlacementFile) ([]byte, error) {
	at := time.Now()
	if f.DecidedOn != nil {
		at = *f.DecidedOn
	}
	number := fmt.Sprintf("SM-%d-%d", at.Year(), f.ID)
	doc := newDocument("Rješenje "+number, at)
	doc.pdf.SetKeywords(fmt.Sprintf("decision=%s placement=%d case=%s", number, f.ID, f.CaseNumber), false)
	doc.letterhead(f.CentreID)
	doc.write("", 10, 5, fmt.Sprintf("Broj: %s\nDatum: %s\nPredmet: %s", number, at.Format("02.01.2006."), f.CaseNumber))
	doc.pdf.Ln(4)
	doc.write("", 10, 5, "Na osnovu Zakona o socijalnoj i dječjoj zaštiti (smještaj u ustanovu socijalne zaštite), donosi se")
	doc.pdf.Ln(3)
	doc.pdf.SetFont(doc.family, "B", 14)
	doc.pdf.CellFormat(0, 8, doc.text("R J E Š E N J E"), "", 1, "C", false, 0, "")
	doc.write("", 11, 6, fmt.Sprintf("1. %s, rođen/a %s, smješta se u %s (%s, %s, krevet %s).", f.PersonName, f.BirthDate.Format("02.01.2006."),
		f.InstitutionName, f.UnitName, f.RoomName, f.BedLabel))
	if d := f.Draft; d != nil {
		doc.write("", 11, 6, fmt.Sprintf("2. Mjesečna cijena smještaja iznosi %s €, na teret budžetske stavke: %s.", d.MonthlyCost.StringFixed(2), budgetWords[d.BudgetLine]))
		doc.write("", 11, 6, "3. Cijenu smještaja plaćaju:")
		for _, l := range d.CoPayment.Lines {
			doc.write("", 10, 5, "   - "+l.Cnr)
		}
		if d.Reasoning != "" {
			doc.pdf.Ln(3)
			doc.write("B", 11, 6, "O b r a z l o ž e nj e")
			doc.write("", 10, 5, d.Reasoning)
		}
	}
	doc.signOff(f.DraftedBy, f.ApprovedBy)
	out, err := doc.bytes()
	if err != nil {
		return nil, fmt.Errorf("render placement decision %d: %w", f.ID, err)
	}
	return out, nil
}

// PlacementFigures is what the decision form starts from: the resident's
// monthly income and their spouse's and children's, from the evidence
// Karton keeps (the same facts an MO claim reads), and the MO amount for a
// single person on the day. The caseworker may correct the incomes.
type PlacementFigures struct {
	ResidentIncome decimal.Decimal
	Relatives      []institutions.Relative
	SingleMO       decimal.Decimal
}

var (
	figuresParamsOnce sync.Once
	figuresParams     *benefits.Params
)

// FiguresOfPlacement reads the figures of the placement's person on day:
// incomes are net income, pension, unemployment benefit and farmer's
// allowance; the relatives are the household's members whose relation to
// its head makes them the resident's spouse or children (GUESS: the
// resident is the head, or the head is the spouse).
func FiguresOfPlacement(ctx context.Context, db *store.DB, person domain.PersonID, day time.Time) (PlacementFigures, error) {
	figuresParamsOnce.Do(func() { figuresParams, _ = benefits.LoadParams() })
	a := &Activities{DB: db, Params: figuresParams}
	params, err := a.params(ctx, 0)
	if err != nil || params == nil {
		return PlacementFigures{}, fmt.Errorf("parameters: %v", err)
	}
	out := PlacementFigures{SingleMO: decimal.Zero, ResidentIncome: decimal.Zero}
	if v, err := params.At("mo.threshold.size_1", day); err == nil {
		out.SingleMO = v.Value
	}
	m, _, err := a.member(ctx, person, MemberDeclared{})
	if err != nil {
		return PlacementFigures{}, err
	}
	out.ResidentIncome = memberIncome(m)
	p, err := db.PersonByID(ctx, person)
	if err != nil || p.HouseholdID == "" {
		return out, err
	}
	h, err := db.Household(ctx, p.HouseholdID)
	if err != nil {
		return PlacementFigures{}, err
	}
	for _, hm := range h.Members {
		if hm.PersonID == person {
			continue
		}
		rel := relationToResident(m.Relation, hm.Relation)
		if rel == "" {
			continue
		}
		rm, _, err := a.member(ctx, hm.PersonID, MemberDeclared{})
		if err != nil {
			return PlacementFigures{}, err
		}
		out.Relatives = append(out.Relatives, institutions.Relative{PersonID: hm.PersonID, Relation: rel, Income: memberIncome(rm)})
	}
	return out, nil
}

func memberIncome(m benefits.Member) decimal.Decimal {
	return m.NetIncome.Add(m.Pension).Add(m.UnemploymentBenefit).Add(m.FarmerAllowance)
}

// relationToResident is what a member related to the household's head by
// theirs is to the resident related to the head by resident: a spouse or a
// child, or "" for anyone else (not obliged, not listed).
func relationToResident(resident, theirs domain.Relation) domain.Relation {
	switch {
	case resident == domain.RelationHead && theirs == domain.RelationSpouse, resident == domain.RelationSpouse && theirs == domain.RelationHead:
		return domain.RelationSpouse
	case (resident == domain.RelationHead || resident == domain.RelationSpouse) && theirs == domain.RelationChild:
		return domain.RelationChild
	case resident == domain.RelationParent && (theirs == domain.RelationHead || theirs == domain.RelationSibling):
		return domain.RelationChild
	}
	return ""
}
