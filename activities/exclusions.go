package activities

import (
	"context"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
)

// ConflictingRight is the first right, not ended, that a claim of
// benefit for members (the applicant first) and subject may not be
// granted beside (benefits.Conflict: the catalogue's exclusions, and the
// same monthly benefit twice); ok false when there is none. The claim
// itself (number) is left out: once granted, its own right is no
// conflict.
func ConflictingRight(ctx context.Context, db *store.DB, number, benefit string, members []domain.PersonID, subject domain.PersonID) (benefits.Held, bool, error) {
	code := benefits.Code(benefit)
	holders := benefits.HoldersOf(code, members, subject)
	rights, err := db.ActiveRightsOf(ctx, holders)
	if err != nil {
		return benefits.Held{}, false, err
	}
	held := make([]benefits.Held, 0, len(rights))
	for _, r := range rights {
		if r.ClaimNumber == number {
			continue
		}
		h := benefits.Held{Benefit: benefits.Code(r.Benefit), Claim: r.ClaimNumber,
			Holders: benefits.HoldersOf(benefits.Code(r.Benefit), r.Members, r.SubjectID)}
		if len(r.Members) == 0 { // a right without its claim's members: its beneficiary
			h.Holders = []domain.PersonID{r.BeneficiaryID}
		}
		held = append(held, h)
	}
	h, ok := benefits.Conflict(code, holders, held)
	return h, ok, nil
}

// CheckExclusionsInput names the claim whose grant is about to be decided.
type CheckExclusionsInput struct{ Number string }

// CheckExclusionsResult is the right the grant may not be decided beside:
// its benefit and the claim that granted it ("" when none).
type CheckExclusionsResult struct {
	Benefit string
	Claim   string
}

// CheckExclusions looks, before a grant is decided, for a right its
// holders hold that excludes it (issue 16): the check made when the claim
// was filed, made again because a right may have been granted since.
func (a *Activities) CheckExclusions(ctx context.Context, in CheckExclusionsInput) (CheckExclusionsResult, error) {
	c, err := a.DB.ClaimByNumber(ctx, in.Number)
	if err != nil {
		return CheckExclusionsResult{}, asTemporal(err)
	}
	h, ok, err := ConflictingRight(ctx, a.DB, c.Number, c.Benefit, c.Members, c.SubjectID)
	if err != nil || !ok {
		return CheckExclusionsResult{}, err
	}
	return CheckExclusionsResult{Benefit: string(h.Benefit), Claim: h.Claim}, nil
}
