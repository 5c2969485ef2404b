package web

import "maps"

// The words of the contracts with providers, the delegations and the
// provider's own pages (issue 23 items 1 and 3): the provider's home
// (/provider), a delegated person (/provider/persons/{id}), the contracts
// (/services/contracts) and the delegations (/services/delegations).
func init() {
	maps.Copy(messages, map[string]map[string]string{
		"purpose.service_contracts":    {"cnr": "ugovori s pružaocima usluga", "en": "contracts with service providers"},
		"purpose.service_delegations":  {"cnr": "ovlašćenja pružaocima usluga", "en": "delegations to service providers"},
		"purpose.delegated_processing": {"cnr": "obrada podataka po ovlašćenju centra (pružalac usluge)", "en": "processing on a centre's delegation (the service provider)"},
	})
}
