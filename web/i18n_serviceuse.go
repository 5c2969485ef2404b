package web

import "maps"

// serviceUseMessages are the words of the service-use records (issue 23
// item 4): the provider's page of a referral's month, the forms that
// record and correct a day, the CSV upload and its report.
var serviceUseMessages = map[string]map[string]string{
	"purpose.service_use": {"cnr": "evidencija pruženih usluga", "en": "the record of services delivered"},
}

func init() { maps.Copy(messages, serviceUseMessages) }
