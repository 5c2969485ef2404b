package api

import (
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// personFound is a person a search found: the person, and where they
// stand (rights not ended, open cases), to tell namesakes apart and pick
// the right file.
type personFound struct {
	personDTO
	OpenRights []string `json:"open_rights"`
	OpenCases  int      `json:"open_cases"`
}

// personSearch is a page of a search and how many it found in all.
type personSearch struct {
	Persons []personFound `json:"persons"`
	Total   int           `json:"total"`
	Offset  int           `json:"offset"`
	Limit   int           `json:"limit"`
}

// searchPersons finds persons (issue 17): by JMBG (zero or one, in any
// centre the policy lets the caller read), or by the words of a name
// (without needing diacritics) and/or a date of birth within the caller's
// centre (every centre for those who read persons everywhere), a page at
// a time with the count of all. Citizens find themselves only. Every
// person listed is named in the audit record.
func (h *handler) searchPersons(c *gin.Context) (*personSearch, error) {
	u := userOf(c)
	if u.Role == domain.RoleCitizen {
		self, err := h.findSelf(c, u)
		if err != nil {
			return nil, err
		}
		out := &personSearch{Persons: []personFound{}, Total: len(self.Persons), Limit: 20}
		for _, p := range self.Persons {
			out.Persons = append(out.Persons, personFound{personDTO: p, OpenRights: []string{}})
		}
		return out, nil
	}
	q := store.PersonQuery{CentreID: u.CentreID}
	if h.mayDV(c) {
		q.DVCentre = u.CentreID
	}
	var err error
	if q.Limit, err = queryInt(c, "limit", 20, 1, 100); err != nil {
		return nil, err
	}
	if q.Offset, err = queryInt(c, "offset", 0, 0, 100000); err != nil {
		return nil, err
	}
	jmbg := strings.TrimSpace(c.Query("jmbg"))
	name := strings.TrimSpace(c.Query("name"))
	birth := strings.TrimSpace(c.Query("birth_date"))
	switch {
	case jmbg != "":
		j, _, err := domain.ParseJMBG(jmbg)
		if err != nil {
			return nil, err
		}
		q.JMBG, q.CentreID, q.Name = j, "", ""
	case name == "" && birth == "":
		return nil, domain.FieldError("jmbg", "query parameter is required (or search by name or birth_date)")
	}
	if q.JMBG == "" {
		if len(name) > 100 {
			return nil, domain.FieldError("name", "is longer than 100 characters")
		}
		q.Name = name
		if birth != "" {
			d, err := time.Parse(time.DateOnly, birth)
			if err != nil {
				return nil, domain.FieldError("birth_date", "must be a date like 1985-03-12")
			}
			q.BirthDate = &d
		}
	}
	found, total, err := h.db.SearchPersons(c.Request.Context(), q)
	if err != nil {
		return nil, err
	}
	out := &personSearch{Persons: []personFound{}, Total: total, Offset: q.Offset, Limit: q.Limit}
	for _, f := range found {
		auditPersons(c, f.ID)
		if q.JMBG != "" {
			// By JMBG the search crosses centres: the person's centre decides.
			if err := h.allow(c, "person", "read", targetOf(u, f.Person)); err != nil {
				return nil, err
			}
		}
		rights := f.OpenRights
		if rights == nil {
			rights = []string{}
		}
		out.Persons = append(out.Persons, personFound{personDTO: toPersonDTO(f.Person), OpenRights: rights, OpenCases: f.OpenCases})
	}
	return out, nil
}

// names reads the names of ids now, from PostgreSQL: a page names persons
// from here, never from a workflow's payload (issue 17).
func (h *handler) names(c *gin.Context, ids ...domain.PersonID) (map[domain.PersonID]string, error) {
	return h.db.PersonNames(c.Request.Context(), ids)
}

// nameTasks sets the name of each task's person, and marks the tasks of
// claims filed online (issue 18: the inbox tells them apart).
func (h *handler) nameTasks(c *gin.Context, ts []taskDTO) error {
	var ids []domain.PersonID
	var claims []string
	for _, t := range ts {
		if t.PersonID != nil {
			ids = append(ids, domain.PersonID(*t.PersonID))
		}
		if claimsTask(t.Type) {
			claims = append(claims, t.Subject)
		}
	}
	names, online, err := h.namesAndOnline(c, ids, claims)
	if err != nil {
		return err
	}
	for i := range ts {
		ts[i].name(names, online)
	}
	return nil
}

// name sets the task's person's name and its claim's channel from what
// namesAndOnline read.
func (t *taskDTO) name(names map[domain.PersonID]string, online map[string]bool) {
	if filedOnline(t.Type, t.Subject, online) {
		t.Channel = store.ChannelOnline
	}
	if t.PersonID != nil {
		if n, ok := names[domain.PersonID(*t.PersonID)]; ok {
			t.PersonName = &n
		}
	}
}

// claimsTask tells a claim's task by its type (claim.review, ...): its
// subject is the claim's number.
func claimsTask(typ string) bool { return strings.HasPrefix(typ, "claim.") }

// filedOnline tells a task of a claim filed online, by what
// namesAndOnline read.
func filedOnline(typ, subject string, online map[string]bool) bool {
	return claimsTask(typ) && online[subject]
}

// namesAndOnline reads the names of the persons ids names and which of
// the claims were filed online.
func (h *handler) namesAndOnline(c *gin.Context, ids []domain.PersonID, claims []string) (map[domain.PersonID]string, map[string]bool, error) {
	online, err := h.db.OnlineClaims(c.Request.Context(), claims)
	if err != nil || len(ids) == 0 {
		return nil, online, err
	}
	names, err := h.names(c, ids...)
	return names, online, err
}
