package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/policies"
)

// The desk by role (issue 17 item 4): each role lands on its own home page
// and its menu lists only the pages its role may use; the menu is derived
// from the policy the API enforces, so that no link answers 403. Staff who
// read persons search for them from the header of every page (item 2).

// policy is the Casbin policy the API enforces, read by the pages to know
// what a role may reach.
var policy = sync.OnceValues(policies.New)

// may reports whether u's role may act on resource in u's own centre (or,
// for a citizen, on their own data).
func may(u domain.User, resource, action string) bool {
	e, err := policy()
	if err != nil {
		return false
	}
	target := u.Home()
	if u.Role == domain.RoleCitizen || u.Role == domain.RoleEmployer || u.Role == domain.RoleProviderMaintainer {
		target = policies.TargetSelf
	}
	return e.Allow(string(u.Role), u.Home(), target, resource, action)
}

// menuLink is a page in the header's menu, shown to the roles the policy
// lets do what the page needs.
type menuLink struct {
	ID, Key, Path      string
	Resource, Action   string
	ForOutside, Inside bool // ForOutside: shown to citizens and other institutions too; Inside: only to them
}

// menuLinks are the pages of the menu in their order; a role's home page
// comes first.
var menuLinks = []menuLink{
	{ID: "nav-own-file", Key: "my_file", Path: "/me", Resource: "portal", Action: "read", ForOutside: true, Inside: true},
	{ID: "nav-apply", Key: "p.nav_apply", Path: "/me/apply", Resource: "portal", Action: "apply", ForOutside: true, Inside: true},
	{ID: "nav-my-data", Key: "p.nav_data", Path: "/me/data", Resource: "portal", Action: "read", ForOutside: true, Inside: true},
	{ID: "nav-employer", Key: "employer_home", Path: "/employer", Resource: "refund", Action: "create", ForOutside: true, Inside: true},
	{ID: "nav-licensing", Key: "lic.nav_home", Path: "/licensing", Resource: "licence_application", Action: "create", ForOutside: true, Inside: true},
	{ID: "nav-institution", Key: "ih.nav_home", Path: "/institution", Resource: "institution", Action: "read", ForOutside: true, Inside: true},
	{ID: "nav-institution-stats", Key: "ih.nav_stats", Path: "/institutions/statistics", Resource: "institution_stats", Action: "read", ForOutside: true, Inside: true},
	{ID: "nav-cash-desk", Key: "cd.nav", Path: "/cash-desk", Resource: "cash", Action: "read", ForOutside: true, Inside: true},
	{ID: "nav-provider", Key: "sp.nav_home", Path: "/provider", Resource: "service_person", Action: "read", ForOutside: true, Inside: true},
	{ID: "nav-referrals", Key: "pl.nav_referrals", Path: "/institution/referrals", Resource: "placement", Action: "decide", ForOutside: true, Inside: true},
	{ID: "nav-cash-approvals", Key: "cd.nav_approvals", Path: "/cash-desk/approvals", Resource: "cash", Action: "approve", ForOutside: true, Inside: true},
	{ID: "nav-pharmacy", Key: "ph.nav_pharmacy", Path: "/pharmacy", Resource: "medicine_stock", Action: "create", ForOutside: true, Inside: true},
	{ID: "nav-medication", Key: "ph.nav_medication", Path: "/medication", Resource: "dose", Action: "read", ForOutside: true, Inside: true},
	{ID: "nav-gatehouse", Key: "gate.nav", Path: "/gatehouse", Resource: "gatehouse", Action: "read", ForOutside: true, Inside: true},
	{ID: "nav-provider-referrals", Key: "sr.nav", Path: "/provider/referrals", Resource: "service_referral", Action: "decide", ForOutside: true, Inside: true},
	{ID: "nav-service-use", Key: "su.nav", Path: "/provider/service-use", Resource: "service_use", Action: "create", ForOutside: true, Inside: true},
	{ID: "nav-waiting-list", Key: "wl.nav_provider", Path: "/provider/waiting-list", Resource: "waiting_list", Action: "create", ForOutside: true, Inside: true},
	{ID: "nav-provider-cost-reports", Key: "cr.nav_provider", Path: "/provider/cost-reports", Resource: "cost_report", Action: "create", ForOutside: true, Inside: true},
	{ID: "nav-licensing-inbox", Key: "lic.nav_inbox", Path: "/licensing/inbox", Resource: "licence_application", Action: "inspect"},
	{ID: "nav-dv", Key: "dv_register", Path: "/dv", Resource: "dv_register", Action: "read"},
	{ID: "nav-registers", Key: "nav_registers", Path: "/registers", Resource: "carer_register", Action: "read"},
	{ID: "nav-providers", Key: "insp_providers", Path: "/providers", Resource: "provider_inspection", Action: "read"},
	{ID: "nav-service-contracts", Key: "sc.nav_contracts", Path: "/services/contracts", Resource: "service_contract", Action: "create"},
	{ID: "nav-service-delegations", Key: "sc.nav_delegations", Path: "/services/delegations", Resource: "service_delegation", Action: "create"},
	{ID: "nav-institutions", Key: "ih.nav_list", Path: "/institutions", Resource: "institution", Action: "read"},
	{ID: "nav-free-beds", Key: "ih.nav_free_beds", Path: "/institutions/free-beds", Resource: "institution_capacity", Action: "read"},
	{ID: "nav-waiting-lists", Key: "wl.nav", Path: "/services/waiting-lists", Resource: "waiting_list", Action: "read"},
	{ID: "nav-cost-reports", Key: "cr.nav_finance", Path: "/services/cost-reports", Resource: "cost_report", Action: "read"},
	{ID: "nav-board", Key: "board", Path: "/board", Resource: "task", Action: "assign"},
	{ID: "nav-inbox", Key: "inbox", Path: "/inbox", Resource: "task", Action: "read"},
	{ID: "nav-my-cases", Key: "my_cases", Path: "/cases?scope=mine", Resource: "case", Action: "read"},
	{ID: "nav-cases", Key: "cases", Path: "/cases", Resource: "case", Action: "read"},
	{ID: "nav-new-claim", Key: "new_claim", Path: "/claims/new", Resource: "claim", Action: "create"},
	{ID: "nav-activation", Key: "activation", Path: "/activation", Resource: "activation", Action: "read", ForOutside: true},
	{ID: "nav-payroll", Key: "payroll", Path: "/payrolls", Resource: "payroll", Action: "read"},
	{ID: "nav-refunds", Key: "refunds", Path: "/refunds", Resource: "refund", Action: "read"},
	{ID: "nav-bi", Key: "bi_nav", Path: "/bi", Resource: "bi", Action: "read"},
	{ID: "nav-reports", Key: "reports", Path: "/reports", Resource: "case_report", Action: "read"},
	{ID: "nav-audit", Key: "audit", Path: "/audit", Resource: "audit", Action: "read"},
}

// menuOf is u's menu: its home page first, then the others in order.
func menuOf(u domain.User) []menuLink {
	home := homeOf(u)
	var first, rest []menuLink
	for _, l := range menuLinks {
		outside := u.Role.Outside()
		if (outside && !l.ForOutside) || (!outside && l.Inside) || !may(u, l.Resource, l.Action) {
			continue
		}
		if l.Path == home {
			first = append(first, l)
		} else {
			rest = append(rest, l)
		}
	}
	return append(first, rest...)
}

// homeOf is the page a role lands on: caseworkers their tasks, supervisors
// their board, DV caseworkers the police's notifications, finance its
// payrolls, analysts the statistics, auditors the audit, citizens their own
// file, the Employment Agency its referrals; a role with no page of the
// desk a page that says so.
func homeOf(u domain.User) string {
	switch r := u.Role; {
	case r == domain.RoleCitizen:
		return "/me"
	case r == domain.RoleDVCaseworker:
		return "/dv"
	case r.Acts(domain.RoleSupervisor):
		return "/board"
	case r.Acts(domain.RoleCaseworker), r == domain.RoleAppealsOfficer:
		return "/inbox"
	case r == domain.RoleFinanceOfficer:
		return "/payrolls"
	case r == domain.RoleMinistryAnalyst:
		return "/bi"
	case r == domain.RoleAuditor:
		return "/audit"
	case r == domain.RoleEmploymentOfficer:
		return "/activation"
	case r == domain.RoleEmployer:
		return "/employer"
	case r == domain.RoleProviderMaintainer:
		return "/licensing"
	case r == domain.RoleProviderStaff:
		return "/provider"
	case r.Institution():
		return "/institution"
	}
	return "/home"
}

// maySearch reports whether u searches persons from the header: staff who
// read persons (a citizen reads only their own file).
func maySearch(u domain.User) bool {
	return !u.Role.Outside() && may(u, "person", "read")
}

// deskData adds the menu and the header's search to a page's data.
func deskData(c *gin.Context, data gin.H) {
	u := userOf(c)
	data["Menu"] = menuOf(u)
	data["Search"] = maySearch(u)
	if _, ok := data["SearchQ"]; !ok {
		data["SearchQ"] = ""
	}
}

// registerDesk adds the pages of the person-first desk.
func (s *server) registerDesk(page, form func(string, gin.HandlerFunc)) {
	page("/persons", s.searchPage)
	page("/reports", s.reportsPage)
	page("/audit", s.auditPage)
	page("/home", s.homePage)
	form("/persons/:id/register-values", s.takeRegisterValues)
	form("/persons/:id/corrections", s.correctPerson)
}

// home sends each role to its first page.
func (s *server) home(c *gin.Context) {
	c.Redirect(http.StatusFound, homeOf(userOf(c)))
}

// homePage is the home of a role the desk has no page for (an
// administrator, a ministry officer): it says so, and what the menu holds.
func (s *server) homePage(c *gin.Context) {
	s.render(c, http.StatusOK, "message", gin.H{"Title": "home_title", "Message": t(s.lang(c), "home_no_pages")})
}

// searchPageSize is how many persons a page of results lists.
const searchPageSize = 20

// searchQuery is what was typed in the header's search, read: a JMBG, or
// the words of a name and a date of birth (12.03.1985., 12.3.1985 or
// 1985-03-12), in any order.
type searchQuery struct {
	JMBG, Name, BirthDate string
}

func parseSearch(q string) searchQuery {
	q = strings.TrimSpace(q)
	if q != "" && strings.Trim(q, "0123456789") == "" && len(q) >= 13 {
		return searchQuery{JMBG: q}
	}
	var out searchQuery
	var words []string
	for _, w := range strings.Fields(q) {
		if d, ok := parseDay(w); ok && out.BirthDate == "" {
			out.BirthDate = d
			continue
		}
		words = append(words, w)
	}
	out.Name = strings.Join(words, " ")
	return out
}

func parseDay(s string) (string, bool) {
	for _, layout := range []string{"2.1.2006.", "2.1.2006", time.DateOnly} {
		if d, err := time.Parse(layout, s); err == nil {
			return d.Format(time.DateOnly), true
		}
	}
	return "", false
}

// searchPage finds persons from the header's search and lists them with
// what tells namesakes apart (date of birth, address, centre) and where
// they stand (open rights and cases), a page at a time with the count of
// all; a JMBG that finds one person opens the e-file at once.
func (s *server) searchPage(c *gin.Context) {
	u := userOf(c)
	q := strings.TrimSpace(c.Query("q"))
	page, _ := strconv.Atoi(c.Query("page"))
	page = max(page, 1)
	data := gin.H{"SearchQ": q, "Q": q, "Page": page}
	if !maySearch(u) {
		s.render(c, http.StatusForbidden, "message", gin.H{"Title": "forbidden", "Message": t(s.lang(c), "search_not_yours")})
		return
	}
	if q == "" {
		s.render(c, http.StatusOK, "search", data)
		return
	}
	sq := parseSearch(q)
	api := url.Values{}
	switch {
	case sq.JMBG != "":
		api.Set("jmbg", sq.JMBG)
	default:
		if sq.Name != "" {
			api.Set("name", sq.Name)
		}
		if sq.BirthDate != "" {
			api.Set("birth_date", sq.BirthDate)
		}
		api.Set("limit", strconv.Itoa(searchPageSize))
		api.Set("offset", strconv.Itoa((page-1)*searchPageSize))
	}
	var res obj
	r := s.getJSON(c, "/api/v1/persons?"+api.Encode(), &res)
	switch {
	case r.status == http.StatusBadRequest:
		data["Error"] = s.say(c, r)
		s.render(c, http.StatusOK, "search", data)
		return
	case !r.ok():
		s.refused(c, r)
		return
	}
	found := asList(res["persons"])
	total := int(asFloat(res["total"]))
	if len(found) == 0 && total > 0 && page > 1 {
		c.Redirect(http.StatusFound, "/persons?"+url.Values{"q": {q}}.Encode()) // past the last page: the first
		return
	}
	if sq.JMBG != "" && len(found) == 1 {
		id, _ := found[0]["id"].(string)
		c.Redirect(http.StatusFound, "/persons/"+url.PathEscape(id))
		return
	}
	data["Found"], data["Total"] = found, total
	data["JMBG"] = sq.JMBG
	data["MayRegister"] = sq.JMBG != "" && may(u, "person", "create")
	if len(found) > 0 {
		from := (page-1)*searchPageSize + 1
		data["From"], data["To"] = from, from+len(found)-1
	}
	link := func(p int) string {
		return "/persons?" + url.Values{"q": {q}, "page": {strconv.Itoa(p)}}.Encode()
	}
	if page > 1 {
		data["Prev"] = link(page - 1)
	}
	if page*searchPageSize < total {
		data["Next"] = link(page + 1)
	}
	s.render(c, http.StatusOK, "search", data)
}

func asFloat(v any) float64 {
	f, _ := v.(float64)
	return f
}

// reportsPage is the analysts' (and supervisors') page: how cases keep
// their deadlines and where they stand, and for those who may read them
// the domestic-violence statistics of the year, counts only.
func (s *server) reportsPage(c *gin.Context) {
	var rep obj
	if r := s.getJSON(c, "/api/v1/reports/cases", &rep); !r.ok() {
		s.refused(c, r)
		return
	}
	data := gin.H{"R": rep}
	if may(userOf(c), "dv_statistics", "read") {
		var st obj
		if r := s.getJSON(c, "/api/v1/statistics/violence", &st); r.ok() {
			data["DV"] = st
		}
	}
	s.render(c, http.StatusOK, "reports", data)
}

// auditPage is the auditors' (and supervisors') page: the misuse report of
// the last 30 days.
func (s *server) auditPage(c *gin.Context) {
	var rep obj
	if r := s.getJSON(c, "/api/v1/audit/misuse", &rep); !r.ok() {
		s.refused(c, r)
		return
	}
	s.render(c, http.StatusOK, "audit", gin.H{"R": rep})
}

// onlyFor lets through to h the roles the policy lets do action on
// resource; the others get a page that says (why, a catalogue key) their
// role does not do this, never a form that would invite them to: a
// finance officer is not told "not registered, register them" on the new
// claim's page.
func (s *server) onlyFor(resource, action, why string, h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !may(userOf(c), resource, action) {
			s.render(c, http.StatusForbidden, "message", gin.H{"Title": "forbidden", "Message": t(s.lang(c), why)})
			return
		}
		h(c)
	}
}
