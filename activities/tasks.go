package activities

import (
	"context"
	"encoding/json"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// CreateTaskInput describes a task; ID is the workflow id + step, so a
// retried activity finds the task it already created.
type CreateTaskInput struct {
	ID            string
	WorkflowID    string
	Type          string
	Subject       string
	PersonID      domain.PersonID
	CentreID      string
	CandidateRole domain.Role
	Priority      int
	Due           time.Time
	ExcludedUsers []string
	Data          map[string]string
}

// CreateTask inserts the task row (once). A task of a restricted
// procedure (a police notification, a DV case and its sub-procedures) is
// sealed in its compartment and goes to the role cleared for it there.
func (a *Activities) CreateTask(ctx context.Context, in CreateTaskInput) error {
	compartment, err := a.DB.CompartmentOfWorkflow(ctx, in.WorkflowID)
	if err != nil {
		return asTemporal(err)
	}
	data, _ := json.Marshal(in.Data)
	_, err = a.DB.CreateTask(ctx, store.Task{ID: in.ID, WorkflowID: in.WorkflowID, Type: in.Type, Subject: in.Subject,
		PersonID: in.PersonID, CentreID: in.CentreID, CandidateRole: string(in.CandidateRole.In(compartment)), Priority: in.Priority,
		DueAt: in.Due, ExcludedUsers: in.ExcludedUsers, Data: data, Compartment: compartment})
	return asTemporal(err)
}

// RecordTaskOutcomeInput is an outcome the workflow accepted.
type RecordTaskOutcomeInput struct {
	TaskID  string
	Outcome string
	Data    json.RawMessage
	By      string
	At      time.Time
}

// RecordTaskOutcome marks the task completed with its outcome.
func (a *Activities) RecordTaskOutcome(ctx context.Context, in RecordTaskOutcomeInput) error {
	return asTemporal(a.DB.CompleteTaskRecord(ctx, in.TaskID, in.Outcome, in.Data, in.By, in.At))
}

// EscalateTaskInput names an overdue task and who should see it now.
type EscalateTaskInput struct {
	TaskID string
	To     domain.Role
}

// EscalateTask marks the task overdue and puts it in the inbox of the
// escalation role at the same centre; an escalation never leaves the
// task's compartment (a DV task goes to the DV supervisors).
func (a *Activities) EscalateTask(ctx context.Context, in EscalateTaskInput) error {
	t, err := a.DB.TaskByID(ctx, in.TaskID)
	if err != nil {
		return asTemporal(err)
	}
	return asTemporal(a.DB.EscalateTask(ctx, in.TaskID, string(in.To.In(t.Compartment)), a.Now()))
}

// CancelTasksInput names the workflow whose open tasks end.
type CancelTasksInput struct{ WorkflowID string }

// CancelTasks cancels every open task of the workflow.
func (a *Activities) CancelTasks(ctx context.Context, in CancelTasksInput) error {
	return asTemporal(a.DB.CancelOpenTasks(ctx, in.WorkflowID))
}
