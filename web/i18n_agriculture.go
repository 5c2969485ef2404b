package web

import "maps"

// agricultureMessages are the words of the farmers' old-age allowance
// exchange (issue 21): the audit's purpose, the centre's task about a
// person paid the allowance while holding an MO right, and its outcomes.
var agricultureMessages = map[string]map[string]string{
	"purpose.agriculture_import": {"cnr": "uvoz staračkih naknada poljoprivrednicima", "en": "import of the farmers' old-age allowance"},
	"agriculture.mo_conflict":    {"cnr": "Staračka naknada i materijalno obezbjeđenje u istom mjesecu", "en": "Farmers' allowance and financial assistance in the same month"},
	"outcome.revise":             {"cnr": "Pokreni reviziju prava", "en": "Start a revision of the right"},
	"outcome.no_action":          {"cnr": "Bez mjera", "en": "No action"},
}

func init() { maps.Copy(messages, agricultureMessages) }
