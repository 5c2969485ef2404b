package web

import "github.com/karton-social/karton/domain/services"

// The words of the services delivered by providers (issue 23) every part
// of it shares: the provider's staff role, the units of a contract's rate,
// the contract's and the referral's states, why a service ends, and the
// scopes of a delegation. Each part keeps its own words in its own file.
func init() {
	enumWords["role"]["provider_staff"] = [2]string{"osoblje pružaoca usluga", "provider's staff"}
	enumWords["service_unit"] = map[string][2]string{
		"day":   {"dan", "day"},
		"visit": {"posjeta", "visit"},
		"hour":  {"sat", "hour"},
	}
	enumWords["contract_state"] = map[string][2]string{
		"active":    {"važeći", "in force"},
		"suspended": {"obustavljen", "suspended"},
		"ended":     {"istekao", "ended"},
	}
	enumWords["service_referral_state"] = map[string][2]string{
		"referred":  {"upućen", "referred"},
		"waiting":   {"na listi čekanja", "on the waiting list"},
		"active":    {"usluga u toku", "receiving the service"},
		"ended":     {"završen", "ended"},
		"cancelled": {"povučen", "withdrawn"},
	}
	enumWords["service_end_reason"] = services.EndReasonNames
	for outcome, words := range services.ReviewOutcomeNames {
		messages["sr.outcome."+outcome] = map[string]string{"cnr": words[0], "en": words[1]}
	}
	enumWords["delegation_scope"] = map[string][2]string{
		"identity": {"identitet (ime, datum rođenja, adresa)", "identity (name, date of birth, address)"},
		"contact":  {"kontakt (zakonski zastupnik ili staratelj)", "contact (the legal representative or guardian)"},
		"plan":     {"ciljevi plana usluga", "the service plan's goals"},
	}
}
