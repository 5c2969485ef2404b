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
	v := &violenceRun{in: in, st: ViolenceState{Reference: in.Reference, State: "received", RiskLevel: in.RiskLevel, CaseNumber: in.CaseNumber,
		PoliceReference: in.PoliceReference}}
	if err := v.listen(ctx); err != nil {
		return v.st, err
	}
	report := activities.PoliceReport{Reference: in.Reference, PoliceReference: in.PoliceReference, Kind: "report", CentreID: in.CentreID,
		OccurredAt: in.OccurredAt, Municipality: in.Municipality, Description: in.Description, RiskLevel: in.RiskLevel,
		CaseNumber: in.CaseNumber, Persons: in.Persons}
	if c, ok := domain.CentreByID(in.CentreID); ok {
		report.CentreName = c.Name
	}
	if in.Direction == "from_police" {
		f, raw, err := v.firstContact(ctx)
		if err != nil {
			return v.st, err
		}
		report.Kind, report.RiskLevel, report.Contact, report.CaseNumber, report.Description = "answer", f.RiskLevel, raw, v.st.CaseNumber, ""
	}
	if err := v.report(ctx, report); err != nil {
		return v.st, err
	}
	if err := v.listenToPolice(ctx); err != nil {
		return v.st, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return v.st, err
	}
	return v.st, nil
}

// violenceRun is a register entry's workflow: its state (the query's
// answer), its task and the police's updates.
type violenceRun struct {
	in         ViolenceInput
	st         ViolenceState
	t          *tasks
	lastUpdate time.Time // of the police
}

// listen registers the query and the task update, and takes the police's
// updates as they come.
func (v *violenceRun) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryViolence, func() (ViolenceState, error) { return v.st, nil }); err != nil {
		return err
	}
	v.t = newTasks()
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, v.t.complete, workflow.UpdateHandlerOptions{Validator: v.t.validate}); err != nil {
		return err
	}
	updates := workflow.GetSignalChannel(ctx, SignalPoliceUpdate)
	v.lastUpdate = workflow.Now(ctx)
	workflow.Go(ctx, func(gctx workflow.Context) { v.policeUpdates(gctx, updates) })
	return nil
}

// policeUpdates records each later update of the police.
func (v *violenceRun) policeUpdates(ctx workflow.Context, updates workflow.ReceiveChannel) {
	for {
		var u PoliceUpdate
		if !updates.Receive(ctx, &u) {
			return
		}
		v.st.Updates++
		v.lastUpdate = workflow.Now(ctx)
		var change *activities.DVUpdate
		if u.Kind == "measures" && len(u.Measures) > 0 {
			change = &activities.DVUpdate{Measures: u.Measures}
		}
		_ = v.record(ctx, "police-update/"+u.UpdateID, "police_update", u.By, u.Kind+": "+u.Outcome+u.Note, u, change)
	}
}

// record writes an event of the register entry (and a change of it, if any).
func (v *violenceRun) record(ctx workflow.Context, key, kind, by, summary string, data any, u *activities.DVUpdate) error {
	var a *activities.Activities
	raw, _ := json.Marshal(data)
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.RecordDV, activities.DVRecordInput{
		Reference: v.in.Reference, Update: u,
		Event: &activities.DVEvent{Key: key, At: workflow.Now(ctx), Kind: kind, By: by, Summary: summary, Data: raw}}).Get(ctx, nil)
}

// firstContact is the urgent task of a police notification: the DV
// caseworker's first contact with the victim and risk assessment, which
// may open a DV case. It returns the form, as read and as sent.
func (v *violenceRun) firstContact(ctx workflow.Context) (firstContact, json.RawMessage, error) {
	// The case is about the first identified victim (a child victim
	// when only children were identified).
	var victim domain.PersonID
	var birth time.Time
	for _, role := range []string{"victim", "child"} {
		for _, p := range v.in.Victims {
			if victim == "" && p.Role == role {
				victim, birth = p.PersonID, p.Birth
			}
		}
	}
	done, err := v.t.awaitLadder(ctx, v.firstContactTask(victim), []domain.Role{domain.RoleSupervisor, domain.RoleCentreHead})
	if err != nil {
		return firstContact{}, nil, err
	}
	var f firstContact
	_ = json.Unmarshal(done.Data, &f)
	v.st.State, v.st.RiskLevel = "contacted", f.RiskLevel
	update := &activities.DVUpdate{State: "contacted", RiskLevel: f.RiskLevel, Contact: done.Data}
	if victim == "" && f.VictimPersonID != "" {
		victim, update.VictimPersonID = f.VictimPersonID, f.VictimPersonID
	}
	if err := v.record(ctx, "first-contact", "first_contact", done.By, f.Contact+", risk "+f.RiskLevel, json.RawMessage(done.Data), update); err != nil {
		return f, done.Data, err
	}
	if f.OpenCase {
		number, err := openDVCase(ctx, v.in, victim, birth, done.By)
		if err != nil {
			return f, done.Data, err
		}
		v.st.CaseNumber = number
		if err := v.record(ctx, "case", "case_linked", done.By, number, nil, &activities.DVUpdate{CaseNumber: number}); err != nil {
			return f, done.Data, err
		}
	}
	return f, done.Data, nil
}

// firstContactTask is the urgent task of the first contact with victim.
func (v *violenceRun) firstContactTask(victim domain.PersonID) taskSpec {
	due := v.in.FirstContactDue
	if due <= 0 {
		due = DefaultFirstContactDue
	}
	spec := taskSpec{Step: "first-contact", Type: "dv_first_contact", Subject: v.in.Reference + ": police notification " + v.in.PoliceReference,
		PersonID: victim, CentreID: v.in.CentreID, Role: domain.RoleDVCaseworker, Due: due, Priority: 90, Outcomes: []string{"submit"},
		Data: map[string]string{"notification": v.in.Reference, "form": "first_contact"}}
	spec.Rule = "the first contact with a victim of domestic violence is made by the dv_caseworker role"
	spec.check = func(done TaskCompletion) error {
		if err := violence.Schemas.Validate("first_contact", done.Data); err != nil {
			return err
		}
		var f firstContact
		_ = json.Unmarshal(done.Data, &f)
		if f.OpenCase && victim == "" && f.VictimPersonID == "" {
			return domain.FieldError("victim_person_id", "the police could not identify the victim: name the registered person to open the case for")
		}
		return nil
	}
	return spec
}

// policeOptions retry the report to the police until they acknowledge it;
// each try is visible on the register entry.
var policeOptions = workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute}}

// report sends the centre's report to the police and records their
// acknowledgement, with their reference for a centre's own report.
func (v *violenceRun) report(ctx workflow.Context, report activities.PoliceReport) error {
	var a *activities.Activities
	report.SentAt = workflow.Now(ctx)
	var ack activities.PoliceAck
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, policeOptions), a.SendPoliceReport, report).Get(ctx, &ack); err != nil {
		return err
	}
	v.st.State, v.st.Reported = "reported", true
	var link *activities.DVUpdate
	if v.st.PoliceReference == "" {
		v.st.PoliceReference = ack.PoliceReference
		link = &activities.DVUpdate{PoliceReference: ack.PoliceReference}
	}
	return v.record(ctx, "report-acknowledged", "report_acknowledged", "police", "police reference "+ack.PoliceReference, ack, link)
}

// listenToPolice waits until the police have been quiet for QuietAfter.
func (v *violenceRun) listenToPolice(ctx workflow.Context) error {
	quiet := v.in.QuietAfter
	if quiet <= 0 {
		quiet = DefaultQuietAfter
	}
	for {
		seen := v.st.Updates
		ok, err := workflow.AwaitWithTimeout(ctx, quiet-workflow.Now(ctx).Sub(v.lastUpdate), func() bool { return v.st.Updates != seen })
		if err != nil || !ok {
			return err
		}
	}
}

// dvProcedure is the procedure of a victim's new DV case: P05 for a child
// victim, P37 for an adult (violence.Procedure). Histories recorded before
// issue 16 fixed the swapped routing replay it as they ran: P37 for a
// child, P05 for an adult.
func dvProcedure(ctx workflow.Context, birth time.Time) string {
	now := workflow.Now(ctx)
	if workflow.GetVersion(ctx, "dv-routing-p05-child", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		if violence.Child(birth, now) {
			return "P37"
		}
		return "P05"
	}
	return violence.Procedure(birth, now)
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
	child := workflow.ExecuteChildWorkflow(cctx, Case, CaseInput{Number: number, Procedure: dvProcedure(ctx, birth),
		CentreID: in.CentreID, OpenedBy: by, Persons: persons, Intake: intake})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return "", err
	}
	return number, nil
}
