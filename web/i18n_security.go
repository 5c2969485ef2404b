package web

import (
	"maps"
	"strings"
)

// purposeMessages name, in words, the purpose codes the API records in the
// audit log (api.Route.Purposes): the routes' own and the alternatives a
// request may give (inspection, appeal, case:<number>).
var purposeMessages = map[string]map[string]string{
	"purpose.registration":           {"cnr": "upis lica", "en": "registration"},
	"purpose.person_search":          {"cnr": "pretraga lica", "en": "person search"},
	"purpose.e_file":                 {"cnr": "e-dosije", "en": "e-file"},
	"purpose.own_file":               {"cnr": "uvid u svoj dosije", "en": "their own file"},
	"purpose.own_evidence_refresh":   {"cnr": "osvježavanje svojih podataka iz registara", "en": "their own data refreshed from the registers"},
	"purpose.online_claim":           {"cnr": "zahtjev podnesen elektronski", "en": "claim filed online"},
	"purpose.evidence_refresh":       {"cnr": "osvježavanje dokaza", "en": "evidence refresh"},
	"purpose.catalogue":              {"cnr": "katalog", "en": "catalogue"},
	"purpose.benefit_claim":          {"cnr": "zahtjev za pravo", "en": "benefit claim"},
	"purpose.claim_evidence":         {"cnr": "dokazi uz zahtjev", "en": "benefit claim evidence"},
	"purpose.decision":               {"cnr": "rješenje", "en": "decision"},
	"purpose.inbox":                  {"cnr": "zadaci", "en": "inbox"},
	"purpose.task_outcome":           {"cnr": "ishod zadatka", "en": "task outcome"},
	"purpose.own_access_log":         {"cnr": "uvid građanina u pristupe", "en": "citizen's access log"},
	"purpose.payroll":                {"cnr": "platni spisak", "en": "payroll"},
	"purpose.payroll_report":         {"cnr": "izvještaj platnog spiska", "en": "payroll report"},
	"purpose.payroll_reconciliation": {"cnr": "usaglašavanje isplata", "en": "payroll reconciliation"},
	"purpose.payment_file":           {"cnr": "datoteka za isplatu", "en": "payment file"},
	"purpose.task_reassignment":      {"cnr": "preraspodjela zadataka", "en": "task reassignment"},
	"purpose.case_intake":            {"cnr": "prijem slučaja", "en": "case intake"},
	"purpose.case_list":              {"cnr": "spisak slučajeva", "en": "case list"},
	"purpose.case":                   {"cnr": "slučaj", "en": "case"},
	"purpose.case_decision":          {"cnr": "rješenje u slučaju", "en": "case decision"},
	"purpose.case_report":            {"cnr": "izvještaj o slučajevima", "en": "case handling report"},
	"purpose.police_notification":    {"cnr": "obavještenje policije", "en": "police notification"},
	"purpose.dv_register":            {"cnr": "evidencija nasilja u porodici", "en": "domestic-violence register"},
	"purpose.police_update":          {"cnr": "dopuna policije", "en": "police update"},
	"purpose.police_report":          {"cnr": "prijava policiji", "en": "report to the police"},
	"purpose.dv_statistics":          {"cnr": "statistika nasilja u porodici", "en": "domestic-violence statistics"},
	"purpose.statistics":             {"cnr": "statistika", "en": "statistics"},
	"purpose.control_report":         {"cnr": "kontrolni izvještaj", "en": "control report"},
	"purpose.activation_referral":    {"cnr": "uput na radnu aktivaciju", "en": "activation referral"},
	"purpose.activation_referrals":   {"cnr": "uputi na radnu aktivaciju", "en": "activation referrals"},
	"purpose.activation_step":        {"cnr": "korak radne aktivacije", "en": "activation step"},
	"purpose.activation_decision":    {"cnr": "odluka o aktivaciji", "en": "activation decision"},
	"purpose.misuse_report":          {"cnr": "izvještaj o zloupotrebi", "en": "misuse report"},
	"purpose.audit_access_log":       {"cnr": "revizija pristupa podacima", "en": "audit of accesses"},
	"purpose.change_events":          {"cnr": "promjene iz registara", "en": "registry change events"},
	"purpose.inspection":             {"cnr": "nadzor", "en": "inspection"},
	"purpose.appeal":                 {"cnr": "žalbeni postupak", "en": "appeal"},
	"purpose.appeal_procedure":       {"cnr": "žalbeni postupak", "en": "appeal procedure"},
	"purpose.parameters":             {"cnr": "parametri propisa i usklađivanje prava", "en": "the law's parameters and re-rating"},
	"purpose.decision_delivery":      {"cnr": "dostava rješenja", "en": "delivery of a decision"},
	"purpose.case_number":            {"cnr": "rad na slučaju", "en": "work on case"},
	// The agency's view of a referral: the centre's decisions by outcome only.
	"outcomes": {"cnr": "Ishodi odluka centra", "en": "The centre's decisions: outcomes"},
}

func init() { maps.Copy(messages, purposeMessages) }

// purposeWords is an audit record's purpose code in words; a code the
// catalogue does not know (records older than the codes) is shown as it is.
func purposeWords(lang, code string) string {
	if n, ok := strings.CutPrefix(code, "case:"); ok {
		return t(lang, "purpose.case_number") + " " + n
	}
	if _, ok := messages["purpose."+code]; ok {
		return t(lang, "purpose."+code)
	}
	return code
}
