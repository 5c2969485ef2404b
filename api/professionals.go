package api

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/cases"
	"github.com/karton-social/karton/domain/professionals"
	"github.com/karton-social/karton/policies"
	"github.com/karton-social/karton/store"
)

// The register of licensed professional workers and their e-learning
// (issue 21, item 2): the ministry's officers put staff on the register
// and record their exam and licences; a centre's head reads their
// centre's professionals; every professional reads their own record and
// takes courses, whose passed tests credit hours to their licence period.

type professionalLicenceView struct {
	Number     string `json:"number"`
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until"`
	InForce    bool   `json:"in_force"`
	RecordedBy string `json:"recorded_by"`
}

type licenceWarningView struct {
	Licence          string `json:"licence"`
	Professional     string `json:"professional"`
	ProfessionalName string `json:"professional_name"`
	CentreID         string `json:"centre_id"`
	Hours            string `json:"hours"`
	Required         string `json:"required"`
	WarnedOn         string `json:"warned_on"`
	ValidUntil       string `json:"valid_until"`
}

type professionalView struct {
	ID            int64                     `json:"id"`
	Username      string                    `json:"username"`
	Name          string                    `json:"name"`
	CentreID      string                    `json:"centre_id"`
	ExamPassedOn  string                    `json:"exam_passed_on,omitempty"`
	Licensed      bool                      `json:"licensed"` // a licence in force today
	Licence       string                    `json:"licence,omitempty"`
	LicenceUntil  string                    `json:"licence_until,omitempty"`
	Hours         string                    `json:"hours"` // credited in the current licence's period
	RequiredHours string                    `json:"required_hours"`
	ShortHours    string                    `json:"short_hours"`
	WarnFrom      string                    `json:"warn_from,omitempty"`
	Licences      []professionalLicenceView `json:"licences"`
	Warnings      []licenceWarningView      `json:"warnings"`
}

func staffName(username string) string {
	if u, ok := domain.DemoUser(username); ok {
		return u.Name
	}
	return username
}

func warningViews(ws []store.LicenceWarning) []licenceWarningView {
	out := []licenceWarningView{}
	for _, w := range ws {
		out = append(out, licenceWarningView{Licence: w.Licence, Professional: w.Username, ProfessionalName: staffName(w.Username), CentreID: w.CentreID,
			Hours: w.Hours.StringFixed(1), Required: w.Required.StringFixed(1), WarnedOn: w.WarnedOn.Format(time.DateOnly),
			ValidUntil: w.Until.Format(time.DateOnly)})
	}
	return out
}

func professionalViewOf(p store.Professional, today time.Time) *professionalView {
	v := &professionalView{ID: p.ID, Username: p.Username, Name: staffName(p.Username), CentreID: p.CentreID, Hours: "0.0",
		RequiredHours: professionals.RequiredHours.StringFixed(1), ShortHours: professionals.RequiredHours.StringFixed(1),
		Licences: []professionalLicenceView{}, Warnings: warningViews(p.Warnings)}
	if p.ExamPassedOn != nil {
		v.ExamPassedOn = p.ExamPassedOn.Format(time.DateOnly)
	}
	for _, l := range p.Licences {
		v.Licences = append(v.Licences, professionalLicenceView{Number: l.Number, ValidFrom: l.ValidFrom.Format(time.DateOnly),
			ValidUntil: l.ValidUntil.Format(time.DateOnly), InForce: l.InForce(today), RecordedBy: l.RecordedBy})
	}
	if l, hours, ok := p.Current(today); ok {
		v.Licensed, v.Licence, v.LicenceUntil = true, l.Number, l.ValidUntil.Format(time.DateOnly)
		v.Hours, v.ShortHours = hours.StringFixed(1), professionals.Short(hours).StringFixed(1)
		v.WarnFrom = professionals.WarnFrom(l).Format(time.DateOnly)
	}
	return v
}

// createProfessional answers POST /api/v1/professionals: a staff user of
// a centre put on the register (201); one on it already is a 409.
func (h *handler) createProfessional(c *gin.Context) (*professionalView, error) {
	var req struct {
		Username string `json:"username"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(req.Username)
	u, ok := domain.DemoUser(name)
	switch {
	case name == "":
		return nil, domain.FieldError("username", "is required")
	case !ok || u.Machine || u.CentreID == "" || !u.Role.Acts(domain.RoleCaseworker):
		return nil, domain.FieldError("username", "%q is not a member of a centre's professional staff", printable(name, 40))
	}
	p, err := h.db.CreateProfessional(c.Request.Context(), store.Professional{Username: u.Username, CentreID: u.CentreID, CreatedBy: userOf(c).Username})
	if err != nil {
		return nil, err
	}
	c.Set("audit_target", p.CentreID)
	c.Header("Location", "/api/v1/professionals/"+strconv.FormatInt(p.ID, 10))
	return professionalViewOf(p, h.now()), nil
}

type professionalList struct {
	Professionals []*professionalView `json:"professionals"`
}

// listProfessionals answers GET /api/v1/professionals: the register, of
// every centre for the ministry (?centre_id= narrows it), of their own
// centre for a head.
func (h *handler) listProfessionals(c *gin.Context) (*professionalList, error) {
	u := userOf(c)
	centre := strings.TrimSpace(c.Query("centre_id"))
	anyCentre := h.enforcer.Allow(string(u.Role), u.CentreID, policies.TargetNone, "professional_register", "read")
	if centre == "" && !anyCentre {
		centre = u.CentreID
	}
	if _, ok := domain.CentreByID(centre); centre != "" && !ok {
		return nil, domain.FieldError("centre_id", "%q is not a social work centre", printable(centre, 40))
	}
	if centre != "" {
		if err := h.allow(c, "professional_register", "read", centre); err != nil {
			return nil, err
		}
	}
	ps, err := h.db.Professionals(c.Request.Context(), centre)
	if err != nil {
		return nil, err
	}
	out := &professionalList{Professionals: []*professionalView{}}
	for _, p := range ps {
		out.Professionals = append(out.Professionals, professionalViewOf(p, h.now()))
	}
	return out, nil
}

// professional reads the professional of the path's id and authorises
// the action on them by their centre.
func (h *handler) professional(c *gin.Context, action string) (store.Professional, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Professional{}, domain.Errorf(domain.CodeNotFound, "professional %q not found", printable(c.Param("id"), 40))
	}
	p, err := h.db.ProfessionalByID(c.Request.Context(), id)
	if err != nil {
		return store.Professional{}, err
	}
	if err := h.allow(c, "professional_register", action, p.CentreID); err != nil {
		return store.Professional{}, err
	}
	return p, nil
}

// getProfessional answers GET /api/v1/professionals/:id.
func (h *handler) getProfessional(c *gin.Context) (*professionalView, error) {
	p, err := h.professional(c, "read")
	if err != nil {
		return nil, err
	}
	return professionalViewOf(p, h.now()), nil
}

// recordExam answers POST /api/v1/professionals/:id/exam: the day the
// professional exam was passed.
func (h *handler) recordExam(c *gin.Context) (*professionalView, error) {
	p, err := h.professional(c, "update")
	if err != nil {
		return nil, err
	}
	var req struct {
		PassedOn string `json:"passed_on"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	var passed time.Time
	if req.PassedOn != "" {
		if passed, err = parseDay("passed_on", req.PassedOn); err != nil {
			return nil, err
		}
	}
	if errs := professionals.CheckExam(passed, h.now()); errs != nil {
		return nil, domain.Invalid(errs)
	}
	if p, err = h.db.RecordExam(c.Request.Context(), p.ID, passed, userOf(c).Username); err != nil {
		return nil, err
	}
	return professionalViewOf(p, h.now()), nil
}

// addProfessionalLicence answers POST /api/v1/professionals/:id/licences:
// a licence to work (six years unless valid_until says less), after the
// exam; every fault named (400), a number on record a 409.
func (h *handler) addProfessionalLicence(c *gin.Context) (*professionalView, error) {
	p, err := h.professional(c, "update")
	if err != nil {
		return nil, err
	}
	var req struct {
		Number     string `json:"number"`
		ValidFrom  string `json:"valid_from"`
		ValidUntil string `json:"valid_until"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	l := store.ProfessionalLicence{Licence: professionals.Licence{Number: strings.TrimSpace(req.Number)}, RecordedBy: userOf(c).Username}
	var errs []*domain.Error
	if req.ValidFrom != "" {
		if l.ValidFrom, err = parseDay("valid_from", req.ValidFrom); err != nil {
			errs = append(errs, err.(*domain.Error))
		}
	}
	if req.ValidUntil != "" {
		if l.ValidUntil, err = parseDay("valid_until", req.ValidUntil); err != nil {
			errs = append(errs, err.(*domain.Error))
		}
	} else if !l.ValidFrom.IsZero() {
		l.ValidUntil = professionals.ValidUntil(l.ValidFrom)
	}
	for _, e := range professionals.CheckLicence(l.Licence, p.ExamPassedOn) {
		if e.Field == "valid_from" && req.ValidFrom != "" && l.ValidFrom.IsZero() {
			continue // not a date: named above
		}
		errs = append(errs, e)
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	if p, err = h.db.AddProfessionalLicence(c.Request.Context(), p.ID, l); err != nil {
		return nil, err
	}
	return professionalViewOf(p, h.now()), nil
}

type enrolmentView struct {
	Code     string `json:"code"`
	Version  int    `json:"version"`
	Title    string `json:"title"`
	Attempts int    `json:"attempts"`
	Passed   bool   `json:"passed"`
	Hours    string `json:"hours"`
	PassedOn string `json:"passed_on,omitempty"`
}

type myProfessionalView struct {
	Registered   bool              `json:"registered"`
	Professional *professionalView `json:"professional,omitempty"`
	// Warnings are the licence warnings the caller has: of their own
	// licence, and for a head of their centre's professionals.
	Warnings   []licenceWarningView `json:"warnings"`
	Enrolments []enrolmentView      `json:"enrolments"`
}

// myProfessional answers GET /api/v1/me/professional: the caller's own
// record on the register (if they are on it), the licence warnings they
// have, and their courses.
func (h *handler) myProfessional(c *gin.Context) (*myProfessionalView, error) {
	u, ctx := userOf(c), c.Request.Context()
	out := &myProfessionalView{Enrolments: []enrolmentView{}}
	p, err := h.db.ProfessionalByUsername(ctx, u.Username)
	switch {
	case err == nil:
		out.Registered, out.Professional = true, professionalViewOf(p, h.now())
	case domain.ErrorCode(err) != domain.CodeNotFound:
		return nil, err
	}
	ws, err := h.db.WarningsFor(ctx, u.Username)
	if err != nil {
		return nil, err
	}
	out.Warnings = warningViews(ws)
	es, err := h.db.Enrolments(ctx, u.Username)
	if err != nil {
		return nil, err
	}
	lang := h.pivotLanguage(c)
	for _, e := range es {
		ev := enrolmentView{Code: e.Code, Version: e.Version, Attempts: e.Attempts, Passed: e.Passed, Hours: e.Hours.StringFixed(1)}
		if course, err := h.db.Course(ctx, e.Code, e.Version); err == nil {
			ev.Title = course.Title.In(lang)
		}
		if e.PassedOn != nil {
			ev.PassedOn = e.PassedOn.Format(time.DateOnly)
		}
		out.Enrolments = append(out.Enrolments, ev)
	}
	return out, nil
}

type courseSummary struct {
	Code      string `json:"code"`
	Version   int    `json:"version"`
	Title     string `json:"title"`
	Hours     string `json:"hours"`
	PassMark  int    `json:"pass_mark"`
	Questions int    `json:"questions"`
}

type courseList struct {
	Courses []courseSummary `json:"courses"`
}

// listCourses answers GET /api/v1/courses: the latest version of each
// course, titled in the caller's language.
func (h *handler) listCourses(c *gin.Context) (*courseList, error) {
	cs, err := h.db.Courses(c.Request.Context())
	if err != nil {
		return nil, err
	}
	lang := h.pivotLanguage(c)
	out := &courseList{Courses: []courseSummary{}}
	for _, x := range cs {
		out.Courses = append(out.Courses, courseSummary{Code: x.Code, Version: x.Version, Title: x.Title.In(lang), Hours: x.Hours.StringFixed(1),
			PassMark: x.PassMark, Questions: len(x.Questions)})
	}
	return out, nil
}

type questionView struct {
	Text    string   `json:"text"`
	Options []string `json:"options"`
}

type courseView struct {
	Code      string         `json:"code"`
	Version   int            `json:"version"`
	Title     string         `json:"title"`
	Body      string         `json:"body"`
	Hours     string         `json:"hours"`
	PassMark  int            `json:"pass_mark"`
	Questions []questionView `json:"questions"`
}

// courseCode is the path's course code, or a 404 for one no course has.
func courseCode(c *gin.Context) (string, error) {
	code := c.Param("code")
	if !validCourseCode.MatchString(code) {
		return "", domain.Errorf(domain.CodeNotFound, "course %q not found", printable(code, 40))
	}
	return code, nil
}

// maxCourseVersion bounds a version asked for (the column is an int).
const maxCourseVersion = 1 << 20

var validCourseCode = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,39}$`)

// courseVersion reads the version the query (?version=) or body names,
// 0 being the latest; a version that is not a number is a 400.
func courseVersion(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 || v > maxCourseVersion {
		return 0, domain.FieldError("version", "%q is not a course version", printable(s, 20))
	}
	return v, nil
}

// getCourse answers GET /api/v1/courses/:code: a version of a course to
// read and its test, without the answers.
func (h *handler) getCourse(c *gin.Context) (*courseView, error) {
	version, err := courseVersion(c.Query("version"))
	if err != nil {
		return nil, err
	}
	code, err := courseCode(c)
	if err != nil {
		return nil, err
	}
	x, err := h.db.Course(c.Request.Context(), code, version)
	if err != nil {
		return nil, err
	}
	lang := h.pivotLanguage(c)
	v := &courseView{Code: x.Code, Version: x.Version, Title: x.Title.In(lang), Body: x.Body.In(lang), Hours: x.Hours.StringFixed(1),
		PassMark: x.PassMark, Questions: []questionView{}}
	for _, q := range x.Questions {
		qv := questionView{Text: q.Text.In(lang), Options: []string{}}
		for _, o := range q.Options {
			qv.Options = append(qv.Options, o.In(lang))
		}
		v.Questions = append(v.Questions, qv)
	}
	return v, nil
}

// publishCourse answers POST /api/v1/courses: a new version of a course
// (the first, or the next after its last); every fault named.
func (h *handler) publishCourse(c *gin.Context) (*courseSummary, error) {
	var req professionals.Course
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	req.Code = strings.TrimSpace(req.Code)
	out, err := h.db.PublishCourse(c.Request.Context(), req, userOf(c).Username)
	if err != nil {
		return nil, err
	}
	return &courseSummary{Code: out.Code, Version: out.Version, Title: out.Title.In(h.pivotLanguage(c)), Hours: out.Hours.StringFixed(1),
		PassMark: out.PassMark, Questions: len(out.Questions)}, nil
}

// enrol answers POST /api/v1/courses/:code/enrolment: the caller enrolled
// in a version of the course (the latest unless "version" says); again,
// nothing changes.
func (h *handler) enrol(c *gin.Context) (*enrolmentView, error) {
	var req struct {
		Version int `json:"version"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if req.Version < 0 || req.Version > maxCourseVersion {
		return nil, domain.FieldError("version", "%d is not a course version", req.Version)
	}
	code, err := courseCode(c)
	if err != nil {
		return nil, err
	}
	x, err := h.db.Course(c.Request.Context(), code, req.Version)
	if err != nil {
		return nil, err
	}
	if err := h.db.Enrol(c.Request.Context(), userOf(c).Username, x.Code, x.Version); err != nil {
		return nil, err
	}
	return &enrolmentView{Code: x.Code, Version: x.Version, Title: x.Title.In(h.pivotLanguage(c)), Hours: "0.0"}, nil
}

type attemptView struct {
	Code          string `json:"code"`
	Version       int    `json:"version"`
	Right         int    `json:"right"`
	Total         int    `json:"total"`
	Percent       int    `json:"percent"`
	PassMark      int    `json:"pass_mark"`
	Passed        bool   `json:"passed"`
	HoursCredited string `json:"hours_credited"`
}

// takeTest answers POST /api/v1/courses/:code/attempts: the caller's
// answers to the test of the version they are enrolled in, scored; a pass
// credits the course's hours today. Not enrolled or passed already: 409.
func (h *handler) takeTest(c *gin.Context) (*attemptView, error) {
	var req struct {
		Version int   `json:"version"`
		Answers []int `json:"answers"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if req.Version < 1 || req.Version > maxCourseVersion {
		return nil, domain.FieldError("version", "is required: the version enrolled in (1 or more)")
	}
	code, err := courseCode(c)
	if err != nil {
		return nil, err
	}
	a, err := h.db.RecordAttempt(c.Request.Context(), userOf(c).Username, code, req.Version, req.Answers, h.now())
	if err != nil {
		return nil, err
	}
	x, _ := h.db.Course(c.Request.Context(), a.Code, a.Version)
	return &attemptView{Code: a.Code, Version: a.Version, Right: a.Result.Right, Total: a.Result.Total, Percent: a.Result.Percent,
		PassMark: x.PassMark, Passed: a.Result.Passed, HoursCredited: a.Hours.StringFixed(1)}, nil
}

// checkLicensedManager refuses (400 on data.case_manager, in the caller's
// language, naming the worker) an opening whose procedure needs a licensed
// case manager (procedures.yaml licensed_manager) when the one chosen
// holds no licence to work in force today.
func (h *handler) checkLicensedManager(c *gin.Context, x store.Case, data json.RawMessage) error {
	def, err := cases.Procedures.Get(x.Procedure, x.Version)
	if err != nil || !def.LicensedManager {
		return nil
	}
	var o struct {
		CaseManager string `json:"case_manager"`
	}
	_ = json.Unmarshal(data, &o)
	if o.CaseManager == "" {
		return nil
	}
	licensed, err := h.db.LicensedOn(c.Request.Context(), x.CentreID, h.now())
	if err != nil {
		return err
	}
	if licensed[o.CaseManager] {
		return nil
	}
	return domain.Invalid([]*domain.Error{domain.FieldError("data.case_manager", "%s", unlicensedMessage(h.language(c), staffName(o.CaseManager), def))})
}

// unlicensedMessage says why a worker may not manage a case of def.
func unlicensedMessage(lang, name string, def cases.Definition) string {
	if lang == "en" {
		return fmt.Sprintf("%s holds no licence to work in force; %s needs a licensed case manager", name, def.Name.EN)
	}
	return fmt.Sprintf("%s nema važeću licencu za rad; postupak „%s” traži licenciranog voditelja slučaja", name, def.Name.CNR)
}

// LicensedStaff filters a centre's staff to those holding a licence to
// work in force on day: the case-manager picker of a procedure that needs
// one (web).
func LicensedStaff(c *gin.Context, db *store.DB, centre string, staff []domain.User, day time.Time) ([]domain.User, error) {
	licensed, err := db.LicensedOn(c.Request.Context(), centre, day)
	if err != nil {
		return nil, err
	}
	var out []domain.User
	for _, u := range staff {
		if licensed[u.Username] {
			out = append(out, u)
		}
	}
	return out, nil
}
