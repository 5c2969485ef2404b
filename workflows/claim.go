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
func ClaimID(number string) string { return "claim/" + number }

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
// Input ClaimInput; id ClaimID(number). Updates: UpdateCompleteTask (a
// caseworker's or approver's outcome), UpdateWithdraw. Query: QueryClaimStage.
// Evidence: every member's, refreshed as RefreshEvidence does (no child workflows). Timers: each task's deadline
// (escalates to the supervisors and keeps waiting). Eligibility and amount
// are computed by the CalculateClaim activity and recorded; the decision is
// numbered, rendered and stored by IssueDecision; approval needs a
// supervisor other than the preparer (four eyes, checked here).
func BenefitClaim(ctx workflow.Context, in ClaimInput) (ClaimResult, error) {
	var a *activities.Activities
	dl := in.Deadlines.withDefaults()
	t := newTasks()
	stage := "evidence"
	decided := false
	if err := workflow.SetQueryHandler(ctx, QueryClaimStage, func() (string, error) { return stage, nil }); err != nil {
		return ClaimResult{}, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, t.complete,
		workflow.UpdateHandlerOptions{Validator: t.validate}); err != nil {
		return ClaimResult{}, err
	}
	var withdrawal *Withdrawal
	validateWithdraw := func(_ workflow.Context, w Withdrawal) error {
		switch {
		case decided:
			return rejectf(domain.CodeConflict, "claim %s is already decided", in.Number)
		case withdrawal != nil:
			return rejectf(domain.CodeConflict, "claim %s is already withdrawn", in.Number)
		case w.CentreID != in.CentreID:
			return rejectf(domain.CodeForbidden, "claim %s belongs to centre %s", in.Number, in.CentreID)
		case strings.TrimSpace(w.Reason) == "":
			return rejectf(domain.CodeInvalid, "reason: is required")
		}
		return nil
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateWithdraw, func(ctx workflow.Context, w Withdrawal) error {
		if err := validateWithdraw(ctx, w); err != nil {
			return err
		}
		withdrawal = &w
		t.closed = "claim " + in.Number + " was withdrawn"
		return nil
	}, workflow.UpdateHandlerOptions{Validator: validateWithdraw}); err != nil {
		return ClaimResult{}, err
	}

	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute,
			NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden}},
	})
	local := workflow.WithLocalActivityOptions(ctx, localOptions)
	setState := func(s, reason string) error {
		stage = s
		return workflow.ExecuteLocalActivity(local, a.SetClaimState, activities.SetClaimStateInput{Number: in.Number, State: s, Reason: reason}).Get(ctx, nil)
	}
	withdrawn := func() (ClaimResult, error) {
		if err := workflow.ExecuteLocalActivity(local, a.CancelTasks, activities.CancelTasksInput{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID}).Get(ctx, nil); err != nil {
			return ClaimResult{}, err
		}
		if err := setState("withdrawn", withdrawal.Reason); err != nil {
			return ClaimResult{}, err
		}
		return ClaimResult{State: "withdrawn"}, nil
	}
	// await waits for a task and turns a withdrawal into its own ending.
	await := func(spec taskSpec) (TaskCompletion, bool, error) {
		spec.Subject, spec.CentreID = in.Number, in.CentreID
		escalate := domain.RoleSupervisor
		c, err := t.await(ctx, spec, escalate)
		if errors.Is(err, errClosed) && withdrawal != nil {
			return TaskCompletion{}, true, nil
		}
		return c, false, err
	}

	if err := setState("evidence", ""); err != nil {
		return ClaimResult{}, err
	}
	// Evidence for every member, in parallel.
	results, err := refreshEvidence(ctx, in.Members, in.Number, nil, dl.Evidence)
	if err != nil {
		return ClaimResult{}, err
	}
	if withdrawal != nil {
		return withdrawn()
	}
	for i, r := range results {
		for round := 1; len(r.Failed) > 0; round++ {
			// A registry did not answer in time: the caseworker obtains the
			// evidence by hand, or has the registries asked again.
			names := make([]string, len(r.Failed))
			for j, s := range r.Failed {
				names[j] = string(s)
			}
			c, gone, err := await(taskSpec{Step: fmt.Sprintf("obtain-evidence-%s-%d", in.Members[i], round), Type: TaskObtainEvidence,
				PersonID: in.Members[i], Role: domain.RoleCaseworker, Due: dl.Document, Priority: 70,
				Outcomes: []string{"provided", "retry"}, Data: map[string]string{"sources": strings.Join(names, ",")},
				check: checkProvided(in.Members)})
			if gone {
				return withdrawn()
			}
			if err != nil {
				return ClaimResult{}, err
			}
			if c.Outcome == "retry" {
				again, err := refreshEvidence(ctx, []domain.PersonID{in.Members[i]}, in.Number, r.Failed, dl.Evidence)
				if err != nil {
					return ClaimResult{}, err
				}
				r = again[0]
				continue
			}
			if err := recordProvided(ctx, local, in.Number, c); err != nil {
				return ClaimResult{}, err
			}
			r.Failed = nil
		}
	}

	seq := 1
	var calc activities.CalculateClaimResult
	if err := workflow.ExecuteLocalActivity(local, a.CalculateClaim, activities.CalculateClaimInput{Number: in.Number, Seq: seq}).Get(ctx, &calc); err != nil {
		return ClaimResult{}, err
	}
	var (
		grant    bool
		amount   decimal.Decimal
		reasons  []string
		preparer string
		approver TaskCompletion
	)
	for round := 1; ; round++ {
		if err := setState("review", ""); err != nil {
			return ClaimResult{}, err
		}
		maxAmount := calc.Max
		review, gone, err := await(taskSpec{Step: fmt.Sprintf("review-%d", round), Type: TaskReview, PersonID: in.Members[0],
			Role: domain.RoleCaseworker, Due: dl.Review, Priority: 50,
			Outcomes: []string{"accept", "adjust", "request_document", "reject"},
			Data: map[string]string{"benefit": in.Benefit, "eligible": fmt.Sprint(calc.Eligible), "amount": calc.Amount.StringFixed(2),
				"max_amount": maxAmount.StringFixed(2), "calculation": fmt.Sprint(seq)},
			check: func(c TaskCompletion) error { return checkReview(c, maxAmount) }})
		if gone {
			return withdrawn()
		}
		if err != nil {
			return ClaimResult{}, err
		}
		switch review.Outcome {
		case "accept":
			grant, amount, reasons = calc.Eligible, calc.Amount, calc.Reasons
		case "adjust":
			var d AdjustData
			_ = decodeStrict(review.Data, &d)
			grant, amount, reasons = true, d.Amount.Round(2), []string{"Iznos utvrđen od strane stručnog radnika: " + d.Reason}
		case "reject":
			var d RejectData
			_ = decodeStrict(review.Data, &d)
			grant, amount, reasons = false, decimal.Zero, d.Reasons
		case "request_document":
			var d RequestDocumentData
			_ = decodeStrict(review.Data, &d)
			person := d.PersonID
			if person == "" {
				person = in.Members[0]
			}
			c, gone, err := await(taskSpec{Step: fmt.Sprintf("document-%d", round), Type: TaskObtainDocument, PersonID: person,
				Role: domain.RoleCaseworker, Due: dl.Document, Priority: 40, Outcomes: []string{"provided"},
				Data: map[string]string{"what": d.What}, check: checkProvided(in.Members)})
			if gone {
				return withdrawn()
			}
			if err != nil {
				return ClaimResult{}, err
			}
			if err := recordProvided(ctx, local, in.Number, c); err != nil {
				return ClaimResult{}, err
			}
			seq++
			if err := workflow.ExecuteLocalActivity(local, a.CalculateClaim, activities.CalculateClaimInput{Number: in.Number, Seq: seq}).Get(ctx, &calc); err != nil {
				return ClaimResult{}, err
			}
			continue
		}
		if !grant {
			amount = decimal.Zero
		}
		preparer = review.By
		if err := setState("approval", ""); err != nil {
			return ClaimResult{}, err
		}
		kind := "rejection"
		if grant {
			kind = "grant"
		}
		approver, gone, err = await(taskSpec{Step: fmt.Sprintf("approval-%d", round), Type: TaskApprove, PersonID: in.Members[0],
			Role: domain.RoleSupervisor, Due: dl.Approval, Priority: 60, Exclude: []string{preparer},
			Outcomes: []string{"approve", "send_back"},
			Data:     map[string]string{"benefit": in.Benefit, "decision": kind, "amount": amount.StringFixed(2), "prepared_by": preparer},
			check: func(c TaskCompletion) error {
				if c.Outcome == "send_back" {
					var d SendBackData
					if err := decodeStrict(c.Data, &d); err != nil {
						return err
					}
					if strings.TrimSpace(d.Reason) == "" {
						return domain.FieldError("reason", "is required to send a claim back")
					}
				}
				return nil
			}})
		if gone {
			return withdrawn()
		}
		if err != nil {
			return ClaimResult{}, err
		}
		if approver.Outcome == "approve" {
			break
		}
	}

	decided = true
	t.closed = "claim " + in.Number + " is decided"
	if err := setState("deciding", ""); err != nil {
		return ClaimResult{}, err
	}
	var d activities.IssueDecisionResult
	if err := workflow.ExecuteActivity(actx, a.IssueDecision, activities.IssueDecisionInput{Number: in.Number, Grant: grant, Amount: amount,
		Reasons: reasons, PreparedBy: preparer, ApprovedBy: approver.By, IssuedAt: workflow.Now(ctx)}).Get(ctx, &d); err != nil {
		return ClaimResult{}, err
	}
	res := ClaimResult{State: "rejected", DecisionID: d.DecisionID, DecisionNumber: d.Number, DocumentSHA256: d.SHA256}
	if grant {
		var e activities.CreateEntitlementResult
		if err := workflow.ExecuteLocalActivity(local, a.CreateEntitlement, activities.CreateEntitlementInput{Number: in.Number, DecisionID: d.DecisionID,
			Amount: amount}).Get(ctx, &e); err != nil {
			return ClaimResult{}, err
		}
		res.State, res.EntitlementID = "approved", e.EntitlementID
	}
	if err := setState(res.State, ""); err != nil {
		return ClaimResult{}, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return ClaimResult{}, err
	}
	return res, nil
}

func checkReview(c TaskCompletion, max decimal.Decimal) error {
	switch c.Outcome {
	case "adjust":
		var d AdjustData
		if err := decodeStrict(c.Data, &d); err != nil {
			return err
		}
		if !d.Amount.IsPositive() || d.Amount.GreaterThan(max) {
			return domain.FieldError("amount", "%s is outside the legal range: more than 0 and at most %s", d.Amount.StringFixed(2), max.StringFixed(2))
		}
		if d.Amount.Round(2).Cmp(d.Amount) != 0 {
			return domain.FieldError("amount", "has more than two decimals")
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
