package domain

// HouseholdID is Karton's identifier for a household.
type HouseholdID string

// Relation is a member's relation to the household's reference person, as
// the population register records it.
type Relation string

// Relations the population register uses.
const (
	RelationHead    Relation = "head"
	RelationSpouse  Relation = "spouse"
	RelationChild   Relation = "child"
	RelationParent  Relation = "parent"
	RelationSibling Relation = "sibling"
	RelationOther   Relation = "other"
)

// ValidRelation reports whether r is one of the relations above.
func ValidRelation(r Relation) bool {
	switch r {
	case RelationHead, RelationSpouse, RelationChild, RelationParent, RelationSibling, RelationOther:
		return true
	}
	return false
}

// Household is the persons who live and keep house together.
type Household struct {
	ID      HouseholdID
	Address Address
	Members []HouseholdMember
}

// HouseholdMember is one person of a household.
type HouseholdMember struct {
	PersonID   PersonID
	JMBG       JMBG
	GivenName  string
	FamilyName string
	Relation   Relation
}
