package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/electricity"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// The electricity subsidy's monthly exchange with the power utility
// (issue 21, item 6): the finance officers start a month's list (or the
// monthly schedule does), look at its counts by category, submit it, and
// another approves it by its SHA-256 before the workflow sends it; the
// company's file of discounts comes back (or is uploaded here) and is
// reconciled. The routes that name persons (the households, the
// reconciliation's mismatches, the upload) write each to the audit log;
// a household whose holder is in the DV compartment is sent to the
// company but never shown here.

// startElectricity starts the month's exchange, or joins the one running:
// 202. A month after the current one is refused (400).
func (h *handler) startElectricity(c *gin.Context) (*electricityStarted, error) {
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
	if domain.MonthOf(h.now()).Before(m) {
		return nil, domain.FieldError("period", "%s has not begun: a month's list is drawn from the rights in force on its first day", m)
	}
	run, err := h.tc.ExecuteWorkflow(c.Request.Context(), client.StartWorkflowOptions{
		ID: workflows.ElectricityID(m.String()), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		// A month whose exchange has ended is an error, not that run
		// handed back as if it had started (the SDK's default).
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, workflows.NameElectricityExport, workflows.ElectricityInput{Month: m.String()})
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return nil, domain.Errorf(domain.CodeConflict, "the list of %s was sent already; a month is sent once", m)
		}
		return nil, unavailable(err)
	}
	return &electricityStarted{ID: run.GetID(), Period: m.String()}, nil
}

type electricityStarted struct {
	ID     string `json:"id"`
	Period string `json:"period"`
}

// electricityMonth reads :period and the month's list.
func (h *handler) electricityMonth(c *gin.Context) (domain.Month, store.ElectricityExport, error) {
	m, err := domain.ParseMonth(c.Param("period"))
	if err != nil {
		return domain.Month{}, store.ElectricityExport{}, err
	}
	e, err := h.db.ElectricityExportOf(c.Request.Context(), m.First())
	return m, e, err
}

// listElectricity lists the months' lists, the latest first.
func (h *handler) listElectricity(c *gin.Context) (*electricityListView, error) {
	es, err := h.db.ElectricityExports(c.Request.Context())
	if err != nil {
		return nil, err
	}
	out := electricityListView{Lists: []electricityView{}}
	for _, e := range es {
		v, err := h.viewOfElectricity(c, e)
		if err != nil {
			return nil, err
		}
		out.Lists = append(out.Lists, v)
	}
	return &out, nil
}

type electricityListView struct {
	Lists []electricityView `json:"lists"`
}

// getElectricity shows the month's list: its state, file's SHA-256, who
// submitted and approved it, its households by category (each category
// named in both languages), and when it was sent and answered.
func (h *handler) getElectricity(c *gin.Context) (*electricityView, error) {
	_, e, err := h.electricityMonth(c)
	if err != nil {
		return nil, err
	}
	v, err := h.viewOfElectricity(c, e)
	return &v, err
}

// viewOfElectricity is the month's list as the caller may see it: the
// households of the DV compartment (the finance officers are never in it)
// left out of its counts, as they are of its lines.
func (h *handler) viewOfElectricity(c *gin.Context, e store.ElectricityExport) (electricityView, error) {
	hidden, err := h.db.ElectricityRestrictedCounts(c.Request.Context(), e.Month)
	if err != nil {
		return electricityView{}, err
	}
	v := electricityView{Period: domain.MonthOf(e.Month).String(), ID: e.WorkflowID, State: e.State, SHA256: e.ListSHA256, Households: e.Households,
		SubmittedBy: e.SubmittedBy, ApprovedBy: e.ApprovedBy, SentAt: e.SentAt, AnswerSHA256: e.AnswerSHA256, AnsweredAt: e.AnsweredAt,
		AnsweredBy: e.AnsweredBy, Categories: []electricityCount{}}
	for _, cat := range electricity.Categories() {
		n := e.Counts[cat.Code] - hidden[cat.Code]
		v.Households -= hidden[cat.Code]
		v.Categories = append(v.Categories, electricityCount{Category: cat.Code, NameCnr: cat.Label("cnr"), NameEn: cat.Label("en"), Households: n})
	}
	return v, nil
}

type electricityView struct {
	Period       string             `json:"period"`
	ID           string             `json:"id"`
	State        string             `json:"state"`
	SHA256       string             `json:"sha256"`
	Households   int                `json:"households"`
	Categories   []electricityCount `json:"categories"`
	SubmittedBy  string             `json:"submitted_by"`
	ApprovedBy   string             `json:"approved_by"`
	SentAt       *time.Time         `json:"sent_at"`
	AnswerSHA256 string             `json:"answer_sha256"`
	AnsweredAt   *time.Time         `json:"answered_at"`
	AnsweredBy   string             `json:"answered_by"`
}

type electricityCount struct {
	Category   string `json:"category"`
	NameCnr    string `json:"name_cnr"`
	NameEn     string `json:"name_en"`
	Households int    `json:"households"`
}

// electricityHouseholds lists the month's households as sent, a page at a
// time (?offset=, ?limit= up to 1,000): each holder written to the audit
// log; those in the DV compartment left out.
func (h *handler) electricityHouseholds(c *gin.Context) (*electricityHouseholdsView, error) {
	m, _, err := h.electricityMonth(c)
	if err != nil {
		return nil, err
	}
	offset, limit, err := pageOf(c, 100, 1000)
	if err != nil {
		return nil, err
	}
	lines, err := h.db.ElectricityLines(c.Request.Context(), m.First())
	if err != nil {
		return nil, err
	}
	shown := visibleLines(lines)
	out := electricityHouseholdsView{Period: m.String(), Total: len(shown), Offset: offset, Households: []electricityHousehold{}}
	for _, l := range shown[min(offset, len(shown)):min(offset+limit, len(shown))] {
		auditPersons(c, domain.PersonID(l.PersonID))
		out.Households = append(out.Households, electricityHousehold{HouseholdID: l.HouseholdID, PersonID: l.PersonID, JMBG: l.JMBG,
			Name: l.GivenName + " " + l.FamilyName, Address: addressOf(l.Line), Category: l.Category})
	}
	return &out, nil
}

// visibleLines are the lines anyone outside the DV compartment may see:
// the routes' callers (finance officers) are never in it.
func visibleLines(lines []store.ElectricityLine) []store.ElectricityLine {
	out := []store.ElectricityLine{}
	for _, l := range lines {
		if !l.Restricted {
			out = append(out, l)
		}
	}
	return out
}

func addressOf(l electricity.Line) string {
	a := domain.Address{Municipality: l.Municipality, Settlement: l.Settlement, Street: l.Street}
	return domain.AddressText(a)
}

// pageOf reads ?offset= and ?limit= (def when absent, at most max).
func pageOf(c *gin.Context, def, most int) (int, int, error) {
	var fields []*domain.Error
	offset, limit := 0, def
	if s := c.Query("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fields = append(fields, domain.FieldError("offset", "%q is not a whole number from 0", s))
		}
		offset = n
	}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > most {
			fields = append(fields, domain.FieldError("limit", "%q is not a whole number from 1 to %d", s, most))
		}
		limit = n
	}
	if len(fields) > 0 {
		return 0, 0, domain.Invalid(fields)
	}
	return offset, limit, nil
}

type electricityHouseholdsView struct {
	Period     string                 `json:"period"`
	Total      int                    `json:"total"`
	Offset     int                    `json:"offset"`
	Households []electricityHousehold `json:"households"`
}

type electricityHousehold struct {
	HouseholdID string `json:"household_id"`
	PersonID    string `json:"person_id"`
	JMBG        string `json:"jmbg"`
	Name        string `json:"name"`
	Address     string `json:"address"`
	Category    string `json:"category"`
}

// submitElectricity and approveElectricity send the finance officers'
// actions to the month's workflow, whose validator enforces four eyes and
// the file's SHA-256.
func (h *handler) submitElectricity(c *gin.Context) (*electricityActionDone, error) {
	return h.electricityAction(c, workflows.UpdateElectricitySubmit)
}

func (h *handler) approveElectricity(c *gin.Context) (*electricityActionDone, error) {
	return h.electricityAction(c, workflows.UpdateElectricityApprove)
}

func (h *handler) electricityAction(c *gin.Context, update string) (*electricityActionDone, error) {
	m, _, err := h.electricityMonth(c)
	if err != nil {
		return nil, err
	}
	var req struct {
		SHA256 string `json:"sha256"`
	}
	if c.Request.ContentLength != 0 {
		if err := bindJSON(c, &req); err != nil {
			return nil, err
		}
	}
	if update == workflows.UpdateElectricityApprove && req.SHA256 == "" {
		return nil, domain.FieldError("sha256", "approve the list by its file's SHA-256 (GET the list to see it)")
	}
	u := userOf(c)
	id := workflows.ElectricityID(m.String())
	if err := h.update(c, id, update, workflows.ElectricityAction{By: u.Username, Role: u.Role, SHA256: req.SHA256}); err != nil {
		return nil, err
	}
	return &electricityActionDone{ID: id, Action: update, By: u.Username}, nil
}

type electricityActionDone struct {
	ID     string `json:"id"`
	Action string `json:"action"`
	By     string `json:"by"`
}

// uploadElectricityDiscounts imports the company's file of discounts for
// the month (the body, text/csv, schema version 1): a file with any fault
// is a 400 listing every one, and nothing of it is imported; the same
// file again changes nothing; another file for a month answered already
// is a 409. The month's workflow, waiting for the file, is told.
func (h *handler) uploadElectricityDiscounts(c *gin.Context) (*electricityReportView, error) {
	m, e, err := h.electricityMonth(c)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, 64<<20))
	if err != nil {
		return nil, domain.FieldError("file", "send the company's file of discounts as the body (text/csv, at most 64 MiB)")
	}
	lines, err := h.db.ElectricityLines(c.Request.Context(), m.First())
	if err != nil {
		return nil, err
	}
	for _, l := range visibleLines(lines) { // the file names the month's households
		auditPersons(c, domain.PersonID(l.PersonID))
	}
	out, err := activities.ImportElectricityAnswer(c.Request.Context(), h.db, h.objects, m.String(), data, userOf(c).Username, h.now)
	if err != nil {
		return nil, err
	}
	if e.State == "sent" {
		err := h.tc.SignalWorkflow(c.Request.Context(), workflows.ElectricityID(m.String()), "", workflows.SignalElectricityAnswer, out)
		var nf *serviceerror.NotFound
		if err != nil && !errors.As(err, &nf) {
			h.log.WarnContext(c.Request.Context(), "electricity answer imported, workflow not told", "workflow_id", workflows.ElectricityID(m.String()), "error", err)
		}
	}
	return h.electricityReport(c, m, lines)
}

// getElectricityReconciliation is the reconciliation of the month's list
// with the discounts applied: the totals by category and every mismatch
// (households sent but not discounted, discounted but not sent, another
// holder or category, a discount above the category's share), each
// holder written to the audit log.
func (h *handler) getElectricityReconciliation(c *gin.Context) (*electricityReportView, error) {
	m, e, err := h.electricityMonth(c)
	if err != nil {
		return nil, err
	}
	if e.AnswerSHA256 == "" {
		return nil, domain.Errorf(domain.CodeConflict, "the company's discounts for %s have not come yet (the list is %s)", m, e.State)
	}
	lines, err := h.db.ElectricityLines(c.Request.Context(), m.First())
	if err != nil {
		return nil, err
	}
	return h.electricityReport(c, m, lines)
}

// electricityReport reconciles what the caller may see: the households of
// the DV compartment and the discounts applied to them are left out, so
// that they are in no total, count or mismatch.
func (h *handler) electricityReport(c *gin.Context, m domain.Month, lines []store.ElectricityLine) (*electricityReportView, error) {
	applied, err := h.db.ElectricityDiscounts(c.Request.Context(), m.First())
	if err != nil {
		return nil, err
	}
	byHousehold := map[string]store.ElectricityLine{}
	hidden := map[string]bool{}
	var sent []electricity.Line
	for _, l := range lines {
		byHousehold[l.HouseholdID] = l
		if l.Restricted {
			hidden[l.HouseholdID], hidden["jmbg:"+l.JMBG] = true, true
			continue
		}
		sent = append(sent, l.Line)
	}
	var shown []electricity.Discount
	for _, d := range applied {
		if !hidden[d.HouseholdID] && !hidden["jmbg:"+d.JMBG] {
			shown = append(shown, d)
		}
	}
	r := electricity.Reconcile(sent, shown)
	out := electricityReportView{Period: m.String(), Sent: r.Sent, Discounted: r.Discounted, Amount: r.Amount.StringFixed(2),
		Categories: []electricityCategoryTotal{}, Mismatches: []electricityMismatch{}}
	for _, t := range r.Categories {
		cat, _ := electricity.CategoryByCode(t.Category)
		out.Categories = append(out.Categories, electricityCategoryTotal{Category: t.Category, NameCnr: cat.Label("cnr"), NameEn: cat.Label("en"),
			Sent: t.Sent, Discounted: t.Discounted, Amount: t.Amount.StringFixed(2)})
	}
	for _, x := range r.Mismatches {
		v := electricityMismatch{Kind: x.Kind, HouseholdID: x.HouseholdID, JMBG: x.JMBG, Sent: x.Sent, Answered: x.Answered,
			Amount: x.Amount.StringFixed(2), Bill: x.Bill.StringFixed(2)}
		if l, ok := byHousehold[x.HouseholdID]; ok {
			v.PersonID, v.Name = l.PersonID, l.GivenName+" "+l.FamilyName
			auditPersons(c, domain.PersonID(l.PersonID))
		}
		out.Mismatches = append(out.Mismatches, v)
	}
	return &out, nil
}

type electricityReportView struct {
	Period     string                     `json:"period"`
	Sent       int                        `json:"sent"`
	Discounted int                        `json:"discounted"`
	Amount     string                     `json:"amount"`
	Categories []electricityCategoryTotal `json:"categories"`
	Mismatches []electricityMismatch      `json:"mismatches"`
}

type electricityCategoryTotal struct {
	Category   string `json:"category"`
	NameCnr    string `json:"name_cnr"`
	NameEn     string `json:"name_en"`
	Sent       int    `json:"sent"`
	Discounted int    `json:"discounted"`
	Amount     string `json:"amount"`
}

type electricityMismatch struct {
	Kind        string `json:"kind"`
	HouseholdID string `json:"household_id"`
	PersonID    string `json:"person_id,omitempty"`
	Name        string `json:"name,omitempty"`
	JMBG        string `json:"jmbg"`
	Sent        string `json:"sent_category"`
	Answered    string `json:"answered_category"`
	Amount      string `json:"amount"`
	Bill        string `json:"bill"`
}
