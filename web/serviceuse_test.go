package web

import (
	"bytes"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// serviceUseBadRows is the API's answer to an upload with three bad rows.
const serviceUseBadRows = `{"error":{"code":"invalid","message":"nothing was recorded: 3 rows are wrong: ...","fields":[
	{"field":"line 6","message":"no referral of this person to you for day_care_disability"},
	{"field":"line 9","message":"day 2026-11-31 is not a date (YYYY-MM-DD)"},
	{"field":"line 10","message":"2026-11-02 is a second record of this person's day: line 3 records it already"}]}}`

func serviceUsePageCases(s *server) []pageCase {
	badUpload := url.Values{"csv": {"jmbg,service,day,quantity,note,corrects\n0101900350008,day_care_disability,2026-11-31,1,,\n"}, "month": {"2026-11"}}
	return []pageCase{
		{name: "service use: month", tpl: "provider_service_use", run: get(s, "tamara.sunce", "/provider/service-use?month=2026-11", s.serviceUsePage),
			want: map[string][]string{"cnr": {"Luka Đukanović", "Dnevni boravak za djecu sa smetnjama u razvoju", "usluga u toku"}, "en": {"Day care for children with disabilities", "receiving the service"}}},
		{name: "service use: a referral's month", tpl: "provider_service_use", run: get(s, "tamara.sunce", "/provider/service-use?month=2026-11&referral=7", s.serviceUsePage),
			want: map[string][]string{"cnr": {"poništeno", "zapis 41 (1) zamijenjen", "bio bolestan"}, "en": {"cancelled", "record 41 (1) replaced"}}},
		{name: "service use: an upload with bad rows", tpl: "provider_service_use", run: post(s, "tamara.sunce", "/provider/service-use/upload", badUpload, s.serviceUseUpload),
			want: map[string][]string{"cnr": {"Ništa nije upisano: neispravnih redova 3.", "red 6: ovo lice Vam nije upućeno za uslugu „Dnevni boravak za djecu sa smetnjama u razvoju”",
				"red 9: dan „2026-11-31” nije datum", "red 10: 2026-11-02 je drugi zapis istog dana za ovo lice: red 3 ga već evidentira"},
				"en": {"Nothing was written: 3 bad rows.", "line 6: this person is not referred to you for Day care for children with disabilities"}}},
		{name: "service use: a day refused", tpl: "provider_service_use", run: post(s, "tamara.sunce", "/provider/service-use/records?month=2026-11&referral=7",
			url.Values{"jmbg": {"0106016215000"}, "service": {"day_care_disability"}, "day": {"2026-11-30"}, "quantity": {"2"}}, s.serviceUseRecord),
			want: both("dan usluge se evidentira količinom 1, ne 2", "a day of service is recorded with quantity 1, not 2")},
	}
}

func serviceUseFakeAPI(r *gin.Engine) {
	js := func(status int, body string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(status, "application/json", []byte(strings.ReplaceAll(body, "\n", ""))) }
	}
	r.GET("/api/v1/service-use", func(c *gin.Context) {
		ref := `{"referral_id":7,"person":"Luka Đukanović","jmbg":"0106016215000","centre_id":"csr-podgorica","service":"day_care_disability","unit":"day",
			"state":"active","started_on":"2026-11-02","days":20,"quantity":"20"}`
		if c.Query("referral") == "" {
			js(http.StatusOK, `{"month":"2026-11","referrals":[`+ref+`,{"referral_id":8,"centre_id":"csr-podgorica","service":"day_care_disability",
				"unit":"day","state":"ended","started_on":"2026-11-02","ended_on":"2026-11-20","days":12,"quantity":"12"}],"records":[]}`)(c)
			return
		}
		js(http.StatusOK, `{"month":"2026-11","referrals":[`+ref+`],"records":[
			{"id":41,"referral_id":7,"day":"2026-11-02","quantity":"1","note":"","superseded_by":52,"effective":false,"channel":"csv","batch":"csv-1","recorded_by":"sunce-system","recorded_at":"2026-11-03T08:00:00Z"},
			{"id":52,"referral_id":7,"day":"2026-11-02","quantity":"0","note":"bio bolestan","supersedes":41,"effective":false,"channel":"page","batch":"","recorded_by":"tamara.sunce","recorded_at":"2026-11-04T08:00:00Z"},
			{"id":42,"referral_id":7,"day":"2026-11-03","quantity":"1","note":"","effective":true,"channel":"csv","batch":"csv-1","recorded_by":"sunce-system","recorded_at":"2026-11-03T08:00:00Z"}]}`)(c)
	})
	r.POST("/api/v1/service-use/upload", func(c *gin.Context) {
		b, _ := io.ReadAll(c.Request.Body)
		if c.ContentType() != "text/csv" {
			js(http.StatusUnsupportedMediaType, `{"error":{"code":"invalid","message":"not text/csv"}}`)(c)
			return
		}
		if strings.Contains(string(b), "2026-11-31") {
			js(http.StatusBadRequest, serviceUseBadRows)(c)
			return
		}
		js(http.StatusCreated, `{"batch":"csv-2","written":40,"records":[]}`)(c)
	})
	r.POST("/api/v1/service-use", js(http.StatusBadRequest, `{"error":{"code":"invalid","field":"records[0]","message":"a day of service is recorded with quantity 1, not 2"}}`))
}

// TestServiceUsePage: a file uploaded (multipart, as the browser sends
// it) goes to the API as text/csv and its report says how many records
// were written; the grid shows each day of the month, the cancelled day
// with the record it replaced; the menu has the page for the provider's
// staff and not for a caseworker.
func TestServiceUsePage(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	api := gin.New()
	serviceUseFakeAPI(api)
	s := &server{cfg: Config{API: api, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "novembar.csv")
	_, _ = fw.Write([]byte("jmbg,service,day,quantity,note,corrects\n0106016215000,day_care_disability,2026-11-03,1,,\n"))
	_ = mw.WriteField("month", "2026-11")
	_ = mw.Close()
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = httptest.NewRequest(http.MethodPost, "/provider/service-use/upload?month=2026-11", &body)
	c.Request.Header.Set("Content-Type", mw.FormDataContentType())
	c.Request.AddCookie(&http.Cookie{Name: cookieLang, Value: "en"})
	u, _ := domain.DemoUser("tamara.sunce")
	c.Set("user", u)
	c.Set("token", "test-token")
	s.serviceUseUpload(c)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Records written: 40.") {
		t.Fatalf("upload = %d %.600s", w.Code, w.Body.String())
	}

	html, status := s.request(t, "en", "tamara.sunce", http.MethodGet, "/provider/service-use?month=2026-11&referral=7", nil, nil, s.serviceUsePage)
	if status != http.StatusOK || strings.Count(html, `<tr data-day="2026-11-`) != 30 || !strings.Contains(html, `id="form-correct-42"`) ||
		strings.Contains(html, `id="form-correct-41"`) || !strings.Contains(html, "record 41 (1) replaced") ||
		strings.Contains(html, `<option value="2026-11-01"`) || !strings.Contains(html, `<option value="2026-11-04"`) {
		t.Fatalf("the month's grid = %d %.800s", status, html)
	}
	menu := func(user string) bool {
		u, _ := domain.DemoUser(user)
		for _, l := range menuOf(u) {
			if l.Path == "/provider/service-use" {
				return true
			}
		}
		return false
	}
	if !menu("tamara.sunce") || menu("ana.caseworker") {
		t.Fatalf("the menu's link: provider's staff %v, caseworker %v", menu("tamara.sunce"), menu("ana.caseworker"))
	}
}
