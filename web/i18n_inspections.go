package web

import "maps"

// inspectionMessages are the words of the officer's page of a provider:
// its licences, inspections, fines and suspensions (issue 21 item 1).
var inspectionMessages = map[string]map[string]string{
	"purpose.provider_supervision": {"cnr": "nadzor nad pružaocem usluga", "en": "supervision of a service provider"},
	"purpose.placement":            {"cnr": "izbor pružaoca za smještaj", "en": "choice of a provider for a placement"},
	// the decision form's provider of a placement in an institution
	"f.provider_id": {"cnr": "Pružalac usluge smještaja (broj u registru)", "en": "Residential care provider (number on the register)"},
}

func init() { maps.Copy(messages, inspectionMessages) }
