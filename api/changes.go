package api

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// Change events (issue 16 item 3): what the registries' feeds said about
// a person, shown on the e-file with its source, and the operator's list
// of changes (GET /api/v1/changes?state=unmatched: changes for a JMBG
// Karton does not know, kept, never dropped).

// changeOutcome is what a change did to one right.
type changeOutcome struct {
	EntitlementID string `json:"entitlement_id"`
	Benefit       string `json:"benefit"`
	Action        string `json:"action"` // ended, rerated, proposed, unchanged
	From          string `json:"from,omitempty"`
	Version       int    `json:"version,omitempty"`
	Task          string `json:"task,omitempty"`
	Note          string `json:"note,omitempty"`
}

// fileChange is a change as the e-file shows it.
type fileChange struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"`
	OccurredOn  string          `json:"occurred_on"`
	Source      string          `json:"source"`      // population, tax, pension, vehicles, realestate; karton for its own checks
	Institution string          `json:"institution"` // the source's institution, in English
	State       string          `json:"state"`
	ReceivedAt  time.Time       `json:"received_at"`
	Outcome     []changeOutcome `json:"outcome"`
}

func toFileChange(e store.ChangeEvent) fileChange {
	x := fileChange{ID: e.ID, Kind: string(e.Kind), OccurredOn: e.OccurredOn.Format(time.DateOnly), Source: e.Source,
		Institution: changeInstitution(e.Source), State: e.State, ReceivedAt: e.ReceivedAt, Outcome: []changeOutcome{}}
	for _, o := range e.Outcome {
		x.Outcome = append(x.Outcome, changeOutcome(o))
	}
	return x
}

func changeInstitution(source string) string {
	if source == domain.FeedKarton {
		return "Karton (daily check)"
	}
	return institutionName(domain.Source(source))
}

// fileChanges are the person's changes for the e-file, newest first (at
// most 50). They are registry data like the evidence: the e-file's audit
// covers them, and nothing in them is of the DV compartment.
func (h *handler) fileChanges(ctx context.Context, id domain.PersonID) ([]fileChange, error) {
	evs, err := h.db.Changes(ctx, store.ChangeFilter{PersonID: id, Limit: 50})
	if err != nil {
		return nil, err
	}
	out := make([]fileChange, 0, len(evs))
	for _, e := range evs {
		out = append(out, toFileChange(e))
	}
	return out, nil
}

// operatorChange is a change as the operator's list shows it: no name, the
// JMBG masked but for its last four digits (enough to match a paper
// record; an administrator reads no personal data).
type operatorChange struct {
	fileChange
	PersonID   *string `json:"person_id"`
	JMBGMasked string  `json:"jmbg_masked"`
}

type changeList struct {
	State   string           `json:"state"`
	Changes []operatorChange `json:"changes"`
}

// listChanges is the operator's list of changes in a state (?state=, default
// unmatched; ?limit= up to 500), newest first.
func (h *handler) listChanges(c *gin.Context) (*changeList, error) {
	state := c.DefaultQuery("state", domain.ChangeUnmatched)
	if !slices.Contains(domain.ChangeStates(), state) {
		return nil, domain.FieldError("state", "want one of %v", domain.ChangeStates())
	}
	limit := 100
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return nil, domain.FieldError("limit", "want a whole number from 1 to 500")
		}
		limit = n
	}
	evs, err := h.db.Changes(c.Request.Context(), store.ChangeFilter{State: state, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := &changeList{State: state, Changes: []operatorChange{}}
	for _, e := range evs {
		x := operatorChange{fileChange: toFileChange(e), JMBGMasked: "*********" + string(e.JMBG[len(e.JMBG)-4:])}
		if e.PersonID != "" {
			p := string(e.PersonID)
			x.PersonID = &p
			auditPersons(c, e.PersonID)
		}
		out.Changes = append(out.Changes, x)
	}
	return out, nil
}
