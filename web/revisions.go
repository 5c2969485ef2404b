package web

import (
	"maps"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain/benefits"
)

// revisionMessages are the words of the revisions on the supervisor board
// and of their tasks.
var revisionMessages = map[string]map[string]string{
	"revisions_due":     {"cnr": "Revizije prava u roku", "en": "Revisions due"},
	"revisions_overdue": {"cnr": "Revizije prava sa prekoračenim rokom", "en": "Overdue revisions"},
	"revision_date":     {"cnr": "Datum revizije", "en": "Revision date"},
	"beneficiary":       {"cnr": "Korisnik", "en": "Beneficiary"},
	"revision_running":  {"cnr": "u toku", "en": "in progress"},
	"revision_waiting":  {"cnr": "nije započeta", "en": "not started"},
	"revision.review":   {"cnr": "Pregled revizije prava", "en": "Review a revision"},
	"revision.approve":  {"cnr": "Odobrenje rješenja o reviziji", "en": "Approve a revision decision"},
	// what the audit log and the citizen's access log say of the revision routes
	"purpose.revision":       {"cnr": "revizija prava", "en": "revision of a right"},
	"purpose.revision_board": {"cnr": "pregled revizija centra", "en": "the centre's revisions"},
}

func init() { maps.Copy(messages, revisionMessages) }

// revisionBoard reads the centre's due and overdue revisions for the
// supervisor board (GET /api/v1/revisions), each with its benefit's name
// in the page's language; what the API refuses is left out.
func (s *server) revisionBoard(c *gin.Context) (due, overdue []obj) {
	lang := s.lang(c)
	read := func(state string) []obj {
		var r obj
		if res := s.getJSON(c, "/api/v1/revisions?state="+state, &r); !res.ok() {
			return nil
		}
		list := asList(r["revisions"])
		for _, x := range list {
			code, _ := x["benefit"].(string)
			x["BenefitName"] = code
			if b, ok := benefits.Lookup(benefits.Code(code)); ok {
				x["BenefitName"] = b.NameCnr
				if lang == "en" {
					x["BenefitName"] = b.NameEn
				}
			}
		}
		return list
	}
	return read("due"), read("overdue")
}
