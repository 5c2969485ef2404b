package web

import "maps"

// employerMessages are the words of the employers' portal (issue 18): the
// refunds of the salary compensation during a maternity or parental
// leave (RNZ) and for half-time work (RNZRP), and the caseworkers' tasks
// about them.
var employerMessages = map[string]map[string]string{
	"purpose.refund":          {"cnr": "refundacija naknade zarade poslodavcu", "en": "employer's salary refund"},
	"purpose.refund_decision": {"cnr": "rješenje o refundaciji", "en": "refund decision"},
	"refund.review":           {"cnr": "Refundacija poslodavcu: provjera mjeseca", "en": "Employer's refund: check the month"},
	"refund.approve":          {"cnr": "Refundacija poslodavcu: odobrenje prvog rješenja", "en": "Employer's refund: approve the first decision"},
}

func init() { maps.Copy(messages, employerMessages) }
