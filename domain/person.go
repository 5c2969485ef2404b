package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// PersonID is Karton's own identifier for a person (a UUID), never the JMBG.
type PersonID string

// Person is someone the system knows.
type Person struct {
	ID          PersonID
	JMBG        JMBG
	GivenName   string
	FamilyName  string
	BirthDate   time.Time // derived from the JMBG
	Sex         Sex       // derived from the JMBG
	Address     Address
	CentreID    string // the centre whose area the address is in
	HouseholdID HouseholdID
	// JMBGWarning is set when the JMBG passed only the lenient remainder-1 rule.
	JMBGWarning string
	CreatedAt   time.Time
}

// NewPersonInput is a registration as typed by a caseworker.
type NewPersonInput struct {
	JMBG       string
	GivenName  string
	FamilyName string
	Address    Address
}

// NewPerson validates a registration and derives birth date, sex and the
// competent centre. The ID is left for the store to assign.
func NewPerson(in NewPersonInput) (Person, error) {
	j, info, err := ParseJMBG(strings.TrimSpace(in.JMBG))
	if err != nil {
		return Person{}, err
	}
	given, err := parseName("given_name", in.GivenName)
	if err != nil {
		return Person{}, err
	}
	family, err := parseName("family_name", in.FamilyName)
	if err != nil {
		return Person{}, err
	}
	centre, ok := CentreFor(in.Address.Municipality)
	if !ok {
		return Person{}, FieldError("address.municipality", "no centre covers %q", in.Address.Municipality)
	}
	p := Person{
		JMBG: j, GivenName: given, FamilyName: family,
		BirthDate: info.BirthDate, Sex: info.Sex,
		Address: in.Address, CentreID: centre.ID,
	}
	if info.Remainder1 {
		p.JMBGWarning = "check digit accepted under the remainder-1 rule; verify with the population register"
	}
	return p, nil
}

func parseName(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", FieldError(field, "is required")
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 100 {
		return "", FieldError(field, "must be valid text of at most 100 characters")
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && r != ' ' && r != '-' && r != '\'' && r != '.' {
			return "", FieldError(field, "may contain letters, spaces, hyphens and apostrophes only")
		}
	}
	return s, nil
}

// ParsePersonID checks that s looks like a person id (a UUID).
func ParsePersonID(s string) (PersonID, error) {
	if len(s) != 36 {
		return "", Errorf(CodeNotFound, "person %q not found", s)
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return "", Errorf(CodeNotFound, "person %q not found", s)
			}
		default:
			if !strings.ContainsRune("0123456789abcdef", r) {
				return "", Errorf(CodeNotFound, "person %q not found", s)
			}
		}
	}
	return PersonID(s), nil
}
