package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// The stand-in API's answers of the professionals' register and courses
// (issue 21, item 2), in the language asked where the API speaks one.
func fakeLearning(r *gin.Engine) {
	js := func(body string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(http.StatusOK, "application/json", []byte(body)) }
	}
	prof := `{"id":1,"username":"ana.caseworker","name":"Ana Radović","centre_id":"csr-podgorica","exam_passed_on":"2019-06-01","licensed":true,` +
		`"licence":"LR-DEMO-001","licence_until":"2027-01-29","hours":"8.0","required_hours":"60.0","short_hours":"52.0","warn_from":"2026-10-31",` +
		`"licences":[{"number":"LR-DEMO-001","valid_from":"2021-01-30","valid_until":"2027-01-29","in_force":true,"recorded_by":"goran.ministry"}],` +
		`"warnings":[{"licence":"LR-DEMO-001","professional":"ana.caseworker","professional_name":"Ana Radović","centre_id":"csr-podgorica","hours":"8.0","required":"60.0","warned_on":"2026-12-01","valid_until":"2027-01-29"}]}`
	r.GET("/api/v1/me/professional", func(c *gin.Context) {
		title := map[bool]string{true: "Professional ethics in social work", false: "Profesionalna etika u socijalnom radu"}[c.Query("lang") == "en"]
		js(`{"registered":true,"professional":` + prof + `,"warnings":[{"licence":"LR-DEMO-001","professional":"ana.caseworker","professional_name":"Ana Radović",` +
			`"centre_id":"csr-podgorica","hours":"8.0","required":"60.0","warned_on":"2026-12-01","valid_until":"2027-01-29"}],` +
			`"enrolments":[{"code":"ethics","version":1,"title":"` + title + `","attempts":1,"passed":true,"hours":"8.0","passed_on":"2026-09-01"}]}`)(c)
	})
	r.GET("/api/v1/professionals", js(`{"professionals":[`+prof+`]}`))
	r.GET("/api/v1/courses", func(c *gin.Context) {
		title := map[bool]string{true: "Protecting children from abuse and neglect", false: "Zaštita djece od zlostavljanja i zanemarivanja"}[c.Query("lang") == "en"]
		js(`{"courses":[{"code":"child-protection","version":1,"title":"` + title + `","hours":"12.0","pass_mark":100,"questions":2}]}`)(c)
	})
	r.GET("/api/v1/courses/:code", func(c *gin.Context) {
		if c.Query("lang") == "en" {
			js(`{"code":"child-protection","version":1,"title":"Protecting children","body":"A suspicion is reported at once.","hours":"12.0","pass_mark":100,` +
				`"questions":[{"text":"When is the safety assessment made?","options":["Within 24 hours","Within 30 days"]}]}`)(c)
			return
		}
		js(`{"code":"child-protection","version":1,"title":"Zaštita djece","body":"Sumnja se prijavljuje odmah.","hours":"12.0","pass_mark":100,` +
			`"questions":[{"text":"U kom roku se radi procjena bezbjednosti?","options":["U roku od 24 sata","U roku od 30 dana"]}]}`)(c)
	})
	r.POST("/api/v1/courses/:code/attempts", js(`{"code":"child-protection","version":1,"right":0,"total":1,"percent":0,"pass_mark":100,"passed":false,"hours_credited":"0.0"}`))
}

// learningPageCases render the professional's page, a course with its
// test, a failed test and the head's register, in both languages.
func learningPageCases(s *server) []pageCase {
	return []pageCase{
		{name: "learning", tpl: "learning", run: get(s, "ana.caseworker", "/learning", s.learningPage),
			want: both("Sati obuke u periodu licence: 8.0 od potrebnih 60.0", "Training hours in the licence period: 8.0 of the 60.0 required")},
		{name: "course", tpl: "course", run: get(s, "ivan.caseworker", "/learning/child-protection", s.coursePage, "code", "child-protection"),
			want: both("Upiši se", "Enrol")},
		{name: "course: test failed", tpl: "course", run: post(s, "ivan.caseworker", "/learning/child-protection/test", url.Values{"version": {"1"}, "questions": {"1"}, "q0": {"1"}},
			s.takeCourseTest, "code", "child-protection"), want: both("Nije položeno", "Not passed")},
		{name: "professionals", tpl: "professionals", run: get(s, "sanja.head", "/professionals", s.professionalsPage),
			want: both("Registar stručnih radnika", "Register of professionals")},
	}
}
