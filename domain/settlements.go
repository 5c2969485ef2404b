package domain

import (
	"sort"
	"strings"
	"time"
)

// Settlement is a settlement (naselje) of the territorial register: its
// MONSTAT code, its name as the register spells it, and the municipality
// (ISO 3166-2:ME code) it lies in.
type Settlement struct {
	Code         string
	Name         string
	Municipality string
}

// TerritoryVersion is the register as it stood from ValidFrom until the
// next version: settlements are renamed, and move when a municipality is
// formed, by law (DOMAIN.md §7.3, the Law on Territorial Organisation).
type TerritoryVersion struct {
	ValidFrom   time.Time
	Note        string // what changed, in English
	Settlements []Settlement
}

// Territory is the territorial register: its versions, oldest first.
type Territory struct {
	Versions []TerritoryVersion
}

func territoryDay(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err) // a static table
	}
	return t
}

// The register Karton carries until MONSTAT's lists are imported. GUESS:
// the settlements and their names are real, but only a few municipalities
// are covered (Podgorica, Zeta, Nikšić, Bar, Berane, Cetinje, Danilovgrad)
// and the codes are made up in MONSTAT's shape (five digits: municipality,
// then settlement); the dates of the versions are the laws' years as we
// understood them, not verified (docs/exchanges.md).
var territory = func() Territory {
	v1 := []Settlement{
		{"16001", "Titograd", "ME-16"}, {"16002", "Golubovci", "ME-16"}, {"16003", "Beri", "ME-16"},
		{"16004", "Donja Gorica", "ME-16"}, {"16005", "Farmaci", "ME-16"}, {"16006", "Lješkopolje", "ME-16"},
		{"16007", "Velje Brdo", "ME-16"}, {"16008", "Mahala", "ME-16"},
		{"12001", "Nikšić", "ME-12"}, {"12002", "Kličevo", "ME-12"}, {"12003", "Ozrinići", "ME-12"},
		{"12004", "Rastovac", "ME-12"}, {"12005", "Vidrovan", "ME-12"}, {"12006", "Grahovo", "ME-12"},
		{"02001", "Bar", "ME-02"}, {"02002", "Sutomore", "ME-02"}, {"02003", "Stari Bar", "ME-02"},
		{"02004", "Virpazar", "ME-02"}, {"02005", "Ostros", "ME-02"}, {"02006", "Čanj", "ME-02"}, {"02007", "Dobra Voda", "ME-02"},
		{"03001", "Ivangrad", "ME-03"}, {"03002", "Lužac", "ME-03"}, {"03003", "Budimlja", "ME-03"},
		{"06001", "Cetinje", "ME-06"}, {"06002", "Rijeka Crnojevića", "ME-06"}, {"06003", "Njeguši", "ME-06"}, {"06004", "Čevo", "ME-06"},
		{"07001", "Danilovgrad", "ME-07"}, {"07002", "Spuž", "ME-07"}, {"07003", "Jelenak", "ME-07"},
	}
	v2 := rename(v1, map[string]string{"16001": "Podgorica", "03001": "Berane"})
	v3 := move(v2, map[string]string{"16002": "ME-25", "16008": "ME-25"})
	return Territory{Versions: []TerritoryVersion{
		{ValidFrom: territoryDay("1981-01-01"), Note: "the first list", Settlements: v1},
		{ValidFrom: territoryDay("1992-04-02"), Note: "Titograd renamed Podgorica, Ivangrad renamed Berane", Settlements: v2},
		{ValidFrom: territoryDay("2022-09-01"), Note: "Golubovci and Mahala go to the new municipality of Zeta", Settlements: v3},
	}}
}()

func rename(in []Settlement, names map[string]string) []Settlement {
	out := append([]Settlement(nil), in...)
	for i, s := range out {
		if n, ok := names[s.Code]; ok {
			out[i].Name = n
		}
	}
	return out
}

func move(in []Settlement, to map[string]string) []Settlement {
	out := append([]Settlement(nil), in...)
	for i, s := range out {
		if m, ok := to[s.Code]; ok {
			out[i].Municipality = m
		}
	}
	return out
}

// TerritorialRegister returns the register Karton carries.
func TerritorialRegister() Territory { return territory }

// On returns the version in force on day: the latest whose ValidFrom is
// not after it (the first before the first).
func (t Territory) On(on time.Time) TerritoryVersion {
	v := t.Versions[0]
	for _, x := range t.Versions {
		if !x.ValidFrom.After(on) {
			v = x
		}
	}
	return v
}

// Covers reports whether the version lists the settlements of the
// municipality: an address elsewhere is taken as typed until the
// register covers it.
func (v TerritoryVersion) Covers(municipality string) bool {
	for _, s := range v.Settlements {
		if s.Municipality == municipality {
			return true
		}
	}
	return false
}

// In lists the settlements of a municipality, by name.
func (v TerritoryVersion) In(municipality string) []Settlement {
	var out []Settlement
	for _, s := range v.Settlements {
		if s.Municipality == municipality {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Find returns the settlement of a municipality named name in this
// version, or under a name it had in an earlier one ("Titograd" is
// Podgorica), compared without case, diacritics or extra spaces.
func (t Territory) Find(municipality, name string, on time.Time) (Settlement, bool) {
	v := t.On(on)
	key := foldName(strings.Join(strings.Fields(name), " "))
	for _, s := range v.Settlements {
		if s.Municipality == municipality && foldName(s.Name) == key {
			return s, true
		}
	}
	for i := len(t.Versions) - 1; i >= 0; i-- {
		for _, old := range t.Versions[i].Settlements {
			if foldName(old.Name) != key {
				continue
			}
			for _, s := range v.Settlements {
				if s.Code == old.Code && s.Municipality == municipality {
					return s, true
				}
			}
		}
	}
	return Settlement{}, false
}

// NormaliseAddress checks an address's settlement against the register in
// force on day and writes it as the register spells it ("niksic" is
// Nikšić, "Titograd" is Podgorica). A settlement the register does not
// know in a municipality it covers is refused, naming the municipality's
// settlements; in a municipality it does not cover yet the address stays
// as typed.
func NormaliseAddress(a Address, on time.Time) (Address, error) {
	return territory.Normalise(a, on)
}

// Normalise is NormaliseAddress over t.
func (t Territory) Normalise(a Address, on time.Time) (Address, error) {
	v := t.On(on)
	if !v.Covers(a.Municipality) {
		return a, nil
	}
	if s, ok := t.Find(a.Municipality, a.Settlement, on); ok {
		a.Settlement = s.Name
		return a, nil
	}
	mname := a.Municipality
	if m, ok := MunicipalityByCode(a.Municipality); ok {
		mname = m.Name
	}
	var known []string
	for _, s := range v.In(a.Municipality) {
		known = append(known, s.Name)
	}
	if elsewhere, ok := t.findAnywhere(a.Settlement, on); ok {
		other := elsewhere.Municipality
		if m, ok := MunicipalityByCode(other); ok {
			other = m.Name
		}
		return Address{}, FieldError("address.settlement", "%q is a settlement of %s, not of %s; the settlements of %s are: %s",
			strings.TrimSpace(a.Settlement), other, mname, mname, strings.Join(known, ", "))
	}
	return Address{}, FieldError("address.settlement", "%q is not a settlement of %s in the territorial register; its settlements are: %s",
		strings.TrimSpace(a.Settlement), mname, strings.Join(known, ", "))
}

func (t Territory) findAnywhere(name string, on time.Time) (Settlement, bool) {
	key := foldName(strings.Join(strings.Fields(name), " "))
	for _, s := range t.On(on).Settlements {
		if foldName(s.Name) == key {
			return s, true
		}
	}
	return Settlement{}, false
}

// SettlementName is the settlement's name as the register in force on day
// spells it, or the name as given where the register does not know it
// (the Post's lists print it).
func SettlementName(municipality, name string, on time.Time) string {
	if s, ok := territory.Find(municipality, name, on); ok {
		return s.Name
	}
	return strings.TrimSpace(name)
}
