package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
)

// Names of the claim procedure's messages.
const (
	NameBenefitClaim = "BenefitClaim"
	UpdateWithdraw   = "withdraw"
	QueryClaimStage  = "stage"
)

// Task types of the claim procedure.
const (
	TaskReview         = "claim.review"
	TaskApprove        = "claim.approve"
	TaskObtainEvidence = "claim.obtain_evidence"
	TaskObtainDocument = "claim.obtain_document"
)

// ClaimID is the workflow id of a claim.
func ClaimWorkflowID(number string) string { return "claim/" + number }

// Deadlines of the claim's steps; zero takes the default.
type Deadlines struct {
	Evidence time.Duration // how long to wait for registries before a caseworker gets them by hand (default 2 h)
	Review   time.Duration // caseworker's review (default 8 h: the same day)
	Approval time.Duration // approver's decision (default 8 h)
	Document time.Duration // obtaining a document or evidence by hand (default 72 h)
	// DVFirstContact is how long a centre has to reach the victim of a
	// police notification before it escalates (default 3 h).
	DVFirstContact time.Duration
	// ActivationSteps is how long the employment agency has for a
	// referral's next step before a reminder (default 30 days).
	ActivationSteps time.Duration
}

func (d Deadlines) withDefaults() Deadlines {
	def := func(v *time.Duration, x time.Duration) {
		if *v <= 0 {
			*v = x
		}
	}
	def(&d.Evidence, 2*time.Hour)
	def(&d.Review, 8*time.Hour)
	def(&d.Approval, 8*time.Hour)
	def(&d.Document, 72*time.Hour)
	return d
}

// ClaimInput starts a claim. It carries ids only; the claim row holds the rest.
type ClaimInput struct {
	Number    string
	Benefit   string
	CentreID  string
	Members   []domain.PersonID // applicant first
	Deadlines Deadlines
}

// ClaimResult is how the claim ended.
type ClaimResult struct {
	State          string // approved, rejected, withdrawn
	DecisionID     string
	DecisionNumber string
	DocumentSHA256 string
	EntitlementID  string
}

// Withdrawal is the applicant's withdrawal, entered by a caseworker.
type Withdrawal struct {
	By       string
	CentreID string
	Reason   string
}

// Outcome data of the claim's tasks.
type (
	// AdjustData: the caseworker sets another amount within the legal range.
	AdjustData struct {
		Amount decimal.Decimal `json:"amount"`
		Reason string          `json:"reason"`
	}
	// RejectData: the caseworker's reasons for a rejection.
	RejectData struct {
		Reasons []string `json:"reasons"`
	}
	// RequestDocumentData: what the caseworker asks the applicant for.
	RequestDocumentData struct {
		What     string          `json:"what"`
		PersonID domain.PersonID `json:"person_id"`
	}
	// ProvidedData: facts obtained by hand, backed by an uploaded document.
	ProvidedData struct {
		DocumentID string          `json:"document_id"`
		PersonID   domain.PersonID `json:"person_id"`
		Facts      []ProvidedFact  `json:"facts"`
	}
	// ProvidedFact is one declared fact.
	ProvidedFact struct {
		Kind  domain.EvidenceKind `json:"kind"`
		Value json.RawMessage     `json:"value"`
	}
	// SendBackData: why the approver returns the claim to review.
	SendBackData struct {
		Reason string `json:"reason"`
	}
)

func decodeStrict(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage(`{}`)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return domain.Errorf(domain.CodeInvalid, "outcome data: %v", err)
	}
	return nil
}

// BenefitClaim runs one benefit claim from application to decision.
//
// Input ClaimInput; id ClaimWorkflowID(number). Updates: UpdateCompleteTask (a
// caseworker's or approver's outcome), UpdateWithdraw. Query: QueryClaimStage.
// Evidence: every member's, refreshed as RefreshEvidence does (no child workflows). Timers: each task's deadline
// (escalates to the supervisors and keeps waiting). Eligibility and amount
// are computed by the CalculateClaim activity and recorded; the decision is
// numbered, rendered and stored by IssueDecision; approval needs a
// supervisor other than the preparer (four eyes, checked here).
func BenefitClaim(ctx workflow.Context, in ClaimInput) (ClaimResult, error) {
	c := &claimRun{in: in, dl: in.Deadlines.withDefaults(), t: newTasks(), stage: "evidence"}
	if err := c.listen(ctx); err != nil {
		return ClaimResult{}, err
	}
	res, err := c.run(ctx)
	if errors.Is(err, errWithdrawn) {
		return c.withdrawn(ctx)
	}
	return res, err
}

// claimRun is a claim's workflow: where the claim stands, its tasks, and
// the decision as the caseworker prepares it and the approver approves it.
type claimRun struct {
	in         ClaimInput
	dl         Deadlines
	t          *tasks
	stage      string // QueryClaimStage's answer
	decided    bool
	withdrawal *Withdrawal

	calc     activities.CalculateClaimResult
	seq      int // of the calculation
	grant    bool
	amount   decimal.Decimal
	reasons  []string
	preparer string
	approver TaskCompletion
	conflict string // why the approved grant may not be decided (excluded)
}

// errWithdrawn ends a claim's steps when the claim was withdrawn while it
// waited for a task.
var errWithdrawn = errors.New("claim withdrawn")

// claimActivityOptions are the claim's (non-local) activities' options.
var claimActivityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden}},
}

// listen registers the claim's query and updates.
func (c *claimRun) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryClaimStage, func() (string, error) { return c.stage, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, c.t.complete,
		workflow.UpdateHandlerOptions{Validator: c.t.validate}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateWithdraw, c.withdraw, workflow.UpdateHandlerOptions{Validator: c.validateWithdraw})
}

// validateWithdraw is UpdateWithdraw's validator.
func (c *claimRun) validateWithdraw(_ workflow.Context, w Withdrawal) error {
	switch {
	case c.decided:
		return rejectf(domain.CodeConflict, "claim %s is already decided", c.in.Number)
	case c.withdrawal != nil:
		return rejectf(domain.CodeConflict, "claim %s is already withdrawn", c.in.Number)
	case w.CentreID != c.in.CentreID:
		return rejectf(domain.CodeForbidden, "claim %s belongs to centre %s", c.in.Number, c.in.CentreID)
	case strings.TrimSpace(w.Reason) == "":
		return rejectField(domain.CodeInvalid, "reason", "is required")
	}
	return nil
}

// withdraw is UpdateWithdraw's handler: every task of the claim is
// closed, and the task waited for ends the claim.
func (c *claimRun) withdraw(ctx workflow.Context, w Withdrawal) error {
	if err := c.validateWithdraw(ctx, w); err != nil {
		return err
	}
	c.withdrawal = &w
	c.t.closed = "claim " + c.in.Number + " was withdrawn"
	return nil
}

// run takes the claim from its evidence to its decision.
func (c *claimRun) run(ctx workflow.Context) (ClaimResult, error) {
	if err := c.setState(ctx, "evidence", ""); err != nil {
		return ClaimResult{}, err
	}
	if err := c.gatherEvidence(ctx); err != nil {
		return ClaimResult{}, err
	}
	if err := c.prepare(ctx); err != nil {
		return ClaimResult{}, err
	}
	return c.decide(ctx)
}

func (c *claimRun) setState(ctx workflow.Context, s, reason string) error {
	var a *activities.Activities
	c.stage = s
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.SetClaimState,
		activities.SetClaimStateInput{Number: c.in.Number, State: s, Reason: reason}).Get(ctx, nil)
}

// withdrawn ends a withdrawn claim: its tasks cancelled, its state set.
func (c *claimRun) withdrawn(ctx workflow.Context) (ClaimResult, error) {
	var a *activities.Activities
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.CancelTasks,
		activities.CancelTasksInput{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID}).Get(ctx, nil); err != nil {
		return ClaimResult{}, err
	}
	if err := c.setState(ctx, "withdrawn", c.withdrawal.Reason); err != nil {
		return ClaimResult{}, err
	}
	return ClaimResult{State: "withdrawn"}, nil
}

// await waits for a task of the claim; a withdrawal is errWithdrawn.
func (c *claimRun) await(ctx workflow.Context, spec taskSpec) (TaskCompletion, error) {
	spec.Subject, spec.CentreID = c.in.Number, c.in.CentreID
	done, err := c.t.await(ctx, spec, domain.RoleSupervisor)
	if errors.Is(err, errClosed) && c.withdrawal != nil {
		return TaskCompletion{}, errWithdrawn
	}
	return done, err
}

// gatherEvidence refreshes every member's evidence in parallel; what a
// registry did not answer in time a caseworker obtains by hand, or has
// the registries asked again.
func (c *claimRun) gatherEvidence(ctx workflow.Context) error {
	results, err := refreshEvidence(ctx, c.in.Members, c.in.Number, nil, c.dl.Evidence)
	if err != nil {
		return err
	}
	if c.withdrawal != nil {
		return errWithdrawn
	}
	for i, r := range results {
		for round := 1; len(r.Failed) > 0; round++ {
			if r, err = c.obtainEvidence(ctx, i, round, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// obtainEvidence asks a caseworker for the member's evidence the
// registries did not give; it returns what is still missing.
func (c *claimRun) obtainEvidence(ctx workflow.Context, i, round int, r RefreshEvidenceResult) (RefreshEvidenceResult, error) {
	member := c.in.Members[i]
	names := make([]string, len(r.Failed))
	for j, s := range r.Failed {
		names[j] = string(s)
	}
	done, err := c.await(ctx, taskSpec{Step: fmt.Sprintf("obtain-evidence-%s-%d", member, round), Type: TaskObtainEvidence,
		PersonID: member, Role: domain.RoleCaseworker, Due: c.dl.Document, Priority: 70,
		Outcomes: []string{"provided", "retry"}, Data: map[string]string{"sources": strings.Join(names, ",")},
		check: checkProvided(c.in.Members)})
	if err != nil {
		return r, err
	}
	if done.Outcome == "retry" {
		again, err := refreshEvidence(ctx, []domain.PersonID{member}, c.in.Number, r.Failed, c.dl.Evidence)
		if err != nil {
			return r, err
		}
		return again[0], nil
	}
	if err := recordProvided(ctx, workflow.WithLocalActivityOptions(ctx, localOptions), c.in.Number, done); err != nil {
		return r, err
	}
	r.Failed = nil
	return r, nil
}

// calculate has the claim's eligibility and amount computed (calculation seq).
func (c *claimRun) calculate(ctx workflow.Context) error {
	var a *activities.Activities
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.CalculateClaim,
		activities.CalculateClaimInput{Number: c.in.Number, Seq: c.seq}).Get(ctx, &c.calc)
}

// prepare has a caseworker review the calculation and a supervisor other
// than the caseworker approve the outcome, round after round, until one
// is approved; a document asked for is obtained, and the claim calculated
// again.
func (c *claimRun) prepare(ctx workflow.Context) error {
	c.seq = 1
	if err := c.calculate(ctx); err != nil {
		return err
	}
	for round := 1; ; round++ {
		if err := c.setState(ctx, "review", c.conflict); err != nil {
			return err
		}
		review, err := c.review(ctx, round)
		if err != nil {
			return err
		}
		if review.Outcome == "request_document" {
			if err := c.obtainDocument(ctx, round, review); err != nil {
				return err
			}
			continue
		}
		c.preparer = review.By
		if err := c.setState(ctx, "approval", ""); err != nil {
			return err
		}
		if c.approver, err = c.approve(ctx, round); err != nil {
			return err
		}
		if c.approver.Outcome != "approve" {
			continue
		}
		if c.conflict, err = c.excluded(ctx); err != nil || c.conflict == "" {
			return err
		}
	}
}

// excluded checks, before a grant is decided, that its holders hold no
// right that excludes it (issue 16; the API checks when the claim is
// filed and when it is approved, this closes the race between the two):
// it returns why the grant may not be decided ("" when it may), and the
// claim goes back to review with it. Histories recorded before replay
// without the check.
func (c *claimRun) excluded(ctx workflow.Context) (string, error) {
	if !c.grant || workflow.GetVersion(ctx, "claim-exclusions-at-approval", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return "", nil
	}
	var a *activities.Activities
	var r activities.CheckExclusionsResult
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.CheckExclusions,
		activities.CheckExclusionsInput{Number: c.in.Number}).Get(ctx, &r); err != nil || r.Claim == "" {
		return "", err
	}
	return benefits.ConflictError("cnr", benefits.Code(c.in.Benefit), benefits.Held{Benefit: benefits.Code(r.Benefit), Claim: r.Claim}).Message, nil
}

// review is the caseworker's review of the calculation: accepted,
// adjusted within the legal range, rejected, or a document asked for.
func (c *claimRun) review(ctx workflow.Context, round int) (TaskCompletion, error) {
	maxAmount, adjust := c.calc.Max, c.adjustCheck()
	review, err := c.await(ctx, taskSpec{Step: fmt.Sprintf("review-%d", round), Type: TaskReview, PersonID: c.in.Members[0],
		Role: domain.RoleCaseworker, Due: c.dl.Review, Priority: 50,
		Outcomes: []string{"accept", "adjust", "request_document", "reject"},
		Data:     c.reviewData(maxAmount),
		check:    func(done TaskCompletion) error { return checkReview(done, adjust) }})
	if err != nil {
		return review, err
	}
	switch review.Outcome {
	case "accept":
		c.grant, c.amount, c.reasons = c.calc.Eligible, c.calc.Amount, c.calc.Reasons
	case "adjust":
		var d AdjustData
		_ = decodeStrict(review.Data, &d)
		c.grant, c.amount, c.reasons = true, d.Amount.Round(2), []string{"Iznos utvrđen od strane stručnog radnika: " + d.Reason}
	case "reject":
		var d RejectData
		_ = decodeStrict(review.Data, &d)
		c.grant, c.amount, c.reasons = false, decimal.Zero, d.Reasons
	}
	if review.Outcome != "request_document" && !c.grant {
		c.amount = decimal.Zero
	}
	return review, nil
}

// reviewData is the review task's data: the calculation, and the right
// that kept the last approval from being decided, if one did.
func (c *claimRun) reviewData(maxAmount decimal.Decimal) map[string]string {
	d := map[string]string{"benefit": c.in.Benefit, "eligible": fmt.Sprint(c.calc.Eligible), "amount": c.calc.Amount.StringFixed(2),
		"max_amount": maxAmount.StringFixed(2), "calculation": fmt.Sprint(c.seq)}
	if c.conflict != "" {
		d["conflict"] = c.conflict
	}
	return d
}

// obtainDocument has the caseworker obtain the document the review asked
// for, records what it declares and calculates the claim again.
func (c *claimRun) obtainDocument(ctx workflow.Context, round int, review TaskCompletion) error {
	var d RequestDocumentData
	_ = decodeStrict(review.Data, &d)
	person := d.PersonID
	if person == "" {
		person = c.in.Members[0]
	}
	done, err := c.await(ctx, taskSpec{Step: fmt.Sprintf("document-%d", round), Type: TaskObtainDocument, PersonID: person,
		Role: domain.RoleCaseworker, Due: c.dl.Document, Priority: 40, Outcomes: []string{"provided"},
		Data: map[string]string{"what": d.What}, check: checkProvided(c.in.Members)})
	if err != nil {
		return err
	}
	if err := recordProvided(ctx, workflow.WithLocalActivityOptions(ctx, localOptions), c.in.Number, done); err != nil {
		return err
	}
	c.seq++
	return c.calculate(ctx)
}

// approve is the supervisor's approval of the prepared outcome, or its
// return to review with a reason; never by its preparer (four eyes).
func (c *claimRun) approve(ctx workflow.Context, round int) (TaskCompletion, error) {
	kind := "rejection"
	if c.grant {
		kind = "grant"
	}
	return c.await(ctx, taskSpec{Step: fmt.Sprintf("approval-%d", round), Type: TaskApprove, PersonID: c.in.Members[0],
		Role: domain.RoleSupervisor, Due: c.dl.Approval, Priority: 60, Exclude: []string{c.preparer},
		Outcomes: []string{"approve", "send_back"},
		Data:     map[string]string{"benefit": c.in.Benefit, "decision": kind, "amount": c.amount.StringFixed(2), "prepared_by": c.preparer},
		check:    checkSendBack})
}

// checkSendBack asks a reason of an approver who sends a claim back.
func checkSendBack(done TaskCompletion) error {
	if done.Outcome != "send_back" {
		return nil
	}
	var d SendBackData
	if err := decodeStrict(done.Data, &d); err != nil {
		return err
	}
	if strings.TrimSpace(d.Reason) == "" {
		return domain.FieldError("reason", "is required to send a claim back")
	}
	return nil
}

// decide issues the approved decision and, for a grant, the entitlement.
func (c *claimRun) decide(ctx workflow.Context) (ClaimResult, error) {
	var a *activities.Activities
	c.decided = true
	c.t.closed = "claim " + c.in.Number + " is decided"
	if err := c.setState(ctx, "deciding", ""); err != nil {
		return ClaimResult{}, err
	}
	var d activities.IssueDecisionResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, claimActivityOptions), a.IssueDecision, activities.IssueDecisionInput{
		Number: c.in.Number, Grant: c.grant, Amount: c.amount, Reasons: c.reasons, PreparedBy: c.preparer, ApprovedBy: c.approver.By,
		IssuedAt: workflow.Now(ctx)}).Get(ctx, &d); err != nil {
		return ClaimResult{}, err
	}
	res := ClaimResult{State: "rejected", DecisionID: d.DecisionID, DecisionNumber: d.Number, DocumentSHA256: d.SHA256}
	if c.grant {
		var e activities.CreateEntitlementResult
		if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.CreateEntitlement,
			activities.CreateEntitlementInput{Number: c.in.Number, DecisionID: d.DecisionID, Amount: c.amount}).Get(ctx, &e); err != nil {
			return ClaimResult{}, err
		}
		res.State, res.EntitlementID = "approved", e.EntitlementID
	}
	if err := c.setState(ctx, res.State, ""); err != nil {
		return ClaimResult{}, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return ClaimResult{}, err
	}
	return res, nil
}

// adjustCheck checks an adjusted amount against the calculation the
// review is about (benefits.CheckAdjustment: within the computed amount,
// JNP within its cap, an ineligible calculation not at all).
func (c *claimRun) adjustCheck() func(decimal.Decimal) error {
	code, limit := benefits.Code(c.in.Benefit), c.calc.AdjustMax
	if limit == nil { // a calculation recorded before issue 16
		l := benefits.AdjustMaxOf(code, c.calc.Eligible, c.calc.Amount, c.calc.Max)
		limit = &l
	}
	return func(amount decimal.Decimal) error { return benefits.CheckAdjustment(code, *limit, amount) }
}

func checkReview(c TaskCompletion, adjust func(decimal.Decimal) error) error {
	switch c.Outcome {
	case "adjust":
		var d AdjustData
		if err := decodeStrict(c.Data, &d); err != nil {
			return err
		}
		if err := adjust(d.Amount); err != nil {
			return err
		}
		if strings.TrimSpace(d.Reason) == "" {
			return domain.FieldError("reason", "is required to adjust the amount")
		}
	case "reject":
		var d RejectData
		if err := decodeStrict(c.Data, &d); err != nil {
			return err
		}
		if len(d.Reasons) == 0 || strings.TrimSpace(strings.Join(d.Reasons, "")) == "" {
			return domain.FieldError("reasons", "at least one reason is required to reject")
		}
	case "request_document":
		var d RequestDocumentData
		if err := decodeStrict(c.Data, &d); err != nil {
			return err
		}
		if strings.TrimSpace(d.What) == "" {
			return domain.FieldError("what", "say which document is needed")
		}
	}
	return nil
}

func checkProvided(members []domain.PersonID) func(TaskCompletion) error {
	return func(c TaskCompletion) error {
		if c.Outcome != "provided" {
			return nil
		}
		var d ProvidedData
		if err := decodeStrict(c.Data, &d); err != nil {
			return err
		}
		if d.DocumentID == "" {
			return domain.FieldError("document_id", "upload the document first and name it here")
		}
		found := false
		for _, m := range members {
			found = found || m == d.PersonID
		}
		if !found {
			return domain.FieldError("person_id", "is not a member of this claim")
		}
		for _, f := range d.Facts {
			if _, err := domain.CanonicalFact(f.Kind, f.Value); err != nil {
				return domain.FieldError("facts", "%v", err)
			}
		}
		return nil
	}
}

func recordProvided(ctx, local workflow.Context, number string, c TaskCompletion) error {
	var a *activities.Activities
	var d ProvidedData
	if err := decodeStrict(c.Data, &d); err != nil {
		return err
	}
	for _, f := range d.Facts {
		if err := workflow.ExecuteLocalActivity(local, a.RecordDeclaredEvidence, activities.RecordDeclaredEvidenceInput{
			Number: number, PersonID: d.PersonID, Kind: f.Kind, Value: f.Value, DocumentID: d.DocumentID,
		}).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}
