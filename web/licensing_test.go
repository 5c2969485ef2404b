package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain/providers"
)

// licensingPageCases are the licensing pages (issue 21) for
// TestPagesSpeakOneLanguage: the maintainer's page, a refused filing, the
// officers' inbox, an application to inspect (the checklist from its
// schema) and one awaiting the approval of another officer.
func licensingPageCases(s *server) []pageCase {
	return []pageCase{
		{name: "licensing: maintainer", tpl: "licensing_home", run: get(s, "nikola.maintainer", "/licensing", s.licensingHome),
			want: both("Dokaz o prostoru (vlasništvo ili zakup)", "Proof of premises (ownership or lease)")},
		{name: "licensing: filing sent back", tpl: "licensing_home", run: post(s, "nikola.maintainer", "/licensing/applications",
			url.Values{"kind": {"registration"}, "start_on": {"2020-01-01"}}, s.fileLicenceApplication), want: both("Traženi početak", "Start asked for")},
		{name: "licensing: inbox", tpl: "licensing_inbox", run: get(s, "goran.ministry", "/licensing/inbox", s.licensingInbox),
			want: both("Čeka inspekcijski nadzor", "Awaiting inspection")},
		{name: "licensing: inspection", tpl: "licensing_application", run: get(s, "goran.ministry", "/licensing/applications/5", s.licenceApplicationPage, "id", "5"),
			want: both("Prostor ispunjava minimalne standarde", "The premises meet the minimum standards")},
		{name: "licensing: own draft", tpl: "licensing_application", run: get(s, "goran.ministry", "/licensing/applications/6", s.licenceApplicationPage, "id", "6"),
			want: both("odobrava ga drugi službenik", "another ministry officer approves it")},
	}
}

// fakeApplication is an application as the API answers it in lang.
func fakeApplication(id int, state, lang, drafted string) string {
	kind := map[string]string{"cnr": "Upis u registar i licenca", "en": "Registration and licence"}[lang]
	stateName := map[string]map[string]string{"inspection": {"cnr": "Čeka inspekcijski nadzor", "en": "Awaiting inspection"},
		"approval": {"cnr": "Čeka odobrenje drugog službenika", "en": "Awaiting a second officer's approval"}}[state][lang]
	sv, _ := providers.ServiceByCode("counselling")
	doc, _ := providers.DocumentByCode("premises")
	draft := ""
	if drafted != "" {
		draft = fmt.Sprintf(`"draft":{"outcome":"grant","valid_from":"2027-01-01"},"drafted_by":%q,`, drafted)
	}
	return fmt.Sprintf(`{"id":%d,"kind":"registration","kind_name":%q,"pib":"03111008","name":"Centar Oslonac d.o.o.","street":"Bulevar 5",
		"municipality":"ME-16","municipality_name":"Podgorica","founded_on":"2024-01-10","services":[{"code":"counselling","name":%q}],"start_on":"2027-01-01",
		"state":%q,"state_name":%q,"inspection_on":"2026-12-15",%s"licences":[],"filed_by":"nikola.maintainer","filed_at":"2026-12-01T09:00:00Z",
		"documents":[{"kind":"premises","name":%q,"file_name":"zakup.pdf","content_type":"application/pdf","size":10,"sha256":"x"}],
		"required_documents":[{"code":"premises","name":%q}],"workflow_id":"licence/%d"}`,
		id, kind, sv.Label(lang), state, stateName, draft, doc.Label(lang), doc.Label(lang), id)
}

func licensingFakeAPI(r *gin.Engine) {
	lang := func(c *gin.Context) string {
		if c.Query("lang") == "en" {
			return "en"
		}
		return "cnr"
	}
	r.GET("/api/v1/licence-applications", func(c *gin.Context) {
		l := lang(c)
		c.Data(http.StatusOK, "application/json", []byte(`{"applications":[`+fakeApplication(5, "inspection", l, "")+`,`+
			fakeApplication(6, "approval", l, "goran.ministry")+`],"notices":[{"application_id":4,"kind":"expiry_6m","provider_name":"Dom Sunce",
			"valid_until":"2027-05-31","created_at":"2026-11-30T09:00:00Z"}]}`))
	})
	r.GET("/api/v1/licence-applications/:id", func(c *gin.Context) {
		state, drafted := "inspection", ""
		if c.Param("id") == "6" {
			state, drafted = "approval", "goran.ministry"
		}
		var id int
		if _, err := fmt.Sscan(c.Param("id"), &id); err != nil {
			c.Status(http.StatusNotFound)
			return
		}
		c.Data(http.StatusOK, "application/json", []byte(fakeApplication(id, state, lang(c), drafted)))
	})
	r.POST("/api/v1/licence-applications", func(c *gin.Context) {
		c.Data(http.StatusBadRequest, "application/json", []byte(strings.ReplaceAll(`{"error":{"code":"invalid","message":"2 fields are invalid",
			"fields":[{"code":"invalid","field":"start_on","message":"2020-01-01 is in the past (today is 2026-12-01)"},
			{"code":"invalid","field":"documents.premises","message":"is required"}]}}`, "\n", "")))
	})
}
