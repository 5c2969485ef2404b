package benefits

import (
	"fmt"
	"slices"

	"github.com/karton-social/karton/domain"
)

// The rule of exclusions (issue 16), checked when a claim is filed and
// again before its grant is decided:
//
//   - A claim concerns its holders (HoldersOf): for a benefit of the whole
//     household (MO, DD, JNP, ND) every member of the claim; for one of a
//     person (LI, DNJP, NNJ, TS) the person it is about, the claim's
//     subject (else the applicant). A right held concerns the holders of
//     the claim that granted it, counted the same way.
//   - A claim may not be granted beside a right, not ended, that shares a
//     holder with it and either excludes it (the catalogue's Excludes,
//     both ways: MO and veterans' MO, LI and DNJP) or is the same monthly
//     benefit: a household does not hold MO twice, a person LI twice.
//     One-off benefits (ND, TS, JNP) may be granted again (a second child,
//     another funeral; JNP has its own yearly limit in Calculate).

// Held is a right not ended, as the exclusion rule reads it.
type Held struct {
	Benefit Code
	Claim   string // the number of the claim that granted it
	// Holders are the persons it concerns (HoldersOf its claim).
	Holders []domain.PersonID
}

// HoldersOf are the persons a claim of code concerns: every member for a
// benefit of the household, else its subject (else the applicant,
// members[0]).
func HoldersOf(code Code, members []domain.PersonID, subject domain.PersonID) []domain.PersonID {
	if b, ok := Lookup(code); ok && b.HouseholdScope {
		return slices.Clone(members)
	}
	if subject != "" {
		return []domain.PersonID{subject}
	}
	if len(members) > 0 {
		return members[:1:1]
	}
	return nil
}

// Conflict returns the first right of held that a claim of code for
// holders may not be granted beside.
func Conflict(code Code, holders []domain.PersonID, held []Held) (Held, bool) {
	b, _ := Lookup(code)
	for _, h := range held {
		shared := slices.ContainsFunc(h.Holders, func(p domain.PersonID) bool { return slices.Contains(holders, p) })
		if !shared {
			continue
		}
		if Excludes(code, h.Benefit) || (h.Benefit == code && b.Periodicity == Monthly) {
			return h, true
		}
	}
	return Held{}, false
}

// ConflictError is the refusal (CodeConflict, on field benefit) of a
// claim of code beside the right h, in the user's language (cnr or en),
// naming both benefits and the claim that granted h.
func ConflictError(lang string, code Code, h Held) *domain.Error {
	b, _ := Lookup(code)
	held, _ := Lookup(h.Benefit)
	var msg string
	switch {
	case lang == "en" && h.Benefit == code:
		msg = fmt.Sprintf("%s is already held under claim %s: the same right is not granted twice", held.NameEn, h.Claim)
	case lang == "en":
		msg = fmt.Sprintf("%s cannot be granted: %s, which excludes it, is held under claim %s", b.NameEn, held.NameEn, h.Claim)
	case h.Benefit == code:
		msg = fmt.Sprintf("pravo „%s” se već ostvaruje po zahtjevu %s: isto pravo se ne može ostvariti dvaput", held.NameCnr, h.Claim)
	default:
		msg = fmt.Sprintf("pravo „%s” se ne može priznati: ostvaruje se pravo „%s” (zahtjev %s), koje ga isključuje", b.NameCnr, held.NameCnr, h.Claim)
	}
	return &domain.Error{Code: domain.CodeConflict, Field: "benefit", Message: msg}
}
