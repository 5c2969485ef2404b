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
	h, ok := conflictAmong(number, code, holders, rights)
	return h, ok, nil
}

// conflictAmong is the first of rights (the claim number's own left out)
// that a grant of code to holders may not be decided beside.
func conflictAmong(number string, code benefits.Code, holders []domain.PersonID, rights []store.HeldRight) (benefits.Held, bool) {
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
	return benefits.Conflict(code, holders, held)
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
// holders hold, or a grant reserved for them, that excludes it (issue
// 16): the check made when the claim was filed, made again because a
// right may have been granted since. When none does it reserves the
// holders for this grant in the same transaction (store.ReserveGrant), so
// that a concurrent approval of an excluding claim sees it.
func (a *Activities) CheckExclusions(ctx context.Context, in CheckExclusionsInput) (CheckExclusionsResult, error) {
	c, err := a.DB.ClaimByNumber(ctx, in.Number)
	if err != nil {
		return CheckExclusionsResult{}, asTemporal(err)
	}
	code := benefits.Code(c.Benefit)
	holders := benefits.HoldersOf(code, c.Members, c.SubjectID)
	var found benefits.Held
	_, err = a.DB.ReserveGrant(ctx, c.Number, holders, func(rights []store.HeldRight) bool {
		h, ok := conflictAmong(c.Number, code, holders, rights)
		found = h
		return ok
	})
	if err != nil || found.Claim == "" {
		return CheckExclusionsResult{}, err
	}
	return CheckExclusionsResult{Benefit: string(found.Benefit), Claim: found.Claim}, nil
}
