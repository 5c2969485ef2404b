package web

// activationMessages are the words of the activation pages: the centre's
// referrals and the agency's inbox.
var activationMessages = map[string]map[string]string{
	"activation":              {"cnr": "Radna aktivacija", "en": "Labour activation"},
	"agency_inbox":            {"cnr": "Uputi centara za socijalni rad", "en": "Referrals from the social work centres"},
	"show":                    {"cnr": "Prikaži", "en": "Show"},
	"referral":                {"cnr": "Uput", "en": "Referral"},
	"referred_at":             {"cnr": "Upućen", "en": "Referred"},
	"last_step":               {"cnr": "Posljednji korak", "en": "Last step"},
	"refer":                   {"cnr": "Uputi Zavodu za zapošljavanje", "en": "Refer to the Employment Agency"},
	"efile":                   {"cnr": "e-dosije", "en": "e-file"},
	"agency_reference":        {"cnr": "Broj u Zavodu", "en": "Agency's reference"},
	"agency_steps":            {"cnr": "Koraci koje je javio Zavod", "en": "Steps reported by the agency"},
	"step":                    {"cnr": "Korak", "en": "Step"},
	"by":                      {"cnr": "Ko", "en": "By"},
	"from":                    {"cnr": "od", "en": "from"},
	"activation.decide":       {"cnr": "Odluka o materijalnom obezbjeđenju", "en": "Decide on the financial assistance"},
	"activation.approve":      {"cnr": "Odobri odluku (aktivacija)", "en": "Approve the decision (activation)"},
	"activation.follow_up":    {"cnr": "Zavod ne javlja korake", "en": "The agency reports no steps"},
	"keep_waiting":            {"cnr": "Čekaj dalje", "en": "Keep waiting"},
	"close_referral":          {"cnr": "Zatvori uput", "en": "Close the referral"},
	"report_step":             {"cnr": "Javi korak", "en": "Report a step"},
	"no_person":               {"cnr": "Nema lica sa JMBG", "en": "No person with JMBG"},
	"f.work_capacity_notes":   {"cnr": "Radna sposobnost, obrazovanje", "en": "Work capacity, education"},
	"f.family_constraints":    {"cnr": "Porodične okolnosti", "en": "Family constraints"},
	"f.measure":               {"cnr": "Odluka", "en": "Decision"},
	"f.percent":               {"cnr": "Umanjenje (%)", "en": "Reduction (%)"},
	"f.status":                {"cnr": "Status u Zavodu", "en": "Status at the agency"},
	"f.measure_offered":       {"cnr": "Mjera ili ponuda", "en": "Measure or offer"},
	"f.employer":              {"cnr": "Poslodavac", "en": "Employer"},
	"f.note":                  {"cnr": "Napomena", "en": "Note"},
	"o.reduce":                {"cnr": "Umanjenje", "en": "Reduce"},
	"o.suspend":               {"cnr": "Obustava isplate", "en": "Suspend"},
	"o.terminate":             {"cnr": "Prestanak prava", "en": "End the right"},
	"o.none":                  {"cnr": "Bez promjene", "en": "No change"},
	"o.referred":              {"cnr": "Upućen", "en": "Referred"},
	"o.acknowledged":          {"cnr": "Zavod potvrdio", "en": "Acknowledged"},
	"o.active":                {"cnr": "U toku", "en": "Under way"},
	"o.decision_pending":      {"cnr": "Čeka odluku centra", "en": "Awaiting the centre's decision"},
	"o.sanctioned":            {"cnr": "Sankcionisan", "en": "Sanctioned"},
	"o.employed":              {"cnr": "Zaposlen", "en": "Employed"},
	"o.not_eligible":          {"cnr": "Ne ispunjava uslove", "en": "Not eligible"},
	"o.closed":                {"cnr": "Zatvoren", "en": "Closed"},
	"o.pending":               {"cnr": "Čeka potvrdu", "en": "Awaiting acknowledgement"},
	"o.registered":            {"cnr": "Prijavljen", "en": "Registered"},
	"o.already_registered":    {"cnr": "Već prijavljen", "en": "Already registered"},
	"o.plan_created":          {"cnr": "Individualni plan zapošljavanja", "en": "Individual employment plan"},
	"o.measure_offered":       {"cnr": "Ponuđena mjera", "en": "Measure offered"},
	"o.attended":              {"cnr": "Odazvao/la se", "en": "Attended"},
	"o.missed_without_reason": {"cnr": "Neopravdano se nije odazvao/la", "en": "Missed without reason"},
	"o.job_offer_refused":     {"cnr": "Odbio/la ponudu posla", "en": "Job offer refused"},
	"o.training_started":      {"cnr": "Započeta obuka", "en": "Training started"},
	"o.training_finished":     {"cnr": "Završena obuka", "en": "Training finished"},
	"o.deregistered":          {"cnr": "Brisan/a sa evidencije", "en": "Deregistered"},
	"activation.decide.hint":  {"cnr": "Odluka stupa na snagu od narednog mjeseca.", "en": "The decision takes effect from next month."},
}

func init() {
	for k, v := range activationMessages {
		messages[k] = v
	}
}
