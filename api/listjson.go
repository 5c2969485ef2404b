package api

import (
	"time"

	"github.com/karton-social/karton/jsonappend"
	"github.com/karton-social/karton/store"
)

// The pages of the case list and the inbox write their own JSON: encoding/
// json's reflection over them was a fifth of the process's CPU under the
// case lists' load at 500 requests/s (issue 24). The bytes are
// encoding/json's, field for field in the structs' order (each page as its
// documented shape: caseList, taskList); listjson_test.go fills every field
// of the structs, those added later too, and compares the two.

// appendsJSON is an answer that writes its own JSON (see writeJSON).
type appendsJSON interface {
	appendJSON(b []byte) ([]byte, error)
}

func (p *casePage) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"cases":[`...)
	var err error
	for i := range p.cases {
		if i > 0 {
			b = append(b, ',')
		}
		s := caseDTOAt(p.cases[i], p.now)
		if b, err = s.appendFields(append(b, '{')); err != nil {
			return b, err
		}
		b = appendCasePersons(append(b, `,"persons":`...), p.persons[p.cases[i].Number])
		b = append(b, '}')
	}
	return append(b, "]}"...), nil
}

// appendCasePersons writes a case's persons as its caseListItem's.
func appendCasePersons(b []byte, persons []store.CasePerson) []byte {
	b = append(b, '[')
	for i, p := range persons {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonappend.String(append(b, `{"person_id":`...), string(p.PersonID))
		b = jsonappend.String(append(b, `,"role":`...), p.Role)
		b = jsonappend.String(append(b, `,"name":`...), p.Name)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendFields writes the summary's fields, without its braces: the case
// list's item embeds them.
func (s *caseSummary) appendFields(b []byte) ([]byte, error) {
	b = jsonappend.String(append(b, `"number":`...), s.Number)
	b = jsonappend.String(append(b, `,"procedure":`...), s.Procedure)
	b = jsonappend.Int(append(b, `,"version":`...), s.Version)
	b = jsonappend.String(append(b, `,"procedure_name":{"cnr":`...), s.ProcedureName.CNR)
	b = jsonappend.String(append(b, `,"en":`...), s.ProcedureName.EN)
	b = jsonappend.String(append(b, `},"centre_id":`...), s.CentreID)
	b = jsonappend.String(append(b, `,"status":`...), s.Status)
	b = jsonappend.String(append(b, `,"stage":`...), s.Stage)
	b = jsonappend.String(append(b, `,"manager":`...), s.Manager)
	b = jsonappend.Strings(append(b, `,"team":`...), s.Team)
	b = jsonappend.String(append(b, `,"parent":`...), s.Parent)
	b = jsonappend.String(append(b, `,"opened_by":`...), s.OpenedBy)
	b, err := jsonappend.Time(append(b, `,"opened_at":`...), time.Time(s.OpenedAt))
	if err != nil {
		return b, err
	}
	if b, err = jsonappend.OptTime(append(b, `,"stage_due":`...), (*time.Time)(s.StageDue)); err != nil {
		return b, err
	}
	if b, err = jsonappend.OptTime(append(b, `,"closed_at":`...), (*time.Time)(s.ClosedAt)); err != nil {
		return b, err
	}
	b = jsonappend.String(append(b, `,"close_reason":`...), s.CloseReason)
	return jsonappend.Bool(append(b, `,"overdue":`...), s.Overdue), nil
}

func (p *taskPage) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"tasks":[`...)
	var err error
	for i := range p.tasks {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = p.appendTask(b, &p.tasks[i]); err != nil {
			return b, err
		}
	}
	n := p.counts
	b = jsonappend.Int(append(b, `],"counts":{"total":`...), n.Total)
	b = jsonappend.Int(append(b, `,"overdue":`...), n.Overdue)
	b = jsonappend.Bool(append(b, `,"more":`...), n.More)
	b = jsonappend.Int(append(b, `,"shown":`...), n.Shown)
	b = jsonappend.Int(append(b, `,"offset":`...), n.Offset)
	return append(b, "}}"...), nil
}

// appendTask writes a task as its taskDTO (toTaskDTO), named (nameTasks).
func (p *taskPage) appendTask(b []byte, t *store.Task) ([]byte, error) {
	b = jsonappend.String(append(b, `{"id":`...), t.ID)
	b = jsonappend.String(append(b, `,"type":`...), t.Type)
	b = jsonappend.String(append(b, `,"subject":`...), t.Subject)
	b = orNull(append(b, `,"person_id":`...), string(t.PersonID))
	if n, ok := p.names[t.PersonID]; ok && t.PersonID != "" {
		b = jsonappend.String(append(b, `,"person_name":`...), n)
	}
	if filedOnline(t.Type, t.Subject, p.online) {
		b = jsonappend.String(append(b, `,"channel":`...), store.ChannelOnline)
	}
	b = jsonappend.String(append(b, `,"centre_id":`...), t.CentreID)
	b = jsonappend.String(append(b, `,"candidate_group":`...), t.CandidateRole+"@"+t.CentreID)
	b = orNull(append(b, `,"assignee":`...), t.Assignee)
	b = orNull(append(b, `,"owner":`...), t.Owner)
	b = jsonappend.Int(append(b, `,"priority":`...), t.Priority)
	b, err := jsonappend.Time(append(b, `,"due_at":`...), t.DueAt)
	if err != nil {
		return b, err
	}
	if b, err = jsonappend.OptTime(append(b, `,"follow_up_at":`...), t.FollowUpAt); err != nil {
		return b, err
	}
	b = jsonappend.String(append(b, `,"state":`...), t.State)
	b = jsonappend.Bool(append(b, `,"overdue":`...), t.Overdue)
	b = orNull(append(b, `,"escalated_to":`...), t.EscalatedTo)
	if b, err = jsonappend.Raw(append(b, `,"data":`...), t.Data); err != nil {
		return b, err
	}
	b = orNull(append(b, `,"outcome":`...), t.Outcome)
	if b, err = jsonappend.Raw(append(b, `,"outcome_data":`...), t.OutcomeData); err != nil {
		return b, err
	}
	b = orNull(append(b, `,"completed_by":`...), t.CompletedBy)
	if b, err = jsonappend.OptTime(append(b, `,"completed_at":`...), t.CompletedAt); err != nil {
		return b, err
	}
	if b, err = jsonappend.Time(append(b, `,"created_at":`...), t.CreatedAt); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// orNull writes s quoted, or null for "" (strPtr's nil).
func orNull(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return jsonappend.String(b, s)
}
