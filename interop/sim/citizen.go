package sim

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// DemoCitizenJMBG is the demo citizen's (citizen.demo of the development
// issuer, domain.DemoUsers): the registries know him with his family, so
// that he can apply online for child allowance (issue 18). His household
// is not one the demo loader loads: Karton learns of him when he asks for
// his data in the benefits portal, or when a centre registers him.
const DemoCitizenJMBG domain.JMBG = "2101006500003"

// demoCitizenHousehold is the demo citizen, unemployed, with his wife,
// employed on a low wage, and their two small children, in Podgorica:
// child allowance is due for both children.
func demoCitizenHousehold(asOf time.Time) Household {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	jmbg := func(born string, serial int) domain.JMBG { j, _ := domain.MakeJMBG(day(born), 21, serial); return j }
	wife := jmbg("2005-06-14", 941)
	h := Household{Index: -1, RegisterNumber: "X-" + string(DemoCitizenJMBG),
		Address: domain.Address{Municipality: "ME-16", Settlement: "Podgorica", Street: "Crnogorskih serdara 26"},
		Members: []Member{
			{JMBG: DemoCitizenJMBG, GivenName: "Stefan", FamilyName: "Bulatović", BirthDate: day("2006-01-21"), Sex: domain.SexMale,
				Relation: domain.RelationHead, Unemployed: true, UnemployedFrom: asOf.AddDate(-2, 0, 0), InsuredYears: 1},
			{JMBG: wife, GivenName: "Milica", FamilyName: "Bulatović", BirthDate: day("2005-06-14"), Sex: domain.SexFemale,
				Relation: domain.RelationSpouse, EmployedNet: decimal.RequireFromString("512.40"), EmployerPIB: employerOf(wife, "02417305"), InsuredYears: 2},
			{JMBG: jmbg("2024-05-10", 441), GivenName: "Luka", FamilyName: "Bulatović", BirthDate: day("2024-05-10"), Sex: domain.SexMale,
				Relation: domain.RelationChild},
			{JMBG: jmbg("2025-09-03", 942), GivenName: "Sara", FamilyName: "Bulatović", BirthDate: day("2025-09-03"), Sex: domain.SexFemale,
				Relation: domain.RelationChild},
		}}
	return h
}

// addDemoCitizen puts the demo citizen's household after the generated
// ones, outside Size (the demo loader loads only those), with JMBGs that
// clash with none of theirs.
func (p *Population) addDemoCitizen() {
	h := demoCitizenHousehold(p.asOf)
	for m := range h.Members {
		for m > 0 { // the citizen's own JMBG is the issuer's: never another's (region 50 is none of the generated ones)
			if _, clash := p.byJMBG[h.Members[m].JMBG]; !clash {
				break
			}
			h.Members[m].JMBG = bumpSerial(h.Members[m])
		}
		p.byJMBG[h.Members[m].JMBG] = personRef{len(p.homes), m}
	}
	p.homes = append(p.homes, h)
}
