package web

import "maps"

// rightWords name a right's history on the e-file (issue 16): why a
// version began and what a notice was about.
var rightWords = map[string]map[string][2]string{
	"version_reason": {
		"grant":      {"rješenje o priznavanju prava", "decision granting the right"},
		"revision":   {"revizija", "revision"},
		"change":     {"promjena okolnosti", "change of circumstances"},
		"indexation": {"usklađivanje po službenoj dužnosti", "re-rating ex officio"},
		"appeal":     {"odluka po žalbi", "decision on appeal"},
		"sanction":   {"sankcija", "sanction"},
		"death":      {"smrt korisnika", "death of the beneficiary"},
		"correction": {"ispravka", "correction"},
	},
	"notice_kind": {"indexation": {"usklađivanje iznosa", "re-rating of the amount"}},
}

var rightMessages = map[string]map[string]string{
	"right_history": {"cnr": "Istorija prava", "en": "History of the right"},
	"notice":        {"cnr": "Obavještenje", "en": "Notice"},
	"instead_of":    {"cnr": "umjesto", "en": "instead of"},
	"until":         {"cnr": "do", "en": "until"},
	// the tasks a death opens on a right (activities.TaskChangeCloseRight,
	// TaskChangeApproveClose)
	"change.approve_close": {"cnr": "Odobrenje rješenja o prestanku prava", "en": "Approve the decision ending the right"},
	"close_by_decision":    {"cnr": "Pripremi rješenje o prestanku prava", "en": "Prepare the decision ending the right"},
	"approve_close":        {"cnr": "Odobri rješenje o prestanku prava", "en": "Approve the decision ending the right"},
}

func init() {
	if kinds := enumWords["decision_kind"]; kinds != nil { // i18n_desk.go's, initialised before
		kinds["death_end"] = [2]string{"prestanak prava zbog smrti korisnika", "end on the holder's death"}
		messages["decision_kind.death_end"] = map[string]string{"cnr": kinds["death_end"][0], "en": kinds["death_end"][1]}
	}
	maps.Copy(enumWords, rightWords)
	for enum, values := range rightWords {
		for v, w := range values {
			messages[enum+"."+v] = map[string]string{"cnr": w[0], "en": w[1]}
		}
	}
	maps.Copy(messages, rightMessages)
}
