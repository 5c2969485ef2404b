package web

import "maps"

// electricityMessages are the words of the electricity subsidy's exchange
// with the power utility (issue 21, item 6): the purpose a citizen reads
// in their access log when a finance officer saw them on the month's list.
var electricityMessages = map[string]map[string]string{
	"purpose.electricity_subsidy": {"cnr": "subvencija za električnu energiju", "en": "electricity subsidy"},
}

func init() { maps.Copy(messages, electricityMessages) }
