package api

import (
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/store"
)

// Waiting lists (issue 23, item 6): a provider's waiting list per service
// in order with each person's days waiting, read by the provider's staff
// (their own; a person named only under the delegation that lets them see
// them), the centres' staff (their own centre's persons by name, the
// others counted) and the ministry (counts); and the monthly waiting-list
// report each provider submits by the 5th, with who reported, who is late
// and the reminders sent.

type waitingEntryView struct {
	Position       int    `json:"position"`
	ReferralID     int64  `json:"referral_id"`
	WaitingSince   string `json:"waiting_since"`
	Days           int    `json:"days"`
	ContractNumber string `json:"contract_number"`
	CentreID       string `json:"centre_id"`
	Named          bool   `json:"named"`
	PersonID       string `json:"person_id,omitempty"`
	PersonName     string `json:"person_name,omitempty"`
	CaseNumber     string `json:"case_number,omitempty"`
}

type waitingListView struct {
	ProviderPIB  string             `json:"provider_pib"`
	ProviderName string             `json:"provider_name"`
	Service      string             `json:"service"`
	Count        int                `json:"count"`
	LongestDays  int                `json:"longest_days"`
	Others       int                `json:"others"`
	Entries      []waitingEntryView `json:"entries"`
}

type waitingListsView struct {
	AsOf  string            `json:"as_of"`
	Lists []waitingListView `json:"lists"`
}

// waitingListViewer is whose eyes read the lists, and the policy's check
// of a provider's staff against their own provider.
func (h *handler) waitingListViewer(c *gin.Context, action string) (store.WaitingListViewer, error) {
	u := userOf(c)
	switch {
	case u.Role == domain.RoleProviderStaff:
		return store.WaitingListViewer{ProviderPIB: string(u.PIB)}, h.allow(c, "waiting_list", action, string(u.PIB))
	case u.Role == domain.RoleMinistryOfficer || u.CentreID == "":
		return store.WaitingListViewer{}, nil
	}
	return store.WaitingListViewer{CentreID: u.CentreID, DV: u.Role == domain.RoleDVCaseworker || u.Role == domain.RoleDVSupervisor}, nil
}

// listWaitingLists answers GET /api/v1/waiting-lists?provider_pib=&service=.
func (h *handler) listWaitingLists(c *gin.Context) (*waitingListsView, error) {
	var errs []*domain.Error
	pib, service := strings.TrimSpace(c.Query("provider_pib")), strings.TrimSpace(c.Query("service"))
	if pib != "" {
		if _, err := domain.ParsePIB(pib); err != nil {
			errs = append(errs, domain.FieldError("provider_pib", "%v", err))
		}
	}
	if _, ok := providers.ServiceByCode(service); service != "" && !ok {
		errs = append(errs, domain.FieldError("service", "no service %q in the catalogue", printable(service, 40)))
	}
	if len(errs) > 0 {
		return nil, domain.Invalid(errs)
	}
	viewer, err := h.waitingListViewer(c, "read")
	if err != nil {
		return nil, err
	}
	if viewer.ProviderPIB != "" && pib != "" && pib != viewer.ProviderPIB {
		return nil, domain.Errorf(domain.CodeNotFound, "this waiting_list does not exist")
	}
	now := h.now()
	lists, err := h.db.WaitingList(c.Request.Context(), viewer, pib, service, now)
	if err != nil {
		return nil, err
	}
	out := &waitingListsView{AsOf: domain.CalendarDay(now).Format(time.DateOnly), Lists: []waitingListView{}}
	var named []domain.PersonID
	for _, l := range lists {
		v := waitingListView{ProviderPIB: l.ProviderPIB, ProviderName: l.ProviderName, Service: l.Service, Count: l.Count, LongestDays: l.LongestDays,
			Others: l.Others, Entries: []waitingEntryView{}}
		for _, e := range l.Entries {
			ev := waitingEntryView{Position: e.Position, ReferralID: e.ReferralID, WaitingSince: e.Since.Format(time.DateOnly), Days: e.Days,
				ContractNumber: e.ContractNumber, CentreID: e.CentreID, Named: e.Named}
			if e.Named {
				ev.PersonID, ev.PersonName = string(e.PersonID), e.GivenName+" "+e.FamilyName
				if viewer.ProviderPIB == "" { // a case number is the centre's, never shown to a provider
					ev.CaseNumber = e.CaseNumber
				}
				named = append(named, e.PersonID)
			}
			v.Entries = append(v.Entries, ev)
		}
		out.Lists = append(out.Lists, v)
		if l.DV() { // a DV referral the viewer may see: its access is the compartment's
			restrict(c)
		}
	}
	auditPersons(c, named...)
	return out, nil
}

type reportedEntryView struct {
	ReferralID int64 `json:"referral_id"`
	Position   int   `json:"position"`
	Days       int   `json:"days"`
}

type reportedServiceView struct {
	Service string              `json:"service"`
	Count   int                 `json:"count"`
	Entries []reportedEntryView `json:"entries"`
}

type waitingListReportView struct {
	ID           int64                 `json:"id"`
	ProviderPIB  string                `json:"provider_pib"`
	ProviderName string                `json:"provider_name"`
	Month        string                `json:"month"`
	DueOn        string                `json:"due_on"`
	SubmittedAt  string                `json:"submitted_at"`
	SubmittedBy  string                `json:"submitted_by"`
	Late         bool                  `json:"late"`
	Matches      bool                  `json:"matches"`
	Differences  string                `json:"differences,omitempty"` // the provider's note: to the provider and the ministry only
	Services     []reportedServiceView `json:"services"`
}

func reportView(r store.WaitingListReport, withNote bool) waitingListReportView {
	v := waitingListReportView{ID: r.ID, ProviderPIB: r.ProviderPIB, ProviderName: r.ProviderName, Month: r.Month.Format("2006-01"),
		DueOn: r.DueOn.Format(time.DateOnly), SubmittedAt: r.SubmittedAt.UTC().Format(time.RFC3339), SubmittedBy: r.SubmittedBy, Late: r.Late,
		Matches: r.Matches, Services: []reportedServiceView{}}
	if withNote {
		v.Differences = r.Differences
	}
	for _, s := range r.Services {
		sv := reportedServiceView{Service: s.Service, Count: s.Count, Entries: []reportedEntryView{}}
		for _, e := range s.Entries {
			sv.Entries = append(sv.Entries, reportedEntryView(e))
		}
		v.Services = append(v.Services, sv)
	}
	return v
}

type waitingListReportRequest struct {
	Month       string `json:"month"`
	Matches     *bool  `json:"matches"`
	Differences string `json:"differences"`
}

// reportMonth parses a month YYYY-MM; "" is the zero month.
func reportMonth(field, s string) (time.Time, *domain.Error) {
	if s == "" {
		return time.Time{}, nil
	}
	m, err := time.Parse("2006-01", s)
	if err != nil || m.Year() < 1 { // year 0 parses but is no month a contract or a report is of
		return time.Time{}, domain.FieldError(field, "%q is not a month: want YYYY-MM", printable(s, 20))
	}
	return m, nil
}

// submitWaitingListReport answers POST /api/v1/waiting-list-reports: the
// provider's staff report their provider's list of a month that has ended.
func (h *handler) submitWaitingListReport(c *gin.Context) (*waitingListReportView, error) {
	var req waitingListReportRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	u := userOf(c)
	if err := h.allow(c, "waiting_list", "create", string(u.PIB)); err != nil {
		return nil, err
	}
	month, merr := reportMonth("month", strings.TrimSpace(req.Month))
	if merr != nil {
		errs := []*domain.Error{merr}
		if req.Matches == nil {
			errs = append(errs, domain.FieldError("matches", "say whether the list matches the provider's own (true) or not (false, with the differences)"))
		}
		return nil, domain.Invalid(errs)
	}
	r, err := h.db.SubmitWaitingListReport(c.Request.Context(), string(u.PIB),
		store.WaitingListSubmission{Month: month, Matches: req.Matches, Differences: req.Differences}, u.Username, h.now())
	if err != nil {
		return nil, err
	}
	v := reportView(r, true)
	return &v, nil
}

type reportStatusView struct {
	ProviderPIB  string `json:"provider_pib"`
	ProviderName string `json:"provider_name"`
	Reported     bool   `json:"reported"`
	ReportID     int64  `json:"report_id,omitempty"`
	SubmittedAt  string `json:"submitted_at,omitempty"`
	Late         bool   `json:"late"`    // reported after the due day
	Overdue      bool   `json:"overdue"` // not reported and the due day is past
}

type reminderView struct {
	ProviderPIB  string   `json:"provider_pib"`
	ProviderName string   `json:"provider_name"`
	Month        string   `json:"month"`
	Kind         string   `json:"kind"`
	SentOn       string   `json:"sent_on"`
	SentTo       []string `json:"sent_to"`
}

type waitingListReportsView struct {
	Month     string                  `json:"month"`
	DueOn     string                  `json:"due_on"`
	Providers []reportStatusView      `json:"providers"`
	Reports   []waitingListReportView `json:"reports"`
	Reminders []reminderView          `json:"reminders"`
}

// listWaitingListReports answers GET /api/v1/waiting-list-reports?month=:
// for the month (default: the previous one) every provider owing its
// report, reported or not, late or overdue; the reports (a provider's
// staff: all their own); the reminders and escalations sent (a centre's
// staff: those sent to their centre).
func (h *handler) listWaitingListReports(c *gin.Context) (*waitingListReportsView, error) {
	now := h.now()
	month, merr := reportMonth("month", strings.TrimSpace(c.Query("month")))
	if merr != nil {
		return nil, merr
	}
	if month.IsZero() {
		month = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	}
	viewer, err := h.waitingListViewer(c, "read")
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	status, err := h.db.WaitingListStatus(ctx, viewer.ProviderPIB, month, now)
	if err != nil {
		return nil, err
	}
	reportsOf := month
	if viewer.ProviderPIB != "" {
		reportsOf = time.Time{}
	}
	reports, err := h.db.WaitingListReports(ctx, viewer.ProviderPIB, reportsOf)
	if err != nil {
		return nil, err
	}
	reminders, err := h.db.WaitingListReminders(ctx, viewer.ProviderPIB, viewer.CentreID)
	if err != nil {
		return nil, err
	}
	out := &waitingListReportsView{Month: month.Format("2006-01"), DueOn: store.WaitingListDue(month).Format(time.DateOnly),
		Providers: []reportStatusView{}, Reports: []waitingListReportView{}, Reminders: []reminderView{}}
	for _, s := range status {
		v := reportStatusView{ProviderPIB: s.ProviderPIB, ProviderName: s.ProviderName, Reported: s.Report != nil, Overdue: s.Overdue}
		if s.Report != nil {
			v.ReportID, v.SubmittedAt, v.Late = s.Report.ID, s.Report.SubmittedAt.UTC().Format(time.RFC3339), s.Report.Late
		}
		out.Providers = append(out.Providers, v)
	}
	for _, r := range reports {
		out.Reports = append(out.Reports, reportView(r, viewer.CentreID == ""))
	}
	for _, m := range reminders {
		out.Reminders = append(out.Reminders, reminderView{ProviderPIB: m.ProviderPIB, ProviderName: m.ProviderName, Month: m.Month.Format("2006-01"),
			Kind: m.Kind, SentOn: m.SentOn.Format(time.DateOnly), SentTo: m.SentTo})
	}
	return out, nil
}
