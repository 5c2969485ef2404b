package activities

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// The ServiceReferral workflow's activities (issue 23 item 2): each takes
// one step of a referral in PostgreSQL (store/servicereferrals.go: the
// state checked, the case event written in the same transaction), or
// opens one of its tasks. Their inputs carry ids and codes: a review's
// note is read from the staged input the workflow names.

// Steps of a referral to a service, as the workflow names them.
const (
	ReferralAccept = "accept" // the provider accepts with the service's first day
	ReferralWait   = "wait"   // the provider puts the person on its waiting list
	ReferralStart  = "start"  // the provider starts the service of a waiting referral
	ReferralReview = "review" // the centre reviews the active service
	ReferralEnd    = "end"    // the centre or the provider ends it
	ReferralCancel = "cancel" // the centre withdraws it before it started
)

// ServiceReferralStepInput is one step: the referral, the step's number,
// who and for which organisation (a centre or a provider's PIB), and its
// ids and codes (a day, an end's reason, the staged input).
type ServiceReferralStepInput struct {
	ReferralID int64
	Seq        int
	Step       string
	By         string
	Home       string
	Provider   bool // Home is a provider's PIB
	Day        string
	Reason     string
	InputID    int64
}

// ReferralReviewText is a review's staged input.
type ReferralReviewText struct {
	Note    string `json:"note"`
	Outcome string `json:"outcome"`
}

// RecordServiceReferralStep takes the step in PostgreSQL.
func (a *Activities) RecordServiceReferralStep(ctx context.Context, in ServiceReferralStepInput) error {
	s := store.ServiceReferralStep{Seq: in.Seq, By: in.By, At: a.Now()}
	day := s.At
	if in.Day != "" {
		d, err := time.Parse(time.DateOnly, in.Day)
		if err != nil {
			return asTemporal(domain.FieldError("day", "is not a day (YYYY-MM-DD)"))
		}
		day = d
	}
	actor := store.ReferralActor{CentreID: in.Home}
	if in.Provider {
		actor = store.ReferralActor{ProviderPIB: in.Home}
	}
	var err error
	switch in.Step {
	case ReferralAccept, ReferralWait:
		err = a.DB.AnswerServiceReferral(ctx, in.ReferralID, actor.ProviderPIB, in.Step == ReferralAccept, day, s)
	case ReferralStart:
		err = a.DB.StartServiceReferral(ctx, in.ReferralID, actor.ProviderPIB, day, s)
	case ReferralReview:
		var t ReferralReviewText
		if err = a.DB.ServiceReferralInputOf(ctx, in.ReferralID, in.InputID, in.Step, &t); err == nil {
			err = a.DB.ReviewServiceReferral(ctx, in.ReferralID, actor.CentreID, store.ServiceReferralReview{Day: day, Note: t.Note, Outcome: t.Outcome}, s)
		}
	case ReferralEnd:
		err = a.DB.EndServiceReferral(ctx, in.ReferralID, actor, day, in.Reason, s)
	case ReferralCancel:
		err = a.DB.CancelServiceReferral(ctx, in.ReferralID, actor.CentreID, s)
	default:
		err = domain.Errorf(domain.CodeInvalid, "%q is not a step of a referral", in.Step)
	}
	return asTemporal(err)
}

// Kinds of a referral's tasks.
const (
	ReferralTaskAnswer = "service_referral_answer" // the provider's staff answer the referral
	ReferralTaskLate   = "service_referral_late"   // the provider is late: the case's manager follows it up
	ReferralTaskReview = "service_referral_review" // the centre reviews the service
)

// ServiceReferralTaskInput opens a task of a referral: its id, kind and
// deadline; the rest is read from PostgreSQL.
type ServiceReferralTaskInput struct {
	ReferralID int64
	WorkflowID string
	TaskID     string
	Type       string
	Due        time.Time
}

// OpenServiceReferralTask opens the task (once): an answer's in the
// provider's inbox (its PIB, no person named), a late answer's and a
// review's in the centre's, assigned to the case's manager and, for a
// referral from the DV compartment, sealed in it.
func (a *Activities) OpenServiceReferralTask(ctx context.Context, in ServiceReferralTaskInput) error {
	f, err := a.DB.ServiceReferralTaskFactsOf(ctx, in.ReferralID)
	if err != nil {
		return asTemporal(err)
	}
	data := fmt.Sprintf(`{"service_referral":%q}`, strconv.FormatInt(in.ReferralID, 10))
	t := store.Task{ID: in.TaskID, WorkflowID: in.WorkflowID, Type: in.Type, Subject: fmt.Sprintf("service referral %d", in.ReferralID),
		Priority: 50, DueAt: in.Due, Data: []byte(data)}
	if in.Type == ReferralTaskAnswer {
		t.CentreID, t.CandidateRole = f.ProviderPIB, string(domain.RoleProviderStaff)
	} else {
		compartment := ""
		if f.DV {
			compartment = domain.CompartmentDV
		}
		t.CentreID, t.CandidateRole, t.PersonID, t.Compartment = f.CentreID, string(domain.RoleCaseworker.In(compartment)), f.PersonID, compartment
	}
	created, err := a.DB.CreateTask(ctx, t)
	if err != nil {
		return asTemporal(err)
	}
	if t.CentreID == f.CentreID && f.Manager != "" && created.Assignee == "" {
		if _, err := a.DB.AssignTask(ctx, in.TaskID, "", f.Manager); err != nil && domain.ErrorCode(err) != domain.CodeConflict {
			return asTemporal(err)
		}
	}
	return nil
}
