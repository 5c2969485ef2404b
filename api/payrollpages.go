package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// The finance officers' months (issue 17 item 5): the months a payroll
// pays, each with its payroll's state or none, and each payment file to
// download, checked against its SHA-256.

// payrollMonths is how many months GET /api/v1/payrolls lists back from
// the latest payable one.
const payrollMonths = 12

// listPayrolls is GET /api/v1/payrolls: the last twelve months up to the
// latest one a payroll may pay now, latest first, each with its payroll
// (state, who prepared and approved it, its files' transfers and total)
// or none, and whether a payroll may be started for it; a payroll of a
// month further back is listed too.
func (h *handler) listPayrolls(c *gin.Context) (*payrollMonthList, error) {
	ps, err := h.db.Payrolls(c.Request.Context(), 120)
	if err != nil {
		return nil, err
	}
	byMonth := map[string]store.PayrollListed{}
	for _, p := range ps {
		byMonth[domain.MonthOf(p.Period).String()] = p
	}
	now := h.now()
	latest := domain.MonthOf(now)
	if domain.PayablePeriod(latest, now, h.paymentDay) != nil {
		latest = domain.MonthOf(latest.First().AddDate(0, -1, 0))
	}
	out := payrollMonthList{Latest: latest.String(), Months: []payrollMonth{}}
	listed := map[string]bool{}
	add := func(m domain.Month) {
		key := m.String()
		if listed[key] {
			return
		}
		listed[key] = true
		pm := payrollMonth{Period: key, Payable: domain.PayablePeriod(m, now, h.paymentDay) == nil}
		if p, ok := byMonth[key]; ok {
			pm.Payroll = &payrollListed{ID: p.ID, State: p.State, PreparedBy: p.PreparedBy, ApprovedBy: p.ApprovedBy, UpdatedAt: p.UpdatedAt.UTC(),
				Files: p.Files, Transfers: p.Transfers, Total: p.Total.StringFixed(2)}
		}
		out.Months = append(out.Months, pm)
	}
	for _, p := range ps { // a payroll of a month after the latest payable (none should be): first
		if m := domain.MonthOf(p.Period); latest.Before(m) {
			add(m)
		}
	}
	for i := 0; i < payrollMonths; i++ {
		add(domain.MonthOf(latest.First().AddDate(0, -i, 0)))
	}
	for _, p := range ps {
		add(domain.MonthOf(p.Period))
	}
	return &out, nil
}

type payrollMonthList struct {
	Latest string         `json:"latest"` // the latest month a payroll may pay now
	Months []payrollMonth `json:"months"`
}

type payrollMonth struct {
	Period  string         `json:"period"`
	Payable bool           `json:"payable"`
	Payroll *payrollListed `json:"payroll"` // null: no payroll for the month yet
}

type payrollListed struct {
	ID         string    `json:"id"`
	State      string    `json:"state"`
	PreparedBy string    `json:"prepared_by"`
	ApprovedBy string    `json:"approved_by"`
	UpdatedAt  time.Time `json:"updated_at"`
	Files      int       `json:"files"`
	Transfers  int       `json:"transfers"`
	Total      string    `json:"total"`
}

// paymentFile is GET /api/v1/payrolls/:period/files/:name: a payment file
// of the payroll (a pain.001 for the bank, the Post's list) as it was
// written, after checking it against its recorded SHA-256; audited.
func (h *handler) paymentFile(c *gin.Context) error {
	ctx := c.Request.Context()
	period, err := payrollPeriod(c)
	if err != nil {
		return err
	}
	f, err := h.db.PaymentFileByName(ctx, workflows.PayrollID(period), c.Param("name"))
	if err != nil {
		return err
	}
	if h.objects == nil {
		return domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again")
	}
	data, err := h.objects.Get(ctx, f.ObjectKey)
	if err != nil {
		return errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != f.SHA256 {
		// Never served: what the bank would get is not what was approved.
		h.log.Error("payment file does not match its SHA-256", "payroll", f.PayrollID, "file", f.Name, "sha256", hex.EncodeToString(sum[:]), "recorded", f.SHA256)
		return domain.Errorf(domain.CodeConflict, "payment file %s of %s no longer matches its recorded SHA-256; it is not served: report it to the system's administrators", f.Name, period)
	}
	contentType := "application/xml"
	if f.Kind == "post.csv" {
		contentType = "text/csv; charset=utf-8"
	}
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=%q", f.Name))
	c.Header("X-Content-SHA256", f.SHA256)
	c.Data(http.StatusOK, contentType, data)
	return nil
}

// payrollChangePage reads the page of the changes the request asks for
// (?changes=new|stopped|changed, changes_offset, changes_limit) and the
// counts of each kind.
func (h *handler) payrollChangePage(c *gin.Context, id, period string) ([]payrollChange, map[string]int, int, error) {
	kind := c.Query("changes")
	switch kind {
	case "", "new", "stopped", "changed":
	default:
		return nil, nil, 0, domain.FieldError("changes", "value must be one of new, stopped, changed")
	}
	limit, err := queryInt(c, "changes_limit", 50, 1, 500)
	if err != nil {
		return nil, nil, 0, err
	}
	offset, err := queryInt(c, "changes_offset", 0, 0, 10_000_000)
	if err != nil {
		return nil, nil, 0, err
	}
	m, _ := domain.ParseMonth(period)
	prev := domain.MonthOf(m.First().AddDate(0, -1, 0))
	page, counts, err := h.db.PayrollChangesPage(c.Request.Context(), store.PayrollChangeFilter{Payroll: id, Period: m.First(),
		PreviousPayroll: workflows.PayrollID(prev.String()), Previous: prev.First(), Kind: kind, Limit: limit, Offset: offset})
	if err != nil {
		return nil, nil, 0, err
	}
	out := []payrollChange{}
	for _, x := range page {
		out = append(out, payrollChange{EntitlementID: x.EntitlementID, Payee: x.Payee, Benefit: x.Benefit, Kind: x.Kind,
			Before: x.Before.StringFixed(2), Now: x.Now.StringFixed(2)})
	}
	return out, counts, offset, nil
}

// payrollTotals are a payroll's grand totals: every payment, and by channel.
type payrollTotals struct {
	Count     int                     `json:"count"`
	Total     string                  `json:"total"`
	ByChannel map[string]channelTotal `json:"by_channel"`
}

type channelTotal struct {
	Count int    `json:"count"`
	Total string `json:"total"`
}

func totalsOf(sum []store.PayrollSummary) payrollTotals {
	out := payrollTotals{ByChannel: map[string]channelTotal{}}
	all := decimal.Zero
	by := map[string]decimal.Decimal{}
	counts := map[string]int{}
	for _, s := range sum {
		out.Count += s.Count
		all = all.Add(s.Total)
		by[s.Channel] = by[s.Channel].Add(s.Total)
		counts[s.Channel] += s.Count
	}
	out.Total = all.StringFixed(2)
	for ch, t := range by {
		out.ByChannel[ch] = channelTotal{Count: counts[ch], Total: t.StringFixed(2)}
	}
	return out
}
