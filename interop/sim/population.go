package sim

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// Population is a synthetic country: households generated deterministically
// from their index, so the demo loader and every simulated registry agree
// on who lives where, earns what and owns what, without sharing state.
type Population struct {
	size    int
	byJMBG  map[domain.JMBG]personRef
	homes   []Household
	asOf    time.Time
	rootKey uint64
}

type personRef struct{ household, member int }

// Household is one generated household.
type Household struct {
	Index          int
	RegisterNumber string
	Address        domain.Address
	Rural          bool
	Members        []Member
}

// Member is one generated person with everything the registries know.
type Member struct {
	JMBG       domain.JMBG
	GivenName  string
	FamilyName string
	BirthDate  time.Time
	Sex        domain.Sex
	Relation   domain.Relation

	EmployedNet    decimal.Decimal // zero: not employed
	EmployerPIB    string
	Unemployed     bool
	UnemployedFrom time.Time
	Pension        decimal.Decimal
	PensionKind    string
	InsuredYears   int
	Student        string // school or university; empty: not enrolled
	StudentLevel   string
}

// AsOf is the date the generated facts are current at.
var AsOf = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxHouseholds is how many households the default population holds; the
// demo loader may load up to this many.
const MaxHouseholds = 20000

// NewPopulation generates size households.
func NewPopulation(size int) *Population {
	p := &Population{size: size, byJMBG: make(map[domain.JMBG]personRef, size*3), asOf: AsOf, rootKey: 0x6b6172746f6e}
	p.homes = make([]Household, size)
	for i := 0; i < size; i++ {
		h := p.generate(i)
		for m := range h.Members {
			// Keep JMBGs unique across the population: bump the serial on a clash.
			for {
				if _, clash := p.byJMBG[h.Members[m].JMBG]; !clash {
					break
				}
				h.Members[m].JMBG = bumpSerial(h.Members[m])
			}
			p.byJMBG[h.Members[m].JMBG] = personRef{i, m}
		}
		p.homes[i] = h
	}
	p.addDemoCitizen()
	return p
}

// Size is the number of households.
func (p *Population) Size() int { return p.size }

// Household returns household i.
func (p *Population) Household(i int) Household { return p.homes[i] }

// Lookup finds the household and member of a JMBG. A valid JMBG that the
// population does not hold gets a household of its own, generated from the
// number itself, so any registered person has consistent registry data.
func (p *Population) Lookup(j domain.JMBG) (Household, int) {
	if ref, ok := p.byJMBG[j]; ok {
		return p.homes[ref.household], ref.member
	}
	_, info, err := domain.ParseJMBG(string(j))
	if err != nil {
		return Household{}, -1
	}
	h64 := fnv.New64a()
	h64.Write([]byte(j))
	seed := h64.Sum64()
	r := rand.New(rand.NewPCG(seed, p.rootKey))
	h := Household{Index: -1, RegisterNumber: fmt.Sprintf("X-%s", j), Rural: r.IntN(4) == 0}
	h.Address = randomAddress(r)
	m := Member{JMBG: j, BirthDate: info.BirthDate, Sex: info.Sex, Relation: domain.RelationHead, FamilyName: pick(r, familyNames)}
	m.GivenName = givenName(r, info.Sex)
	p.economy(r, &m, h.Rural)
	h.Members = []Member{m}
	return h, 0
}

var (
	familyNames = []string{"Popović", "Marković", "Vujović", "Radović", "Perović", "Đukanović", "Kovačević", "Bošković",
		"Vuković", "Lekić", "Nikolić", "Šćepanović", "Radulović", "Ivanović", "Jovanović", "Bulatović", "Knežević",
		"Dedović", "Hodžić", "Kalač", "Dervišević", "Gjokaj", "Ljuljđuraj", "Medojević", "Raičević"}
	maleNames   = []string{"Marko", "Nikola", "Luka", "Petar", "Stefan", "Milan", "Vuk", "Filip", "Amar", "Edin", "Ilija", "Dragan", "Nenad", "Blerim"}
	femaleNames = []string{"Ana", "Milica", "Jovana", "Marija", "Sara", "Jelena", "Dragana", "Ivana", "Amra", "Lejla", "Teodora", "Vesna", "Mirjana", "Drita"}
	streets     = []string{"Njegoševa", "Slobode", "Bulevar Svetog Petra Cetinjskog", "Vuka Karadžića", "Jovana Tomaševića",
		"Obala", "Baku", "Mojsija Zečevića", "13. jula", "Crnogorskih serdara", "Oktobarske revolucije", "Maršala Tita"}
	// Rough shares of the population by municipality, in tenths of a percent.
	weights = map[string]int{"ME-16": 260, "ME-12": 110, "ME-04": 70, "ME-02": 70, "ME-08": 50, "ME-05": 45, "ME-14": 45,
		"ME-03": 40, "ME-20": 32, "ME-10": 35, "ME-06": 25, "ME-19": 22, "ME-17": 35, "ME-07": 28, "ME-24": 20,
		"ME-25": 25, "ME-11": 13, "ME-09": 13, "ME-13": 14, "ME-23": 8, "ME-22": 5, "ME-01": 8, "ME-21": 5,
		"ME-15": 4, "ME-18": 3}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func givenName(r *rand.Rand, s domain.Sex) string {
	if s == domain.SexFemale {
		return pick(r, femaleNames)
	}
	return pick(r, maleNames)
}

func randomAddress(r *rand.Rand) domain.Address {
	total := 0
	ms := domain.Municipalities()
	for _, m := range ms {
		total += weights[m.Code]
	}
	n := r.IntN(total)
	code := ms[0].Code
	name := ms[0].Name
	for _, m := range ms {
		n -= weights[m.Code]
		if n < 0 {
			code, name = m.Code, m.Name
			break
		}
	}
	return domain.Address{Municipality: code, Settlement: name, Street: fmt.Sprintf("%s %d", pick(r, streets), 1+r.IntN(120))}
}

func (p *Population) generate(i int) Household {
	r := rand.New(rand.NewPCG(uint64(i), p.rootKey))
	h := Household{Index: i, RegisterNumber: fmt.Sprintf("H-%07d", i+1), Rural: r.IntN(4) == 0}
	h.Address = randomAddress(r)
	mun, _ := domain.MunicipalityByCode(h.Address.Municipality)
	family := pick(r, familyNames)
	birth := func(minAge, maxAge int) time.Time {
		days := (minAge*365 + r.IntN((maxAge-minAge+1)*365))
		return p.asOf.AddDate(0, 0, -days)
	}
	add := func(rel domain.Relation, sex domain.Sex, born time.Time) {
		m := Member{BirthDate: born, Sex: sex, Relation: rel, FamilyName: family, GivenName: givenName(r, sex)}
		serial := r.IntN(500)
		if sex == domain.SexFemale {
			serial += 500
		}
		m.JMBG, _ = domain.MakeJMBG(born, mun.JMBGRegion, serial)
		p.economy(r, &m, h.Rural)
		h.Members = append(h.Members, m)
	}
	headSex := domain.SexMale
	if r.IntN(3) == 0 {
		headSex = domain.SexFemale
	}
	head := birth(22, 85)
	add(domain.RelationHead, headSex, head)
	headAge := ageAt(head, p.asOf)
	if r.IntN(10) < 6 {
		add(domain.RelationSpouse, other(headSex), birth(max(20, headAge-8), min(90, headAge+5)))
	}
	if headAge < 60 {
		kids := []int{0, 1, 1, 2, 2, 2, 3, 3, 4, 5}[r.IntN(10)]
		for k := 0; k < kids; k++ {
			sex := domain.SexMale
			if r.IntN(2) == 0 {
				sex = domain.SexFemale
			}
			add(domain.RelationChild, sex, birth(0, min(24, max(0, headAge-20))))
		}
	}
	if headAge < 55 && r.IntN(8) == 0 {
		add(domain.RelationParent, domain.SexFemale, birth(headAge+20, min(95, headAge+35)))
	}
	return h
}

func other(s domain.Sex) domain.Sex {
	if s == domain.SexMale {
		return domain.SexFemale
	}
	return domain.SexMale
}

func ageAt(born, at time.Time) int {
	age := at.Year() - born.Year()
	if at.YearDay() < born.YearDay() {
		age--
	}
	return age
}

// economy decides, from the same random stream, what the registries hold
// about one person.
func (p *Population) economy(r *rand.Rand, m *Member, rural bool) {
	age := ageAt(m.BirthDate, p.asOf)
	cents := func(lo, hi int) decimal.Decimal { return decimal.New(int64(lo*100+r.IntN((hi-lo)*100)), -2) }
	switch {
	case age >= 65:
		m.Pension = cents(180, 750)
		m.PensionKind = "old_age"
		m.InsuredYears = 15 + r.IntN(25)
	case age >= 18:
		m.InsuredYears = r.IntN(max(1, age-18))
		switch n := r.IntN(20); {
		case n < 11:
			m.EmployedNet = cents(450, 1600)
			m.EmployerPIB = employerOf(m.JMBG, fmt.Sprintf("02%06d", r.IntN(1000000)))
		case n < 15:
			m.Unemployed = true
			m.UnemployedFrom = p.asOf.AddDate(0, -1-r.IntN(60), 0)
		case n < 16:
			m.Pension = cents(150, 400)
			m.PensionKind = "disability"
		}
	}
	if age >= 6 && age <= 18 {
		m.Student, m.StudentLevel = "JU OŠ / Gimnazija", "primary_or_secondary"
		if age > 14 {
			m.StudentLevel = "secondary"
		} else {
			m.StudentLevel = "primary"
		}
	} else if age > 18 && age <= 24 && r.IntN(2) == 0 {
		m.Student, m.StudentLevel = "Univerzitet Crne Gore", "university"
	}
}

func bumpSerial(m Member) domain.JMBG {
	_, info, _ := domain.ParseJMBG(string(m.JMBG))
	serial := (info.Serial + 1) % 500
	if m.Sex == domain.SexFemale {
		serial += 500
	}
	j, _ := domain.MakeJMBG(info.BirthDate, info.Region, serial)
	return j
}
