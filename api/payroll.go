package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/workflows"
)

func payrollPeriod(c *gin.Context) (string, error) {
	m, err := domain.ParseMonth(c.Param("period"))
	if err != nil {
		return "", err
	}
	return m.String(), nil
}

// startPayroll starts the month's payroll, or joins the one running: 202.
// A month that has not come (domain.PayablePeriod) is refused (400), and
// so is another month while a payroll is being prepared (409).
func (h *handler) startPayroll(c *gin.Context) (*payrollStarted, error) {
	var req struct {
		Period string `json:"period"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	m, err := domain.ParseMonth(req.Period)
	if err != nil {
		return nil, err
	}
	if err := domain.PayablePeriod(m, h.now(), h.paymentDay); err != nil {
		return nil, err // a month that has not come, or the current one before its payment day: 400
	}
	other, err := h.db.PreparingPayroll(c.Request.Context(), workflows.PayrollID(m.String()))
	if err != nil {
		return nil, err
	}
	if other != "" { // one payroll at a time, so that no month's difference is paid twice
		return nil, domain.Errorf(domain.CodeConflict, "%s is being prepared; start this payroll once it is ready", other)
	}
	run, err := h.tc.ExecuteWorkflow(c.Request.Context(), client.StartWorkflowOptions{
		ID: workflows.PayrollID(m.String()), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.NamePayroll, workflows.PayrollInput{Period: m.String()})
	if err != nil {
		return nil, unavailable(err)
	}
	return &payrollStarted{ID: run.GetID(), Period: m.String()}, nil
}

type payrollStarted struct {
	ID     string `json:"id"`
	Period string `json:"period"`
}

// getPayroll shows the payroll: state, who prepared and approved it, its
// files with their SHA-256, totals by benefit, municipality, channel and
// state, the exceptions, and the rights new, stopped or changed against
// the month before.
func (h *handler) getPayroll(c *gin.Context) (*payrollView, error) {
	ctx := c.Request.Context()
	period, err := payrollPeriod(c)
	if err != nil {
		return nil, err
	}
	id := workflows.PayrollID(period)
	p, err := h.db.PayrollByID(ctx, id)
	if err != nil {
		return nil, err
	}
	files, err := h.db.PaymentFiles(ctx, id)
	if err != nil {
		return nil, err
	}
	sum, err := h.db.SummarisePayroll(ctx, id)
	if err != nil {
		return nil, err
	}
	exc, err := h.db.PaymentsOf(ctx, id, "", "exception")
	if err != nil {
		return nil, err
	}
	out := payrollView{ID: p.ID, Period: period, State: p.State, PreparedBy: p.PreparedBy, ApprovedBy: p.ApprovedBy,
		Files: []payrollFile{}, Summary: []payrollTotal{}, Exceptions: []payrollException{}, Changes: []payrollChange{}}
	for _, f := range files {
		out.Files = append(out.Files, payrollFile{Name: f.Name, Kind: f.Kind, SHA256: f.SHA256, Transfers: f.Transfers, Total: f.Total.StringFixed(2)})
	}
	for _, s := range sum {
		out.Summary = append(out.Summary, payrollTotal{Benefit: s.Benefit, Municipality: s.Municipality, Channel: s.Channel, State: s.State,
			Count: s.Count, Total: s.Total.StringFixed(2)})
	}
	for _, e := range exc {
		out.Exceptions = append(out.Exceptions, payrollException{EntitlementID: e.EntitlementID, Payee: e.PayeeName, Period: e.Period.Format("2006-01"),
			Amount: e.Amount.StringFixed(2), Reason: e.Reason})
	}
	// The changes a page at a time, of the kind asked for, with how many
	// there are of each (payrollpages.go); the grand totals.
	if out.Changes, out.ChangeCounts, out.ChangesOffset, err = h.payrollChangePage(c, id, period); err != nil {
		return nil, err
	}
	out.Totals = totalsOf(sum)
	return &out, nil
}

type payrollView struct {
	ID         string             `json:"id"`
	Period     string             `json:"period"`
	State      string             `json:"state"`
	PreparedBy string             `json:"prepared_by"`
	ApprovedBy string             `json:"approved_by"`
	Files      []payrollFile      `json:"files"`
	Summary    []payrollTotal     `json:"summary"`
	Exceptions []payrollException `json:"exceptions"`
	Changes    []payrollChange    `json:"changes"` // a page: ?changes=<kind>&changes_offset=&changes_limit=
	// ChangeCounts are how many changes there are of each kind (new,
	// stopped, changed); ChangesOffset where the page starts.
	ChangeCounts  map[string]int `json:"change_counts"`
	ChangesOffset int            `json:"changes_offset"`
	Totals        payrollTotals  `json:"totals"`
}

type payrollFile struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	SHA256    string `json:"sha256"`
	Transfers int    `json:"transfers"`
	Total     string `json:"total"`
}

type payrollTotal struct {
	Benefit      string `json:"benefit"`
	Municipality string `json:"municipality"`
	Channel      string `json:"channel"`
	State        string `json:"state"`
	Count        int    `json:"count"`
	Total        string `json:"total"`
}

type payrollException struct {
	EntitlementID string `json:"entitlement_id"`
	Payee         string `json:"payee"`
	Period        string `json:"period"`
	Amount        string `json:"amount"`
	Reason        string `json:"reason"`
}

type payrollChange struct {
	EntitlementID string `json:"entitlement_id"`
	Payee         string `json:"payee"`
	Benefit       string `json:"benefit"`
	Kind          string `json:"kind"`
	Before        string `json:"before"`
	Now           string `json:"now"`
}

// payrollSummaryCSV is the summary as CSV: it writes the file itself (see
// stream).
func (h *handler) payrollSummaryCSV(c *gin.Context) error {
	period, err := payrollPeriod(c)
	if err != nil {
		return err
	}
	sum, err := h.db.SummarisePayroll(c.Request.Context(), workflows.PayrollID(period))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"benefit", "municipality", "channel", "state", "count", "total_eur"})
	for _, s := range sum {
		_ = w.Write([]string{s.Benefit, s.Municipality, s.Channel, s.State, fmt.Sprint(s.Count), s.Total.StringFixed(2)})
	}
	w.Flush()
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=payroll-%s.csv", period))
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	return nil
}

// submitPayroll and approvePayroll send the finance officers' actions to
// the payroll's workflow, whose validator enforces four eyes and the hashes.
func (h *handler) submitPayroll(c *gin.Context) (*payrollActionDone, error) {
	return h.payrollAction(c, workflows.UpdatePayrollSubmit)
}

func (h *handler) approvePayroll(c *gin.Context) (*payrollActionDone, error) {
	return h.payrollAction(c, workflows.UpdatePayrollApprove)
}

func (h *handler) payrollAction(c *gin.Context, update string) (*payrollActionDone, error) {
	period, err := payrollPeriod(c)
	if err != nil {
		return nil, err
	}
	var req struct {
		Hashes map[string]string `json:"hashes"`
	}
	if c.Request.ContentLength != 0 {
		if err := bindJSON(c, &req); err != nil {
			return nil, err
		}
	}
	u := userOf(c)
	err = h.update(c, workflows.PayrollID(period), update, workflows.PayrollAction{By: u.Username, Role: u.Role, Hashes: req.Hashes})
	if err != nil {
		return nil, err
	}
	return &payrollActionDone{ID: workflows.PayrollID(period), Action: update, By: u.Username}, nil
}

type payrollActionDone struct {
	ID     string `json:"id"`
	Action string `json:"action"`
	By     string `json:"by"`
}
