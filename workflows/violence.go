package workflows

import (
	"encoding/json"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/violence"
)

// Names of the domestic-violence exchange.
const (
	NameViolenceNotification = "ViolenceNotification"
	SignalPoliceUpdate       = "police-update"
	QueryViolence            = "violence"
	// DefaultFirstContactDue is how long the centre has to reach the
	// victim of a police notification before it escalates (GUESS: the
	// 2018 Protocol's "without delay"; configurable).
	DefaultFirstContactDue = 3 * time.Hour
	// DefaultQuietAfter is how long a notification listens for police
	// updates after the last one; later ones are recorded by the API alone.
	DefaultQuietAfter = 180 * 24 * time.Hour
)

// ViolenceWorkflowID is the workflow of a register entry.
func ViolenceWorkflowID(reference string) string { return "dv/" + reference }

// ViolenceInput is a register entry to act on: a police notification
// (from_police) or a centre's report (to_police).
type ViolenceInput struct {
	Reference       string
	Direction       string
	PoliceReference string
	CentreID        string
	OccurredAt      time.Time
	Municipality    string
	Description     string
	RiskLevel       string // to_police: the centre's assessment
	CaseNumber      string // to_police: the case it comes from
	Victims         []ViolencePerson
	Perpetrators    []domain.PersonID // identified
	Persons         []activities.PolicePerson
	// FirstContactDue is the urgent task's deadline (0: DefaultFirstContactDue).
	FirstContactDue time.Duration
	QuietAfter      time.Duration // 0: DefaultQuietAfter
}

// ViolencePerson is an identified victim (or child) of a notification.
type ViolencePerson struct {
	PersonID domain.PersonID
	Role     string // victim, child
	Birth    time.Time
}

// PoliceUpdate is a later message of the police about a notification.
type PoliceUpdate struct {
	UpdateID string
	Kind     string // measures, court_outcome, charges, other
	At       time.Time
	Measures []string
	Outcome  string
	Note     string
	By       string
}

// ViolenceState is what a notification's workflow knows.
type ViolenceState struct {
	Reference       string
	State           string // received, contacted, reported, closed
	RiskLevel       string
	CaseNumber      string
	PoliceReference string
	Reported        bool
	Updates         int
}

// firstContact is the first-contact form (domain/violence/schemas).
type firstContact struct {
	Contact        string          `json:"contact"`
	RiskLevel      string          `json:"risk_level"`
	OpenCase       bool            `json:"open_case"`
	VictimPersonID domain.PersonID `json:"victim_person_id"`
}

// ViolenceNotification acts on an entry of the domestic-violence
// register. A police notification becomes an urgent task for the
// competent centre's DV caseworkers (escalating to the supervisor, then
// the head, each on its own timer); their first contact with the victim
// and risk assessment may open a DV case (or join the victim's open one);
// then the centre's report goes back to the police, retried until they
// acknowledge it. A centre's own report goes straight to the police, and
// their reference links back. Later police updates arrive as signals.
func ViolenceNotification(ctx workflow.Context, in ViolenceInput) (ViolenceState, error) {
	st := ViolenceState{Reference: in.Reference, State: "received", RiskLevel: in.RiskLevel, CaseNumber: in.CaseNumber,
		PoliceReference: in.PoliceReference}
	if err := workflow.SetQueryHandler(ctx, QueryViolence, func() (ViolenceState, error) { return st, nil }); err != nil {
		return st, err
	}
	t := newTasks()
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, t.complete, workflow.UpdateHandlerOptions{Validator: t.validate}); err != nil {
		return st, err
	}
	var a *activities.Activities
	record := func(ctx workflow.Context, key, kind, by, summary string, data any, u *activities.DVUpdate) error {
		raw, _ := json.Marshal(data)
		return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.RecordDV, activities.DVRecordInput{
			Reference: in.Reference, Update: u,
			Event: &activities.DVEvent{Key: key, At: workflow.Now(ctx), Kind: kind, By: by, Summary: summary, Data: raw}}).Get(ctx, nil)
	}

	// Police updates, whenever they come.
	updates := workflow.GetSignalChannel(ctx, SignalPoliceUpdate)
	lastUpdate := workflow.Now(ctx)
	workflow.Go(ctx, func(gctx workflow.Context) {
		for {
			var u PoliceUpdate
			if !updates.Receive(gctx, &u) {
				return
			}
			st.Updates++
			lastUpdate = workflow.Now(gctx)
			var change *activities.DVUpdate
			if u.Kind == "measures" && len(u.Measures) > 0 {
				change = &activities.DVUpdate{Measures: u.Measures}
			}
			_ = record(gctx, "police-update/"+u.UpdateID, "police_update", u.By, u.Kind+": "+u.Outcome+u.Note, u, change)
		}
	})

	report := activities.PoliceReport{Reference: in.Reference, PoliceReference: in.PoliceReference, Kind: "report", CentreID: in.CentreID,
		OccurredAt: in.OccurredAt, Municipality: in.Municipality, Description: in.Description, RiskLevel: in.RiskLevel,
		CaseNumber: in.CaseNumber, Persons: in.Persons}
	if c, ok := domain.CentreByID(in.CentreID); ok {
		report.CentreName = c.Name
	}
	if in.Direction == "from_police" {
		due := in.FirstContactDue
		if due <= 0 {
			due = DefaultFirstContactDue
		}
		// The case is about the first identified victim (a child victim
		// when only children were identified).
		var victim domain.PersonID
		var birth time.Time
		for _, role := range []string{"victim", "child"} {
			for _, v := range in.Victims {
				if victim == "" && v.Role == role {
					victim, birth = v.PersonID, v.Birth
				}
			}
		}
		spec := taskSpec{Step: "first-contact", Type: "dv_first_contact", Subject: in.Reference + ": police notification " + in.PoliceReference,
			PersonID: victim, CentreID: in.CentreID, Role: domain.RoleDVCaseworker, Due: due, Priority: 90, Outcomes: []string{"submit"},
			Data: map[string]string{"notification": in.Reference, "form": "first_contact"}}
		spec.Rule = "the first contact with a victim of domestic violence is made by the dv_caseworker role"
		spec.check = func(c TaskCompletion) error {
			if err := violence.Schemas.Validate("first_contact", c.Data); err != nil {
				return err
			}
			var f firstContact
			_ = json.Unmarshal(c.Data, &f)
			if f.OpenCase && victim == "" && f.VictimPersonID == "" {
				return domain.FieldError("victim_person_id", "the police could not identify the victim: name the registered person to open the case for")
			}
			return nil
		}
		c, err := t.awaitLadder(ctx, spec, []domain.Role{domain.RoleSupervisor, domain.RoleCentreHead})
		if err != nil {
			return st, err
		}
		var f firstContact
		_ = json.Unmarshal(c.Data, &f)
		st.State, st.RiskLevel = "contacted", f.RiskLevel
		update := &activities.DVUpdate{State: "contacted", RiskLevel: f.RiskLevel, Contact: c.Data}
		if victim == "" && f.VictimPersonID != "" {
			victim, update.VictimPersonID = f.VictimPersonID, f.VictimPersonID
		}
		if err := record(ctx, "first-contact", "first_contact", c.By, f.Contact+", risk "+f.RiskLevel, json.RawMessage(c.Data), update); err != nil {
			return st, err
		}
		if f.OpenCase {
			number, err := openDVCase(ctx, in, victim, birth, c.By)
			if err != nil {
				return st, err
			}
			st.CaseNumber = number
			if err := record(ctx, "case", "case_linked", c.By, number, nil, &activities.DVUpdate{CaseNumber: number}); err != nil {
				return st, err
			}
		}
		report.Kind, report.RiskLevel, report.Contact, report.CaseNumber, report.Description = "answer", f.RiskLevel, c.Data, st.CaseNumber, ""
	}

	// The report to the police: retried until they acknowledge it; each
	// try is visible on the register entry.
	report.SentAt = workflow.Now(ctx)
	sctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute}})
	var ack activities.PoliceAck
	if err := workflow.ExecuteActivity(sctx, a.SendPoliceReport, report).Get(ctx, &ack); err != nil {
		return st, err
	}
	st.State, st.Reported = "reported", true
	var link *activities.DVUpdate
	if st.PoliceReference == "" {
		st.PoliceReference = ack.PoliceReference
		link = &activities.DVUpdate{PoliceReference: ack.PoliceReference}
	}
	if err := record(ctx, "report-acknowledged", "report_acknowledged", "police", "police reference "+ack.PoliceReference, ack, link); err != nil {
		return st, err
	}

	// Listen for police updates until they have been quiet for a while.
	quiet := in.QuietAfter
	if quiet <= 0 {
		quiet = DefaultQuietAfter
	}
	for {
		seen := st.Updates
		ok, err := workflow.AwaitWithTimeout(ctx, quiet-workflow.Now(ctx).Sub(lastUpdate), func() bool { return st.Updates != seen })
		if err != nil {
			return st, err
		}
		if !ok {
			break
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return st, err
	}
	return st, nil
}

// openDVCase joins the victim's open domestic-violence case, or opens one
// (the procedure for a child or an adult victim) as a case of its own.
func openDVCase(ctx workflow.Context, in ViolenceInput, victim domain.PersonID, birth time.Time, by string) (string, error) {
	var a *activities.Activities
	local := workflow.WithLocalActivityOptions(ctx, localOptions)
	var number string
	if err := workflow.ExecuteLocalActivity(local, a.OpenDVCaseOf, victim).Get(ctx, &number); err != nil {
		return "", err
	}
	if number != "" {
		return number, nil
	}
	if err := workflow.ExecuteLocalActivity(local, a.NextCaseNumber, workflow.Now(ctx).Year()).Get(ctx, &number); err != nil {
		return "", err
	}
	persons := []activities.CasePerson{{PersonID: victim, Role: "beneficiary"}}
	for _, v := range in.Victims {
		if v.PersonID != victim {
			persons = append(persons, activities.CasePerson{PersonID: v.PersonID, Role: "family"})
		}
	}
	for _, p := range in.Perpetrators {
		persons = append(persons, activities.CasePerson{PersonID: p, Role: "perpetrator"})
	}
	description := fmt.Sprintf("Police notification %s (%s): %s", in.Reference, in.PoliceReference, in.Description)
	if len(description) > 4000 {
		description = description[:4000]
	}
	intake, _ := json.Marshal(map[string]string{"source": "police", "reporter": "police " + in.PoliceReference,
		"description": description, "urgency": "immediate", "outcome": "open_case"})
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: CaseWorkflowID(number),
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON})
	child := workflow.ExecuteChildWorkflow(cctx, Case, CaseInput{Number: number, Procedure: violence.Procedure(birth, workflow.Now(ctx)),
		CentreID: in.CentreID, OpenedBy: by, Persons: persons, Intake: intake})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return "", err
	}
	return number, nil
}
