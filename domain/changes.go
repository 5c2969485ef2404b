package domain

// ChangeKind is a kind of change a registry publishes in its feed (issue 16
// item 3), or one Karton finds itself (adulthood).
type ChangeKind string

// The kinds of change.
const (
	ChangeDeath     ChangeKind = "death"     // population register: the person died (the date of death)
	ChangeBirth     ChangeKind = "birth"     // population register: a child was born to the person
	ChangeIncome    ChangeKind = "income"    // tax administration: a new job or income
	ChangePension   ChangeKind = "pension"   // pension fund: a pension granted
	ChangeMove      ChangeKind = "move"      // population register: another address or household
	ChangeVehicle   ChangeKind = "vehicle"   // vehicle register: a vehicle bought
	ChangeProperty  ChangeKind = "property"  // cadastre: property bought
	ChangeAdulthood ChangeKind = "adulthood" // Karton's daily check: a child of a household right turned 18
)

// Change states: what became of a change in Karton.
const (
	ChangeNew       = "new"       // stored, not yet applied
	ChangeApplied   = "applied"   // applied ex officio, or it touched no right
	ChangeProposed  = "proposed"  // a reassessment was proposed to a caseworker
	ChangeUnmatched = "unmatched" // the JMBG is no person Karton knows: kept for an operator
)

// ChangeStates lists the states in a fixed order.
func ChangeStates() []string {
	return []string{ChangeNew, ChangeApplied, ChangeProposed, ChangeUnmatched}
}

// FeedKarton is the feed of the changes Karton finds itself.
const FeedKarton = "karton"

// changeSources: which registry publishes which kinds in its feed.
var changeSources = []struct {
	Source Source
	Kinds  []ChangeKind
}{
	{SourcePopulation, []ChangeKind{ChangeDeath, ChangeBirth, ChangeMove}},
	{SourceTax, []ChangeKind{ChangeIncome}},
	{SourcePension, []ChangeKind{ChangePension}},
	{SourceVehicles, []ChangeKind{ChangeVehicle}},
	{SourceRealEstate, []ChangeKind{ChangeProperty}},
}

// ChangeFeeds lists the sources that publish a feed of changes, in a fixed order.
func ChangeFeeds() []Source {
	out := make([]Source, len(changeSources))
	for i, s := range changeSources {
		out[i] = s.Source
	}
	return out
}

// ChangeSourceOf returns the registry that publishes changes of kind k
// (false for a kind no registry publishes).
func ChangeSourceOf(k ChangeKind) (Source, bool) {
	for _, s := range changeSources {
		for _, x := range s.Kinds {
			if x == k {
				return s.Source, true
			}
		}
	}
	return "", false
}

// Valid reports whether k is a known kind.
func (k ChangeKind) Valid() bool {
	_, ok := ChangeSourceOf(k)
	return ok || k == ChangeAdulthood
}

// ExOfficio reports whether a change of kind k changes a right by itself,
// without a caseworker (DOMAIN.md §3.1): a death ends the dead person's
// rights, adulthood ends a child's part of the child allowance. Every other
// change only proposes a reassessment: an amount never changes without a
// caseworker.
func (k ChangeKind) ExOfficio() bool { return k == ChangeDeath || k == ChangeAdulthood }
