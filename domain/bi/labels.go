package bi

import (
	"strings"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
)

// words are the members' and the dimensions' names that have no
// catalogue of their own, in Montenegrin and English.
var words = map[string][2]string{
	"time": {"Vrijeme", "Time"}, "benefit": {"Davanje", "Benefit"}, "geography": {"Teritorija", "Geography"},
	"organisation": {"Centar", "Centre"}, "sex": {"Pol", "Sex"}, "age": {"Starosna grupa", "Age band"},
	"kind": {"Vrsta rješenja", "Kind of decision"}, "channel": {"Način podnošenja", "Channel"},
	"time.year": {"Godina", "Year"}, "time.quarter": {"Kvartal", "Quarter"}, "time.month": {"Mjesec", "Month"},
	"benefit.group": {"Grupa davanja", "Group of benefits"}, "benefit.benefit": {"Davanje", "Benefit"},
	"geography.municipality": {"Opština", "Municipality"}, "geography.settlement": {"Naselje", "Settlement"},
	"organisation.centre": {"Centar za socijalni rad", "Social work centre"}, "sex.sex": {"Pol", "Sex"}, "age.band": {"Starosna grupa", "Age band"},
	"kind.kind": {"Vrsta rješenja", "Kind of decision"}, "channel.channel": {"Način podnošenja", "Channel"},
	"social": {"Socijalna zaštita", "Social protection"}, "child": {"Dječja zaštita", "Child protection"},
	"veterans": {"Boračko-invalidska zaštita", "Veterans' and disability protection"},
	"M":        {"Muškarci", "Men"}, "F": {"Žene", "Women"},
	"grant": {"Priznato pravo", "Granted"}, "rejection": {"Odbijen zahtjev", "Rejected"},
	"revision_change": {"Izmjena po reviziji", "Changed on revision"}, "revision_end": {"Prestanak po reviziji", "Ended on revision"},
	"death_end": {"Prestanak zbog smrti", "Ended on death"},
	"counter":   {"Na šalteru", "At the counter"}, "online": {"Elektronski", "Online"},
	"persons": {"Lica", "Persons"}, "rights": {"Prava", "Rights"}, "payments": {"Isplate", "Payments"},
	"amount": {"Iznos (EUR)", "Amount (EUR)"}, "amount_regular": {"Redovne isplate (EUR)", "Regular (EUR)"},
	"amount_one_off": {"Jednokratne isplate (EUR)", "One-off (EUR)"}, "amount_in_kind": {"U naturi (EUR)", "In kind (EUR)"},
	"decisions": {"Rješenja", "Decisions"}, "days_to_decide": {"Prosječno dana do rješenja", "Mean days to decide"},
	"claims": {"Zahtjevi", "Claims"}, "all": {"Crna Gora", "Montenegro"},
	"procedure": {"Postupak", "Procedure"}, "stage": {"Faza", "Stage"}, "manager": {"Voditelj slučaja", "Case manager"},
	"procedure.procedure": {"Postupak", "Procedure"}, "stage.stage": {"Faza", "Stage"}, "manager.manager": {"Voditelj slučaja", "Case manager"},
	"cases": {"Slučajevi", "Cases"}, "stages": {"Završene faze", "Stages done"}, "overdue": {"Završene sa zakašnjenjem", "Done late"},
	"days_in_stage": {"Prosječno dana u fazi", "Mean days in a stage"},
	"intake":        {"Prijem", "Intake"}, "opening": {"Otvaranje slučaja", "Opening"}, "initial_assessment": {"Početna procjena", "Initial assessment"},
	"detailed_assessment": {"Detaljna procjena", "Detailed assessment"}, "plan": {"Plan usluga", "Plan"}, "monitoring": {"Praćenje", "Monitoring"},
	"closing": {"Zatvaranje slučaja", "Closing"},
	// The placements fact (issue 22 item 6); the budget lines as the
	// institutions' pages name them.
	"institution": {"Ustanova", "Institution"}, "institution.institution": {"Ustanova", "Institution"},
	"budget_line": {"Budžetska linija", "Budget line"}, "budget_line.budget_line": {"Budžetska linija", "Budget line"},
	"maintenance_in_homes": {"Izdržavanje u domovima", "Maintenance in homes"},
	"outside_montenegro":   {"Smještaj van Crne Gore", "Placement outside Montenegro"},
	"family_placement":     {"Porodični smještaj", "Family placement"},
	"placements":           {"Smještaji", "Placements"}, "admissions": {"Prijemi", "Admissions"},
	"discharges": {"Otpusti i premještaji", "Discharges and transfers"}, "days": {"Dani smještaja", "Placement-days"},
	"copayment": {"Participacija (EUR)", "Co-payment (EUR)"}, "net": {"Na teret budžeta (EUR)", "Paid by the budget (EUR)"},
}

// noInstitution names the institution member of a placement in none (a
// family placement, one outside Montenegro).
var noInstitution = [2]string{"Bez ustanove", "No institution"}

var monthNames = [2][12]string{
	{"januar", "februar", "mart", "april", "maj", "jun", "jul", "avgust", "septembar", "oktobar", "novembar", "decembar"},
	{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

func pick(lang string) int {
	if lang == "en" {
		return 1
	}
	return 0
}

// Word names a dimension, an axis ("time.month") or a measure in the
// language ("cnr" or "en").
func Word(key, lang string) string {
	if w, ok := words[key]; ok {
		return w[pick(lang)]
	}
	return key
}

// Label names a member of an axis in the language: a benefit, a
// municipality, a centre by name, a month in words. An institution's name
// is in the database: the API names those (Label says only "no
// institution", and an institution's id for want of its name).
func Label(a Axis, v, lang string) string {
	i := pick(lang)
	switch a.String() {
	case "time.month":
		if len(v) == 7 && monthRe.MatchString(v) {
			m := int(v[5]-'0')*10 + int(v[6]-'0')
			return monthNames[i][m-1] + " " + v[:4]
		}
	case "time.quarter":
		if quarterRe.MatchString(v) {
			if i == 0 {
				return v[6:] + ". kvartal " + v[:4]
			}
			return "Q" + v[6:] + " " + v[:4]
		}
	case "benefit.benefit":
		if b, ok := benefits.Lookup(benefits.Code(v)); ok {
			if i == 0 {
				return b.NameCnr
			}
			return b.NameEn
		}
	case "geography.municipality":
		if m, ok := domain.MunicipalityByCode(v); ok {
			return m.Name
		}
	case "geography.settlement":
		code, s, _ := strings.Cut(v, "/")
		if m, ok := domain.MunicipalityByCode(code); ok {
			return s + " (" + m.Name + ")"
		}
	case "organisation.centre":
		if c, ok := domain.CentreByID(v); ok {
			return c.Name
		}
	case "procedure.procedure":
		if d, err := procedures.Get(v, 0); err == nil {
			if i == 0 {
				return v + " " + d.Name.CNR
			}
			return v + " " + d.Name.EN
		}
	case "manager.manager":
		if u, ok := domain.DemoUser(v); ok {
			return u.Name
		}
	case "institution.institution":
		if v == "" {
			return noInstitution[i]
		}
		return v
	}
	if w, ok := words[v]; ok {
		return w[i]
	}
	return v
}
