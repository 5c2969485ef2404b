package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// The professionals' e-learning and register (issue 21, item 2): a
// professional's own record (licence, hours of its period, warnings) and
// the courses, read and tested in the page's language; the register of a
// centre's professionals for its head and the ministry's officers. Every
// read and act goes through the API as the user.

func init() {
	menuLinks = append(menuLinks,
		menuLink{ID: "nav-learning", Key: "learn.nav", Path: "/learning", Resource: "learning", Action: "enrol"},
		menuLink{ID: "nav-professionals", Key: "prof.nav", Path: "/professionals", Resource: "professional_register", Action: "read"})
	errorShapes = append(errorShapes,
		errorShape{regexp.MustCompile(`^(?:(.+) nema važeću licencu za rad; postupak „(.+)” traži licenciranog voditelja slučaja|(.+) holds no licence to work in force; (.+) needs a licensed case manager)$`),
			func(lang string, m []string) string {
				if m[1] != "" {
					return tf(lang, "learn.err.unlicensed", m[1], m[2])
				}
				return tf(lang, "learn.err.unlicensed", m[3], m[4])
			}},
		shape(`^not enrolled in course`, "learn.err.not_enrolled"),
		shape(`^course \S+ version \d+ is passed already`, "learn.err.passed"),
		shape(`^the test has (\d+) questions; (\d+) answers were given$`, "learn.err.answers"))
}

// registerLearning adds the pages.
func (s *server) registerLearning(page, form func(string, gin.HandlerFunc)) {
	page("/learning", s.learningPage)
	page("/learning/:code", s.coursePage)
	form("/learning/:code/enrol", s.enrolCourse)
	form("/learning/:code/test", s.takeCourseTest)
	page("/professionals", s.professionalsPage)
}

// learningPage shows the user's own record and the courses.
func (s *server) learningPage(c *gin.Context) {
	var me, courses obj
	if r := s.getJSON(c, "/api/v1/me/professional?lang="+s.lang(c), &me); !r.ok() {
		s.refused(c, r)
		return
	}
	if r := s.getJSON(c, "/api/v1/courses?lang="+s.lang(c), &courses); !r.ok() {
		s.refused(c, r)
		return
	}
	s.render(c, http.StatusOK, "learning", gin.H{"Me": me, "Courses": courses["courses"]})
}

// enrolledVersion is the version of course code the user is enrolled in, or 0.
func (s *server) enrolledVersion(c *gin.Context, code string) (int, bool) {
	var me obj
	if r := s.getJSON(c, "/api/v1/me/professional", &me); !r.ok() {
		return 0, false
	}
	for _, e := range asList(me["enrolments"]) {
		if str(e["code"]) == code {
			v, _ := e["version"].(float64)
			passed, _ := e["passed"].(bool)
			return int(v), passed
		}
	}
	return 0, false
}

// coursePage shows a course: the version the user is enrolled in (else the
// latest), its text and its test.
func (s *server) coursePage(c *gin.Context) { s.showCourse(c, http.StatusOK, nil, "") }

func (s *server) showCourse(c *gin.Context, status int, result obj, refusal string) {
	code := c.Param("code")
	version, passed := s.enrolledVersion(c, code)
	path := "/api/v1/courses/" + url.PathEscape(code) + "?lang=" + s.lang(c)
	if version > 0 {
		path += "&version=" + strconv.Itoa(version)
	}
	var course obj
	if r := s.getJSON(c, path, &course); !r.ok() {
		s.refused(c, r)
		return
	}
	data := gin.H{"Course": course, "Enrolled": version > 0, "Passed": passed, "Result": result}
	if refusal != "" {
		data["Flash"], data["FlashError"] = refusal, true
	}
	s.render(c, status, "course", data)
}

// enrolCourse enrols the user in the course's latest version.
func (s *server) enrolCourse(c *gin.Context) {
	code := c.Param("code")
	if r := s.call(c, http.MethodPost, "/api/v1/courses/"+url.PathEscape(code)+"/enrolment", obj{}, ""); !r.ok() {
		s.showCourse(c, r.status, nil, s.say(c, r))
		return
	}
	c.Redirect(http.StatusSeeOther, "/learning/"+url.PathEscape(code))
}

// takeCourseTest sends the test's answers (q0, q1, ...: an option's index
// each) and shows the score.
func (s *server) takeCourseTest(c *gin.Context) {
	code := c.Param("code")
	_ = c.Request.ParseForm()
	version, _ := strconv.Atoi(c.Request.PostForm.Get("version"))
	n, _ := strconv.Atoi(c.Request.PostForm.Get("questions"))
	if n < 0 || n > 20 {
		n = 0
	}
	answers := make([]int, n)
	for i := range answers {
		a, err := strconv.Atoi(c.Request.PostForm.Get("q" + strconv.Itoa(i)))
		if err != nil {
			a = -1 // not answered: the API names it
		}
		answers[i] = a
	}
	r := s.call(c, http.MethodPost, "/api/v1/courses/"+url.PathEscape(code)+"/attempts", obj{"version": version, "answers": answers}, "")
	if !r.ok() {
		s.showCourse(c, r.status, nil, s.say(c, r))
		return
	}
	var result obj
	_ = json.Unmarshal(r.body, &result)
	s.showCourse(c, http.StatusOK, result, "")
}

// professionalsPage is the register of professionals: the head's centre,
// or for the ministry every centre (?centre_id= narrows it).
func (s *server) professionalsPage(c *gin.Context) {
	centre := c.Query("centre_id")
	path := "/api/v1/professionals"
	if centre != "" {
		path += "?centre_id=" + url.QueryEscape(centre)
	}
	var reg obj
	if r := s.getJSON(c, path, &reg); !r.ok() {
		s.refused(c, r)
		return
	}
	u := userOf(c)
	s.render(c, http.StatusOK, "professionals", gin.H{"Reg": reg["professionals"], "Centres": domain.Centres(), "CentreID": centre,
		"AllCentres": u.CentreID == "", "Today": time.Now().Format(time.DateOnly)})
}

// licensedOnly narrows an opening form's case-manager choice to the
// centre's staff holding a licence to work in force today, for a
// procedure that needs a licensed case manager (procedures.yaml
// licensed_manager); the API refuses anyone else.
func (s *server) licensedOnly(c *gin.Context, form *formView, centre string) {
	if s.cfg.DB == nil {
		return
	}
	licensed, err := s.cfg.DB.LicensedOn(c.Request.Context(), centre, time.Now())
	if err != nil {
		return // the API's check still holds
	}
	for i, f := range form.Fields {
		if f.Key != "case_manager" {
			continue
		}
		var keep []string
		for _, o := range f.Options {
			if licensed[o] {
				keep = append(keep, o)
			}
		}
		form.Fields[i].Options = keep
	}
}
