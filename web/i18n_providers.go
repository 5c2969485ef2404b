package web

import "maps"

// providerMessages are the words of the public register of licensed
// social service providers (issue 21).
var providerMessages = map[string]map[string]string{
	"purpose.provider_register": {"cnr": "registar pružalaca usluga", "en": "register of service providers"},
	"providers_title":           {"cnr": "Registar licenciranih pružalaca usluga socijalne zaštite", "en": "Register of licensed social service providers"},
	"providers_intro":           {"cnr": "Pružaoci usluga socijalne i dječje zaštite sa licencom Ministarstva, po usluzi. Licenca važi šest godina; oduzeta ili istekla licenca prikazana je kao takva.", "en": "Providers of social and child protection services licensed by the Ministry, by service. A licence runs for six years; a withdrawn or expired licence is shown as such."},
	"provider_name":             {"cnr": "Pružalac usluge", "en": "Provider"},
	"provider_address":          {"cnr": "Adresa", "en": "Address"},
	"provider_service":          {"cnr": "Usluga", "en": "Service"},
	"provider_licence":          {"cnr": "Broj licence", "en": "Licence number"},
	"provider_valid":            {"cnr": "Važi", "en": "Valid"},
	"provider_any_service":      {"cnr": "Sve usluge", "en": "All services"},
	"provider_any_place":        {"cnr": "Sve opštine", "en": "All municipalities"},
	"provider_filter":           {"cnr": "Prikaži", "en": "Show"},
	"provider_none":             {"cnr": "Nema licenciranih pružalaca za izabrane uslove.", "en": "No licensed provider matches the choice."},
	"provider_csv":              {"cnr": "Preuzmi kao CSV", "en": "Download as CSV"},
	"provider_as_of":            {"cnr": "Stanje na dan", "en": "As of"},
	"provider_unavailable":      {"cnr": "Registar trenutno nije dostupan. Pokušajte ponovo za nekoliko trenutaka.", "en": "The register is not available at the moment. Try again in a few moments."},
	"provider_state.active":     {"cnr": "važeća", "en": "in force"},
	"provider_state.pending":    {"cnr": "još ne važi", "en": "not yet in force"},
	"provider_state.suspended":  {"cnr": "privremeno oduzeta", "en": "suspended"},
	"provider_state.withdrawn":  {"cnr": "oduzeta", "en": "withdrawn"},
	"provider_state.expired":    {"cnr": "istekla", "en": "expired"},
}

func init() { maps.Copy(messages, providerMessages) }
