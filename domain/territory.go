package domain

import (
	"sort"
	"strings"
)

// Municipality is one of Montenegro's 25 municipalities (DOMAIN.md §6.4).
// Code is the ISO 3166-2:ME code; MONSTAT's numeric codes are to be imported
// when they are available and will become the master key.
type Municipality struct {
	Code string // ISO 3166-2:ME; "ME-25" for Zeta is a guess (not verified)
	Name string
	// JMBGRegion is the political region code persons born there carry.
	JMBGRegion int
}

// Centre is a social work centre (centar za socijalni rad) and the
// municipalities its regional units cover.
type Centre struct {
	ID             string
	Name           string
	Municipalities []string // municipality codes
}

// The municipality list. JMBG regions per DOMAIN.md §6.1; the newer
// municipalities inherit their parent's code (a guess, marked there).
var municipalities = []Municipality{
	{"ME-01", "Andrijevica", 27}, {"ME-02", "Bar", 22}, {"ME-03", "Berane", 27},
	{"ME-04", "Bijelo Polje", 28}, {"ME-05", "Budva", 23}, {"ME-06", "Cetinje", 25},
	{"ME-07", "Danilovgrad", 21}, {"ME-08", "Herceg Novi", 24}, {"ME-09", "Kolašin", 21},
	{"ME-10", "Kotor", 23}, {"ME-11", "Mojkovac", 28}, {"ME-12", "Nikšić", 26},
	{"ME-13", "Plav", 27}, {"ME-14", "Pljevlja", 29}, {"ME-15", "Plužine", 26},
	{"ME-16", "Podgorica", 21}, {"ME-17", "Rožaje", 27}, {"ME-18", "Šavnik", 26},
	{"ME-19", "Tivat", 23}, {"ME-20", "Ulcinj", 22}, {"ME-21", "Žabljak", 29},
	{"ME-22", "Gusinje", 27}, {"ME-23", "Petnjica", 27}, {"ME-24", "Tuzi", 21},
	{"ME-25", "Zeta", 21},
}

// The 13 centres. The grouping follows the CSR names seen in DOMAIN.md §6.4
// ("Mojkovac and Kolašin", "Berane, Andrijevica and Petnjica", ...); the
// rest is a guess to be replaced by the ministry's own table.
var centres = []Centre{
	{"csr-podgorica", "CSR Podgorica", []string{"ME-16", "ME-24", "ME-25"}},
	{"csr-danilovgrad", "CSR Danilovgrad", []string{"ME-07"}},
	{"csr-niksic", "CSR Nikšić", []string{"ME-12", "ME-15", "ME-18"}},
	{"csr-bar", "CSR Bar", []string{"ME-02", "ME-20"}},
	{"csr-herceg-novi", "CSR Herceg Novi", []string{"ME-08"}},
	{"csr-kotor", "CSR Kotor", []string{"ME-10", "ME-19", "ME-05"}},
	{"csr-cetinje", "CSR Cetinje", []string{"ME-06"}},
	{"csr-berane", "CSR Berane", []string{"ME-03", "ME-01", "ME-23"}},
	{"csr-bijelo-polje", "CSR Bijelo Polje", []string{"ME-04"}},
	{"csr-mojkovac", "CSR Mojkovac", []string{"ME-11", "ME-09"}},
	{"csr-pljevlja", "CSR Pljevlja", []string{"ME-14", "ME-21"}},
	{"csr-plav", "CSR Plav", []string{"ME-13", "ME-22"}},
	{"csr-rozaje", "CSR Rožaje", []string{"ME-17"}},
}

// Municipalities lists all 25 municipalities in code order.
func Municipalities() []Municipality {
	out := append([]Municipality(nil), municipalities...)
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Centres lists the social work centres.
func Centres() []Centre { return append([]Centre(nil), centres...) }

// MunicipalityByCode returns the municipality with ISO code code.
func MunicipalityByCode(code string) (Municipality, bool) {
	for _, m := range municipalities {
		if m.Code == code {
			return m, true
		}
	}
	return Municipality{}, false
}

// ParseMunicipality accepts an ISO code ("ME-16") or a name ("Podgorica",
// also without diacritics: "Niksic"), case-insensitively.
func ParseMunicipality(s string) (Municipality, error) {
	key := foldName(s)
	for _, m := range municipalities {
		if strings.EqualFold(m.Code, strings.TrimSpace(s)) || foldName(m.Name) == key {
			return m, nil
		}
	}
	return Municipality{}, FieldError("address.municipality", "%q is not one of Montenegro's 25 municipalities (use a name such as Podgorica or an ISO code such as ME-16)", s)
}

// CentreByID returns the centre with the id.
func CentreByID(id string) (Centre, bool) {
	for _, c := range centres {
		if c.ID == id {
			return c, true
		}
	}
	return Centre{}, false
}

// CentreFor returns the centre whose regional unit covers the municipality.
func CentreFor(municipalityCode string) (Centre, bool) {
	for _, c := range centres {
		for _, m := range c.Municipalities {
			if m == municipalityCode {
				return c, true
			}
		}
	}
	return Centre{}, false
}

var diacritics = strings.NewReplacer("š", "s", "đ", "dj", "č", "c", "ć", "c", "ž", "z", "ś", "s", "ź", "z")

func foldName(s string) string {
	return diacritics.Replace(strings.ToLower(strings.TrimSpace(s)))
}

// Address is where a person lives.
type Address struct {
	Municipality string // ISO code
	Settlement   string
	Street       string
}

// ParseAddress validates an address given as the user typed it.
func ParseAddress(municipality, settlement, street string) (Address, error) {
	if strings.TrimSpace(municipality) == "" {
		return Address{}, FieldError("address.municipality", "is required")
	}
	m, err := ParseMunicipality(municipality)
	if err != nil {
		return Address{}, err
	}
	settlement = strings.TrimSpace(settlement)
	if settlement == "" {
		return Address{}, FieldError("address.settlement", "is required")
	}
	if len(settlement) > 100 {
		return Address{}, FieldError("address.settlement", "is longer than 100 characters")
	}
	street = strings.TrimSpace(street)
	if len(street) > 200 {
		return Address{}, FieldError("address.street", "is longer than 200 characters")
	}
	return Address{Municipality: m.Code, Settlement: settlement, Street: street}, nil
}
