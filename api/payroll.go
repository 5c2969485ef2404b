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
func (h *handler) startPayroll(c *gin.Context) {
	var req struct {
		Period string `json:"period"`
	}
	if err := bindJSON(c, &req); err != nil {
		writeError(c, h.log, err)
		return
	}
	m, err := domain.ParseMonth(req.Period)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	run, err := h.tc.ExecuteWorkflow(c.Request.Context(), client.StartWorkflowOptions{
		ID: workflows.PayrollID(m.String()), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.NamePayroll, workflows.PayrollInput{Period: m.String()})
	if err != nil {
		writeError(c, h.log, unavailable(err))
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"id": run.GetID(), "period": m.String()})
}

// getPayroll shows the payroll: state, who prepared and approved it, its
// files with their SHA-256, totals by benefit, municipality, channel and
// state, the exceptions, and the rights new, stopped or changed against
// the month before.
func (h *handler) getPayroll(c *gin.Context) {
	ctx := c.Request.Context()
	period, err := payrollPeriod(c)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	id := workflows.PayrollID(period)
	p, err := h.db.PayrollByID(ctx, id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	files, err := h.db.PaymentFiles(ctx, id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	sum, err := h.db.SummarisePayroll(ctx, id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	exc, err := h.db.PaymentsOf(ctx, id, "", "exception")
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	out := gin.H{"id": p.ID, "period": period, "state": p.State, "prepared_by": p.PreparedBy, "approved_by": p.ApprovedBy}
	fl := []gin.H{}
	for _, f := range files {
		fl = append(fl, gin.H{"name": f.Name, "kind": f.Kind, "sha256": f.SHA256, "transfers": f.Transfers, "total": f.Total.StringFixed(2)})
	}
	sl := []gin.H{}
	for _, s := range sum {
		sl = append(sl, gin.H{"benefit": s.Benefit, "municipality": s.Municipality, "channel": s.Channel, "state": s.State,
			"count": s.Count, "total": s.Total.StringFixed(2)})
	}
	el := []gin.H{}
	for _, e := range exc {
		el = append(el, gin.H{"entitlement_id": e.EntitlementID, "payee": e.PayeeName, "period": e.Period.Format("2006-01"),
			"amount": e.Amount.StringFixed(2), "reason": e.Reason})
	}
	m, _ := domain.ParseMonth(period)
	prev := domain.MonthOf(m.First().AddDate(0, -1, 0))
	changes, err := h.db.CompareWithPrevious(ctx, id, m.First(), workflows.PayrollID(prev.String()), prev.First())
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	cl := []gin.H{}
	for _, x := range changes {
		cl = append(cl, gin.H{"entitlement_id": x.EntitlementID, "payee": x.Payee, "benefit": x.Benefit, "kind": x.Kind,
			"before": x.Before.StringFixed(2), "now": x.Now.StringFixed(2)})
	}
	out["files"], out["summary"], out["exceptions"], out["changes"] = fl, sl, el, cl
	c.JSON(http.StatusOK, out)
}

// payrollSummaryCSV is the summary as CSV.
func (h *handler) payrollSummaryCSV(c *gin.Context) {
	period, err := payrollPeriod(c)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	sum, err := h.db.SummarisePayroll(c.Request.Context(), workflows.PayrollID(period))
	if err != nil {
		writeError(c, h.log, err)
		return
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
}

// submitPayroll and approvePayroll send the finance officers' actions to
// the payroll's workflow, whose validator enforces four eyes and the hashes.
func (h *handler) submitPayroll(c *gin.Context) { h.payrollAction(c, workflows.UpdatePayrollSubmit) }

func (h *handler) approvePayroll(c *gin.Context) { h.payrollAction(c, workflows.UpdatePayrollApprove) }

func (h *handler) payrollAction(c *gin.Context, update string) {
	period, err := payrollPeriod(c)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	var req struct {
		Hashes map[string]string `json:"hashes"`
	}
	if c.Request.ContentLength != 0 {
		if err := bindJSON(c, &req); err != nil {
			writeError(c, h.log, err)
			return
		}
	}
	u := userOf(c)
	err = h.update(c, workflows.PayrollID(period), update, workflows.PayrollAction{By: u.Username, Role: u.Role, Hashes: req.Hashes})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": workflows.PayrollID(period), "action": update, "by": u.Username})
}
