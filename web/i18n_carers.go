package web

import "maps"

// carerMessages are the words of the staff's registers of guardians,
// foster carers and beneficiaries (issue 21), and of the decision form's
// carers.
var carerMessages = map[string]map[string]string{
	"purpose.carer_register":       {"cnr": "registar staratelja i hranitelja", "en": "register of guardians and foster carers"},
	"purpose.beneficiary_register": {"cnr": "registar korisnika prava", "en": "register of beneficiaries"},
	"f.carers":                     {"cnr": "Staratelj ili hranitelji (JMBG, jedan po redu; lice mora biti upisano)", "en": "Guardian or foster carers (JMBG, one a line; the person must be registered)"},
	"carers_no_person":             {"cnr": "Nijedno upisano lice nema JMBG", "en": "No registered person has the JMBG"},
	"nav_registers":                {"cnr": "Registri", "en": "Registers"},
	"reg.title":                    {"cnr": "Registri staratelja, hranitelja i korisnika prava", "en": "Registers of guardians, foster carers and beneficiaries"},
	"reg.guardians":                {"cnr": "Staratelji", "en": "Guardians"},
	"reg.foster-carers":            {"cnr": "Hranitelji", "en": "Foster carers"},
	"reg.beneficiaries":            {"cnr": "Korisnici prava", "en": "Beneficiaries"},
	"reg.own_or_all":               {"cnr": "Moj centar (ministarstvo: svi)", "en": "My centre (the ministry: all)"},
	"reg.on":                       {"cnr": "Na dan", "en": "On"},
	"reg.name":                     {"cnr": "Ime ili prezime", "en": "Name"},
	"reg.show":                     {"cnr": "Prikaži", "en": "Show"},
	"reg.state.current":            {"cnr": "važeći", "en": "in force"},
	"reg.state.ended":              {"cnr": "okončani", "en": "ended"},
	"reg.state.all":                {"cnr": "svi", "en": "all"},
	"reg.count":                    {"cnr": "Broj korisnika: %v", "en": "Beneficiaries: %v"},
	"reg.since":                    {"cnr": "Pravo od", "en": "Right since"},
	"reg.carers.guardians":         {"cnr": "Staratelj", "en": "Guardian"},
	"reg.carers.foster-carers":     {"cnr": "Hraniteljska porodica", "en": "Foster family"},
	"reg.wards":                    {"cnr": "Štićenici", "en": "Wards"},
	"reg.period":                   {"cnr": "Period", "en": "Period"},
	"reg.in_force":                 {"cnr": "traje", "en": "in force"},
	"reg.ended_by":                 {"cnr": "okončano rješenjem", "en": "ended by decision"},
	"reg.assessments":              {"cnr": "Procjene i obuke", "en": "Assessments and training"},
	"reg.paid":                     {"cnr": "Isplaćeni troškovi smještaja", "en": "Placement costs paid"},
	"reg.kind.suitability":         {"cnr": "procjena podobnosti", "en": "suitability assessment"},
	"reg.kind.training":            {"cnr": "obuka", "en": "training"},
	"reg.outcome.suitable":         {"cnr": "podoban", "en": "suitable"},
	"reg.outcome.unsuitable":       {"cnr": "nije podoban", "en": "unsuitable"},
	"reg.outcome.completed":        {"cnr": "završena", "en": "completed"},
	"reg.outcome.not_completed":    {"cnr": "nije završena", "en": "not completed"},
	"reg.hours":                    {"cnr": "%v č.", "en": "%v h"},
	"reg.record":                   {"cnr": "Upiši procjenu ili obuku", "en": "Record an assessment or training"},
	"reg.kind":                     {"cnr": "Vrsta", "en": "Kind"},
	"reg.held_on":                  {"cnr": "Datum", "en": "Date"},
	"reg.outcome":                  {"cnr": "Ishod", "en": "Outcome"},
	"reg.hours_label":              {"cnr": "Sati obuke", "en": "Training hours"},
	"reg.record_button":            {"cnr": "Upiši", "en": "Record"},
}

func init() { maps.Copy(messages, carerMessages) }
