package web

import "maps"

// changeMessages name the change events on the e-file (issue 16 item 3):
// their kinds, the registries that published them, their states and what
// they did to a right.
var changeMessages = map[string]map[string]string{
	"changes":                  {"cnr": "Promjene iz registara", "en": "Changes from the registries"},
	"change.death":             {"cnr": "smrt", "en": "death"},
	"change.birth":             {"cnr": "rođenje djeteta", "en": "birth of a child"},
	"change.income":            {"cnr": "novo zaposlenje ili prihod", "en": "new job or income"},
	"change.pension":           {"cnr": "ostvarena penzija", "en": "pension granted"},
	"change.move":              {"cnr": "promjena adrese ili domaćinstva", "en": "move to another address or household"},
	"change.vehicle":           {"cnr": "kupljeno vozilo", "en": "vehicle bought"},
	"change.property":          {"cnr": "kupljena nepokretnost", "en": "property bought"},
	"change.adulthood":         {"cnr": "dijete navršilo 18 godina", "en": "a child turned 18"},
	"change_source.population": {"cnr": "Centralni registar stanovništva (MUP)", "en": "Central population register (Ministry of Interior)"},
	"change_source.tax":        {"cnr": "Poreska uprava", "en": "Tax Administration"},
	"change_source.pension":    {"cnr": "Fond PIO", "en": "Pension and Disability Insurance Fund"},
	"change_source.vehicles":   {"cnr": "Registar vozila (MUP)", "en": "Motor-vehicle register (Ministry of Interior)"},
	"change_source.realestate": {"cnr": "Uprava za nekretnine", "en": "Real Estate Administration"},
	"change_source.karton":     {"cnr": "Karton (dnevna provjera)", "en": "Karton (daily check)"},
	"change_state.new":         {"cnr": "primljena", "en": "received"},
	"change_state.applied":     {"cnr": "primijenjena", "en": "applied"},
	"change_state.proposed":    {"cnr": "predložena ponovna procjena", "en": "reassessment proposed"},
	"change_state.unmatched":   {"cnr": "lice nije upisano u Karton", "en": "person not in Karton"},
	"change_action.ended":      {"cnr": "pravo prestaje po službenoj dužnosti", "en": "right ended ex officio"},
	"change_action.rerated":    {"cnr": "iznos ponovo utvrđen po službenoj dužnosti", "en": "amount re-rated ex officio"},
	"change_action.proposed":   {"cnr": "pokrenuta revizija", "en": "revision started"},
	"change_action.unchanged":  {"cnr": "bez promjene", "en": "no change"},
}

func init() { maps.Copy(messages, changeMessages) }
