package web

import (
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// The supervisor's board (issue 17 item 5): the centre's open work by who
// holds it (names, not usernames), every open task with its assignee, its
// state, its true age and whether it is past its deadline, filtered by
// worker, group, type and lateness with the filters kept in the URL, and
// the checked tasks reassigned at once to a member of the staff chosen by
// name, with a reason (POST /api/v1/tasks/reassign, audited).

// taskTypes are the kinds of task the inbox and the board filter by, in
// the order they are offered; each is said once, in words of its own
// (TestTaskTypesSaidOnce).
var taskTypes = []string{
	"claim.review", "claim.approve", "claim.obtain_evidence", "claim.obtain_document",
	"case_opening", "case_initial_assessment", "case_detailed_assessment", "case_plan", "case_review", "case_closing",
	"case_approval", "case_decision_approval", "case_tracking_overdue", "dv_first_contact",
	"activation.decide", "activation.approve", "activation.follow_up",
	"revision.review", "revision.approve", "change.close_right", "change.approve_close", "payment.correct_account",
	"appeal.review", "appeal.approve", "refund.review", "refund.approve",
	"agriculture.mo_conflict",
}

// boardPageSize is how many tasks a page of the board lists.
const boardPageSize = 50

// boardFilter is what the board shows, read from and written to its URL.
type boardFilter struct {
	Worker  string // a username, "-" for the unclaimed, "" for all
	Group   string // a role, "" for every group
	Type    string
	Overdue bool
	Page    int
}

func boardFilterOf(q url.Values) boardFilter {
	f := boardFilter{Worker: q.Get("worker"), Group: q.Get("group"), Type: q.Get("type"), Overdue: q.Get("overdue") == "true"}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	f.Page = max(f.Page, 1)
	return f
}

// Query is the filter as the board's URL carries it ("" for none).
func (f boardFilter) Query() string {
	v := url.Values{}
	for k, x := range map[string]string{"worker": f.Worker, "group": f.Group, "type": f.Type} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if f.Overdue {
		v.Set("overdue", "true")
	}
	if f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	return v.Encode()
}

// QueryURL is Query as a template puts it after a URL's "?".
func (f boardFilter) QueryURL() template.URL { return template.URL(f.Query()) }

// URL is the board with the filter.
func (f boardFilter) URL() string {
	if q := f.Query(); q != "" {
		return "/board?" + q
	}
	return "/board"
}

// api is the filter as GET /api/v1/tasks reads it.
func (f boardFilter) api() url.Values {
	q := url.Values{"sort": {"due"}, "group": {"all"}, "limit": {strconv.Itoa(boardPageSize)}, "offset": {strconv.Itoa((f.Page - 1) * boardPageSize)}}
	if f.Group != "" {
		q.Set("group", f.Group)
	}
	switch f.Worker {
	case "":
	case "-":
		q.Set("unassigned", "true")
	default:
		q.Set("assignee", f.Worker)
	}
	if f.Type != "" {
		q.Set("type", f.Type)
	}
	if f.Overdue {
		q.Set("overdue", "true")
	}
	return q
}

// staffMember is someone a task may be given to, said by name.
type staffMember struct {
	Username, Name, Role string
}

// centreStaff are the people of u's centre who do its tasks, by name.
func centreStaff(lang string, u domain.User) []staffMember {
	var out []staffMember
	for _, x := range domain.DemoUsers() {
		if x.CentreID == u.CentreID && !x.Machine && x.Role.Acts(domain.RoleCaseworker) {
			out = append(out, staffMember{Username: x.Username, Name: x.Name, Role: enum(lang, "role", string(x.Role))})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// workloadRow is a line of the board's workload: a worker by name, or a
// group's unclaimed tasks.
type workloadRow struct {
	Who, Link         string
	Open, Overdue     int
	Oldest            string
	Unclaimed, Active bool
}

// ageWords says how long ago since was, in days and hours (hours and
// minutes under a day).
func ageWords(lang string, since, now time.Time) string {
	d := max(now.Sub(since), 0)
	switch {
	case d >= 24*time.Hour:
		return tf(lang, "age_dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	case d >= time.Hour:
		return tf(lang, "age_hm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return tf(lang, "age_m", int(d/time.Minute))
}

// board is the supervisor's board.
func (s *server) board(c *gin.Context) {
	s.renderBoard(c, http.StatusOK, sentForm{})
}

func (s *server) renderBoard(c *gin.Context, status int, sent sentForm) {
	u := userOf(c)
	lang := s.lang(c)
	if !u.Role.Acts(domain.RoleSupervisor) {
		s.render(c, http.StatusForbidden, "message", gin.H{"Title": "forbidden", "Message": t(lang, "board_only")})
		return
	}
	f := boardFilterOf(c.Request.URL.Query())
	now := time.Now()
	var load obj
	if r := s.getJSON(c, "/api/v1/tasks/workload", &load); !r.ok() {
		s.refused(c, r)
		return
	}
	var rows []workloadRow
	for _, w := range asList(load["workers"]) {
		worker, _ := w["worker"].(string)
		row := workloadRow{Open: int(asFloat(w["open"])), Overdue: int(asFloat(w["overdue"]))}
		if oldest, ok := asTime(w["oldest_since"]); ok {
			row.Oldest = ageWords(lang, oldest, now)
		}
		if worker == "" {
			group, _ := w["group"].(string)
			row.Who, row.Unclaimed = tf(lang, "unclaimed_of", roleName(lang, group)), true
			row.Link = boardFilter{Worker: "-", Group: group, Page: 1}.URL()
			row.Active = f.Worker == "-" && f.Group == group
		} else {
			row.Who = staffName(lang, worker)
			row.Link = boardFilter{Worker: worker, Page: 1}.URL()
			row.Active = f.Worker == worker
		}
		rows = append(rows, row)
	}

	var list obj
	r := s.getJSON(c, "/api/v1/tasks?"+f.api().Encode(), &list)
	if r.status == http.StatusBadRequest { // a filter the API refuses (a hand-made URL): the board without it
		c.Redirect(http.StatusFound, "/board")
		return
	}
	if !r.ok() {
		s.refused(c, r)
		return
	}
	tasks := tasksOf(list)
	checked := map[string]bool{}
	for _, id := range sent.Values["task"] {
		checked[id] = true
	}
	for _, tk := range tasks {
		if created, ok := asTime(tk["created_at"]); ok {
			tk["Age"] = ageWords(lang, created, now)
		}
		id, _ := tk["id"].(string)
		tk["Checked"] = checked[id]
		group, _, _ := strings.Cut(str(tk["candidate_group"]), "@")
		tk["GroupName"] = enum(lang, "role", group)
	}
	counts, _ := list["counts"].(map[string]any)
	total := int(asFloat(counts["total"]))
	data := gin.H{"F": f, "Load": rows, "LoadOpen": asFloat(load["open"]), "LoadOverdue": asFloat(load["overdue"]),
		"Tasks": tasks, "Counts": counts, "Staff": centreStaff(lang, u), "Types": taskTypes, "Sent": sent,
		"Groups": []string{string(domain.RoleCaseworker), string(domain.RoleSupervisor), string(domain.RoleCentreHead)}}
	if u.Role.Acts(domain.RoleDVCaseworker) {
		data["Groups"] = append(data["Groups"].([]string), string(domain.RoleDVCaseworker))
	}
	if len(tasks) > 0 {
		from := (f.Page-1)*boardPageSize + 1
		data["From"], data["To"], data["Total"] = from, from+len(tasks)-1, total
	}
	if f.Page > 1 {
		prev := f
		prev.Page--
		data["Prev"] = prev.URL()
	}
	if f.Page*boardPageSize < total {
		next := f
		next.Page++
		data["Next"] = next.URL()
	}

	// Case deadlines: the team's open cases whose stage is due within a
	// week or overdue, soonest first; the tracking items past due.
	var cs obj
	s.getJSON(c, "/api/v1/cases", &cs)
	var caseDue []obj
	for _, x := range asList(cs["cases"]) {
		if due, ok := asTime(x["stage_due"]); ok && due.Before(now.Add(7*24*time.Hour)) {
			caseDue = append(caseDue, x)
		}
	}
	sort.SliceStable(caseDue, func(i, j int) bool {
		a, _ := asTime(caseDue[i]["stage_due"])
		b, _ := asTime(caseDue[j]["stage_due"])
		return a.Before(b)
	})
	var tracking obj
	s.getJSON(c, "/api/v1/tasks?group=all&sort=due&type=case_tracking_overdue&limit=50", &tracking)
	data["CaseDue"], data["Tracking"] = caseDue, tasksOf(tracking)
	data["RevisionsDue"], data["RevisionsOverdue"] = s.revisionBoard(c)
	s.render(c, status, "board", data)
}

// reassign hands the checked tasks of the board to one member of the
// staff, with a reason: done, back to the board as it was filtered, with
// how many went to whom; refused, the board again with each message beside
// its field and what was checked and typed kept.
func (s *server) reassign(c *gin.Context) {
	lang := s.lang(c)
	_ = c.Request.ParseForm()
	values := formValues(c)
	ids := values["task"]
	to, reason := strings.TrimSpace(values.Get("to")), strings.TrimSpace(values.Get("reason"))
	f := boardFilterOf(c.Request.URL.Query())
	errs := map[string]string{}
	if len(ids) == 0 {
		errs["task"] = t(lang, "choose_tasks")
	}
	if to == "" {
		errs["to"] = t(lang, "err.required")
	}
	if reason == "" {
		errs["reason"] = t(lang, "err.required")
	}
	if len(errs) > 0 {
		s.renderBoard(c, http.StatusBadRequest, sentForm{Name: "reassign", Values: values, Errs: errs, Anchors: boardAnchors})
		return
	}
	r := s.call(c, http.MethodPost, "/api/v1/tasks/reassign", obj{"task_ids": ids, "to": to, "reason": reason}, "")
	if r.status == http.StatusBadRequest {
		errs, _ := fieldErrors(lang, r, "")
		for k, m := range errs { // a task's field (task_ids.3) is said beside the list, naming the task
			if strings.HasPrefix(k, "task_ids") {
				delete(errs, k)
				errs["task"] = m
			}
		}
		s.renderBoard(c, http.StatusBadRequest, sentForm{Name: "reassign", Values: values, Errs: errs, Anchors: boardAnchors})
		return
	}
	if !r.ok() {
		backError(c, f.URL(), s.say(c, r))
		return
	}
	back(c, f.URL(), tf(lang, "reassigned_n", len(ids), staffName(lang, to)))
}

// boardAnchors are the ids of the reassignment's fields.
var boardAnchors = map[string]string{"task": "board-tasks", "to": "reassign-to", "reason": "reassign-reason"}

// registerBoards adds the routes of the boards people act on: the board's
// reassignment, a payment file's download, a case from a police
// notification (payroll.go, violence.go).
func (s *server) registerBoards(page, form func(string, gin.HandlerFunc)) {
	form("/board/reassign", s.reassign)
	page("/payrolls/:period/files/:name", s.paymentFile)
	form("/dv/:reference/case", s.dvCase)
}

// keepQuery is the inbox's filters as its links carry them ("type=..&").
func keepQuery(q url.Values, keys ...string) template.URL {
	v := url.Values{}
	for _, k := range keys {
		if x := q.Get(k); x != "" {
			v.Set(k, x)
		}
	}
	if len(v) == 0 {
		return ""
	}
	return template.URL(v.Encode() + "&")
}
