package web

import "maps"

// The words of the residential institutions (issue 22) every part of it
// shares: the roles of an institution's staff, the kinds of bed, the
// placement's states. Each part (placements, care, cash desk, gatehouse,
// statistics) keeps its own words in its own i18n file.
func init() {
	maps.Copy(messages, map[string]map[string]string{
		// The kinds of bed as words of each language (the English pages say
		// "elderly" and "children" as words, not as codes).
		"inst.kind.elderly":         {"cnr": "stara lica", "en": "the elderly"},
		"inst.kind.children":        {"cnr": "djeca", "en": "children"},
		"inst.kind.youth":           {"cnr": "mladi", "en": "youth"},
		"inst.kind.disabled_adults": {"cnr": "odrasla lica sa invaliditetom", "en": "adults with disabilities"},
	})
	for role, w := range map[string][2]string{
		"institution_social_worker": {"socijalni radnik ustanove", "institution's social worker"},
		"institution_medical":       {"medicinsko osoblje ustanove", "institution's medical staff"},
		"institution_pharmacist":    {"farmaceut ustanove", "institution's pharmacist"},
		"institution_cashier":       {"blagajnik ustanove", "institution's cashier"},
		"institution_gatekeeper":    {"portir ustanove", "institution's gatekeeper"},
		"institution_director":      {"direktor ustanove", "institution's director"},
	} {
		enumWords["role"][role] = w
	}
	enumWords["bed_kind"] = map[string][2]string{
		"elderly":         {"stara lica", "the elderly"},
		"children":        {"djeca", "children"},
		"youth":           {"mladi", "young people"},
		"disabled_adults": {"odrasla lica sa invaliditetom", "adults with disabilities"},
	}
	enumWords["room_gender"] = map[string][2]string{
		"any":    {"mješovita", "mixed"},
		"female": {"ženska", "women"},
		"male":   {"muška", "men"},
	}
	enumWords["placement_state"] = map[string][2]string{
		"proposed":    {"predložen", "proposed"},
		"referred":    {"uput poslat ustanovi", "referred to the institution"},
		"refused":     {"ustanova odbila", "refused by the institution"},
		"accepted":    {"ustanova prihvatila", "accepted by the institution"},
		"decided":     {"rješenje o smještaju doneseno", "placement decided"},
		"admitted":    {"primljen u ustanovu", "admitted"},
		"discharged":  {"otpušten", "discharged"},
		"transferred": {"premješten", "transferred"},
		"cancelled":   {"otkazan", "cancelled"},
	}
}
