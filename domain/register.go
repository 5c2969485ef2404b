package domain

import (
	"encoding/json"
	"strings"
)

// The fields of a person's registration the population register also
// states: a difference in any of them is shown on the e-file (issue 17).
const (
	FieldGivenName  = "given_name"
	FieldFamilyName = "family_name"
	FieldAddress    = "address"
)

// RegisterDifference is a field where Karton's registration of a person
// says otherwise than the population register's latest evidence.
type RegisterDifference struct {
	Field    string // FieldGivenName, FieldFamilyName or FieldAddress
	Karton   string // as Karton has it
	Register string // as the register states it
}

// RegisterValues are what the population register states of a person's
// name and address (its identity and residence evidence); nil where the
// register has not answered.
type RegisterValues struct {
	Identity  *IdentityFact
	Residence *ResidenceFact
}

// ParseRegisterValues reads the values of identity and residence evidence
// (canonical JSON, either may be nil).
func ParseRegisterValues(identity, residence []byte) (RegisterValues, error) {
	var v RegisterValues
	if identity != nil {
		v.Identity = &IdentityFact{}
		if err := json.Unmarshal(identity, v.Identity); err != nil {
			return RegisterValues{}, err
		}
	}
	if residence != nil {
		v.Residence = &ResidenceFact{}
		if err := json.Unmarshal(residence, v.Residence); err != nil {
			return RegisterValues{}, err
		}
	}
	return v, nil
}

// Differences lists where p differs from the register, in the order
// given name, family name, address. Names and addresses are compared as
// words, ignoring case and runs of spaces: "Slobode  1" is "slobode 1".
func (v RegisterValues) Differences(p Person) []RegisterDifference {
	var out []RegisterDifference
	if id := v.Identity; id != nil {
		if id.GivenName != "" && !sameWords(p.GivenName, id.GivenName) {
			out = append(out, RegisterDifference{FieldGivenName, p.GivenName, id.GivenName})
		}
		if id.FamilyName != "" && !sameWords(p.FamilyName, id.FamilyName) {
			out = append(out, RegisterDifference{FieldFamilyName, p.FamilyName, id.FamilyName})
		}
	}
	if r := v.Residence; r != nil && r.Municipality != "" {
		reg := Address{Municipality: r.Municipality, Settlement: r.Settlement, Street: r.Street}
		if p.Address.Municipality != reg.Municipality || !sameWords(p.Address.Settlement, reg.Settlement) || !sameWords(p.Address.Street, reg.Street) {
			out = append(out, RegisterDifference{FieldAddress, AddressText(p.Address), AddressText(reg)})
		}
	}
	return out
}

// Apply returns p with the register's values of the fields named (all
// that differ when fields is empty), and the fields it changed.
func (v RegisterValues) Apply(p Person, fields []string) (Person, []string) {
	want := map[string]bool{}
	for _, f := range fields {
		want[f] = true
	}
	var changed []string
	for _, d := range v.Differences(p) {
		if len(fields) > 0 && !want[d.Field] {
			continue
		}
		switch d.Field {
		case FieldGivenName:
			p.GivenName = strings.TrimSpace(v.Identity.GivenName)
		case FieldFamilyName:
			p.FamilyName = strings.TrimSpace(v.Identity.FamilyName)
		case FieldAddress:
			r := v.Residence
			p.Address = Address{Municipality: r.Municipality, Settlement: strings.TrimSpace(r.Settlement), Street: strings.TrimSpace(r.Street)}
		}
		changed = append(changed, d.Field)
	}
	return p, changed
}

// Correct returns p with the name and address a caseworker typed,
// validated as at registration, and the fields that changed; a reason is
// required. The JMBG, and with it the date of birth and sex, is not
// corrected here.
func Correct(p Person, given, family string, addr Address, reason string) (Person, []string, error) {
	g, err := parseName("given_name", given)
	if err != nil {
		return Person{}, nil, err
	}
	f, err := parseName("family_name", family)
	if err != nil {
		return Person{}, nil, err
	}
	a, err := ParseAddress(addr.Municipality, addr.Settlement, addr.Street)
	if err != nil {
		return Person{}, nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Person{}, nil, FieldError("reason", "is required: say why the registration is corrected (a document seen, the person's statement)")
	}
	if len(reason) > 500 {
		return Person{}, nil, FieldError("reason", "is longer than 500 characters")
	}
	var changed []string
	if g != p.GivenName {
		changed = append(changed, FieldGivenName)
	}
	if f != p.FamilyName {
		changed = append(changed, FieldFamilyName)
	}
	if a != p.Address {
		changed = append(changed, FieldAddress)
	}
	p.GivenName, p.FamilyName, p.Address = g, f, a
	return p, changed, nil
}

// AddressText is an address as a line: street, settlement, municipality.
func AddressText(a Address) string {
	var parts []string
	if s := strings.TrimSpace(a.Street); s != "" {
		parts = append(parts, s)
	}
	if s := strings.TrimSpace(a.Settlement); s != "" {
		parts = append(parts, s)
	}
	if m, ok := MunicipalityByCode(a.Municipality); ok {
		parts = append(parts, m.Name)
	} else if a.Municipality != "" {
		parts = append(parts, a.Municipality)
	}
	return strings.Join(parts, ", ")
}

func sameWords(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}
