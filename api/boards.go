package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// The supervisor's board (issue 17 item 5): the centre's open work by who
// holds it, counted over every task, and the reassignment of tasks to
// another worker with a reason (task:assign, supervisors and heads).

// taskWorkload is GET /api/v1/tasks/workload: the centre's open tasks by
// worker (the unclaimed by group), with how many are overdue and the age
// of the oldest; counts only, no person's data.
func (h *handler) taskWorkload(c *gin.Context) (*workloadView, error) {
	u := userOf(c)
	rows, err := h.db.TaskWorkload(c.Request.Context(), u.CentreID, h.cleared(c))
	if err != nil {
		return nil, err
	}
	out := workloadView{CentreID: u.CentreID, Workers: []workloadRow{}, AsOf: h.now().UTC()}
	for _, r := range rows {
		w := workloadRow{Worker: r.Worker, Group: r.Role, Open: r.Open, Overdue: r.Overdue, OldestSince: r.Oldest.UTC()}
		out.Workers = append(out.Workers, w)
		out.Open += r.Open
		out.Overdue += r.Overdue
	}
	return &out, nil
}

type workloadView struct {
	CentreID string        `json:"centre_id"`
	AsOf     time.Time     `json:"as_of"`
	Open     int           `json:"open"`
	Overdue  int           `json:"overdue"`
	Workers  []workloadRow `json:"workers"`
}

type workloadRow struct {
	Worker      string    `json:"worker"` // "" for the unclaimed tasks of Group
	Group       string    `json:"group,omitempty"`
	Open        int       `json:"open"`
	Overdue     int       `json:"overdue"`
	OldestSince time.Time `json:"oldest_since"`
}

// maxReassign bounds one reassignment.
const maxReassign = 200

// reassignTasks is POST /api/v1/tasks/reassign: a supervisor hands open
// tasks of the centre to one worker who may do them, with a reason kept
// on each task; all of them or none. Every task's person is audited.
func (h *handler) reassignTasks(c *gin.Context) (*reassigned, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	var req struct {
		TaskIDs []string `json:"task_ids"`
		To      string   `json:"to"`
		Reason  string   `json:"reason"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	var fields []*domain.Error
	if len(req.TaskIDs) == 0 {
		fields = append(fields, domain.FieldError("task_ids", "choose at least one task"))
	} else if len(req.TaskIDs) > maxReassign {
		fields = append(fields, domain.FieldError("task_ids", "at most %d tasks at once", maxReassign))
	}
	req.Reason = strings.TrimSpace(req.Reason)
	switch n := len([]rune(req.Reason)); {
	case n == 0:
		fields = append(fields, domain.FieldError("reason", "is required"))
	case n > 500:
		fields = append(fields, domain.FieldError("reason", "maxLength: got %d, want 500", n))
	}
	to, known := domain.DemoUser(req.To)
	if req.To == "" {
		fields = append(fields, domain.FieldError("to", "is required"))
	} else if !known || to.CentreID != u.CentreID || to.Machine {
		fields = append(fields, domain.FieldError("to", "%q is not on the staff of %s", req.To, u.CentreID))
	}
	if len(fields) > 0 {
		return nil, domain.Invalid(fields)
	}
	seen := map[string]bool{}
	var ids []string
	for i, id := range req.TaskIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		t, err := h.db.TaskByID(ctx, id)
		if err != nil || t.CentreID != u.CentreID || !h.sees(c, t.Compartment) {
			return nil, domain.FieldError("task_ids."+strconv.Itoa(i), "task %q is not an open task of %s", printable(id, 80), u.CentreID)
		}
		if t.Compartment != "" {
			restrict(c)
		}
		if t.PersonID != "" {
			auditPersons(c, t.PersonID)
		}
		if t.State != "open" {
			return nil, domain.Errorf(domain.CodeConflict, "task %s is already %s; nothing was reassigned", t.ID, t.State)
		}
		if !to.Role.Acts(domain.Role(t.CandidateRole)) {
			return nil, domain.FieldError("to", "%q is not a %s of %s", to.Username, t.CandidateRole, t.CentreID)
		}
		for _, ex := range t.ExcludedUsers { // four eyes: who prepared it does not approve it
			if ex == to.Username {
				return nil, domain.FieldError("to", "four eyes: %s prepared task %s and may not approve it", to.Username, t.ID)
			}
		}
		ids = append(ids, t.ID)
	}
	ts, err := h.db.ReassignTasks(ctx, store.Reassignment{TaskIDs: ids, To: to.Username, By: u.Username, Reason: req.Reason, At: h.now()})
	if err != nil {
		return nil, err
	}
	out := reassigned{To: to.Username, Reason: req.Reason, Tasks: []taskDTO{}}
	for _, t := range ts {
		out.Tasks = append(out.Tasks, toTaskDTO(t))
	}
	return &out, h.nameTasks(c, out.Tasks)
}

type reassigned struct {
	To     string    `json:"to"`
	Reason string    `json:"reason"`
	Tasks  []taskDTO `json:"tasks"`
}
