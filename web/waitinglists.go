package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
)

// Waiting lists (issue 23, item 6): a provider's staff see their
// provider's waiting lists in order with each person's days waiting (a
// person named only where the delegation lets them), the form of the
// previous month's waiting-list report with its due day, their reports
// and the reminders they received (/provider/waiting-list); the centres'
// staff and the ministry see every provider's lists by service (a
// centre's own persons by name, the others counted; the ministry counts
// only), who reported the month and who is late, and the escalations
// (/services/waiting-lists). Every read and the report go through the API
// as the user (api/waitinglists.go).

// registerWaitingLists adds the pages and the report's form.
func (s *server) registerWaitingLists(page, form func(string, gin.HandlerFunc)) {
	page("/provider/waiting-list", s.onlyFor("waiting_list", "create", "wl.not_yours", s.providerWaitingListPage))
	form("/provider/waiting-list/report", s.onlyFor("waiting_list", "create", "wl.not_yours", s.submitWaitingListReport))
	page("/services/waiting-lists", s.onlyFor("waiting_list", "read", "wl.not_yours", s.waitingListsPage))
}

// waitingEntry is an entry of a list as the API gives it.
type waitingEntry struct {
	Position       int    `json:"position"`
	ReferralID     int64  `json:"referral_id"`
	WaitingSince   string `json:"waiting_since"`
	Days           int    `json:"days"`
	ContractNumber string `json:"contract_number"`
	CentreID       string `json:"centre_id"`
	Named          bool   `json:"named"`
	PersonID       string `json:"person_id"`
	PersonName     string `json:"person_name"`
}

// waitingList is a provider's list for a service as the API gives it.
type waitingList struct {
	ProviderPIB  string         `json:"provider_pib"`
	ProviderName string         `json:"provider_name"`
	Service      string         `json:"service"`
	ServiceName  string         `json:"-"`
	Count        int            `json:"count"`
	LongestDays  int            `json:"longest_days"`
	Others       int            `json:"others"`
	Entries      []waitingEntry `json:"entries"`
}

// waitingReports is GET /api/v1/waiting-list-reports's answer.
type waitingReports struct {
	Month     string `json:"month"`
	DueOn     string `json:"due_on"`
	Providers []struct {
		ProviderPIB  string `json:"provider_pib"`
		ProviderName string `json:"provider_name"`
		Reported     bool   `json:"reported"`
		SubmittedAt  string `json:"submitted_at"`
		Late         bool   `json:"late"`
		Overdue      bool   `json:"overdue"`
	} `json:"providers"`
	Reports []struct {
		Month       string `json:"month"`
		DueOn       string `json:"due_on"`
		SubmittedAt string `json:"submitted_at"`
		SubmittedBy string `json:"submitted_by"`
		Late        bool   `json:"late"`
		Matches     bool   `json:"matches"`
		Differences string `json:"differences"`
		Services    []struct {
			Service string `json:"service"`
			Count   int    `json:"count"`
		} `json:"services"`
	} `json:"reports"`
	Reminders []struct {
		ProviderName string   `json:"provider_name"`
		Month        string   `json:"month"`
		Kind         string   `json:"kind"`
		SentOn       string   `json:"sent_on"`
		SentTo       []string `json:"sent_to"`
		To           string   `json:"-"`
	} `json:"reminders"`
}

// readWaiting reads the lists (of service, "" all) and the reports of
// month ("" the previous), the services and recipients said in lang.
func (s *server) readWaiting(c *gin.Context, service, month string) ([]waitingList, waitingReports, apiResult) {
	var lists struct {
		Lists []waitingList `json:"lists"`
	}
	var reps waitingReports
	q := url.Values{}
	if service != "" {
		q.Set("service", service)
	}
	if r := s.getJSON(c, "/api/v1/waiting-lists?"+q.Encode(), &lists); !r.ok() {
		return nil, reps, r
	}
	q = url.Values{}
	if month != "" {
		q.Set("month", month)
	}
	if r := s.getJSON(c, "/api/v1/waiting-list-reports?"+q.Encode(), &reps); !r.ok() {
		return nil, reps, r
	}
	lang := s.lang(c)
	for i := range lists.Lists {
		lists.Lists[i].ServiceName = waitingServiceName(lang, lists.Lists[i].Service)
	}
	for i, m := range reps.Reminders {
		var to []string
		for _, r := range m.SentTo {
			if id, ok := strings.CutPrefix(r, "centre:"); ok {
				to = append(to, centreName(id))
			} else {
				to = append(to, m.ProviderName)
			}
		}
		reps.Reminders[i].To = strings.Join(to, ", ")
	}
	return lists.Lists, reps, apiResult{status: http.StatusOK}
}

// waitingServiceName is a service of the providers' catalogue in lang.
func waitingServiceName(lang, code string) string {
	if sv, ok := providers.ServiceByCode(code); ok {
		return sv.Label(lang)
	}
	return code
}

// providerWaitingListPage is the provider staff's page.
func (s *server) providerWaitingListPage(c *gin.Context) {
	lists, reps, r := s.readWaiting(c, "", "")
	if !r.ok() {
		s.refused(c, r)
		return
	}
	reported := false
	for _, p := range reps.Providers {
		reported = reported || p.Reported
	}
	lang := s.lang(c)
	services := map[string]string{}
	for _, rep := range reps.Reports {
		for _, sv := range rep.Services {
			services[sv.Service] = waitingServiceName(lang, sv.Service)
		}
	}
	s.render(c, http.StatusOK, "provider_waiting_list", gin.H{"Lists": lists, "R": reps, "Reported": reported, "Owes": len(reps.Providers) > 0,
		"Services": services})
}

// submitWaitingListReport sends the previous month's report: the list
// confirmed, or the differences in a note.
func (s *server) submitWaitingListReport(c *gin.Context) {
	matches := c.PostForm("matches")
	body := obj{"month": c.PostForm("month"), "differences": strings.TrimSpace(c.PostForm("differences"))}
	if matches == "yes" || matches == "no" {
		body["matches"] = matches == "yes"
	}
	r := s.call(c, http.MethodPost, "/api/v1/waiting-list-reports", body, "")
	if !r.ok() {
		backError(c, "/provider/waiting-list", s.say(c, r))
		return
	}
	back(c, "/provider/waiting-list", t(s.lang(c), "wl.sent"))
}

// waitingListsPage is the centres' and the ministry's page: every
// provider's lists (of ?service=), who reported ?month= (default the
// previous) and who is late, and the escalations.
func (s *server) waitingListsPage(c *gin.Context) {
	service, month := c.Query("service"), c.Query("month")
	if _, ok := providers.ServiceByCode(service); !ok {
		service = ""
	}
	if _, err := domain.ParseMonth(month); err != nil {
		month = ""
	}
	lists, reps, r := s.readWaiting(c, service, month)
	if !r.ok() {
		s.refused(c, r)
		return
	}
	lang := s.lang(c)
	var choices []obj
	for _, sv := range providers.Services() {
		choices = append(choices, obj{"code": sv.Code, "name": sv.Label(lang)})
	}
	s.render(c, http.StatusOK, "waiting_lists", gin.H{"Lists": lists, "R": reps, "Service": service, "Choices": choices})
}
