package web

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
)

// The public register of licensed providers (issue 21): a page anyone
// reads without logging in, over the API's public route. The language is
// ?lang= or the language cookie.

type choice struct{ Value, Name string }

// publicProviders renders the register, filtered by municipality and
// service.
func (s *server) publicProviders(c *gin.Context) {
	lang := s.lang(c)
	if l := c.Query("lang"); l == "cnr" || l == "en" {
		lang = l
	}
	q := url.Values{"lang": {lang}}
	for _, k := range []string{"municipality", "service"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	// The API's own route, without a token; rate-limited by the visitor's
	// address, not the pages'.
	req := httptest.NewRequest(http.MethodGet, "/api/v1/public/providers?"+q.Encode(), nil).WithContext(c.Request.Context())
	req.RemoteAddr = net.JoinHostPort(c.ClientIP(), "0") // IPv6 too
	rec := httptest.NewRecorder()
	s.cfg.API.ServeHTTP(rec, req)
	var reg struct {
		AsOf    string           `json:"as_of"`
		Entries []map[string]any `json:"entries"`
	}
	status := http.StatusOK
	failed := rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &reg) != nil
	if failed {
		status = rec.Code
		if status == http.StatusOK || status >= 500 {
			status = http.StatusServiceUnavailable
		}
	}
	var places, services []choice
	for _, m := range domain.Municipalities() {
		places = append(places, choice{m.Code, m.Name})
	}
	for _, sv := range providers.Services() {
		services = append(services, choice{sv.Code, sv.Label(lang)})
	}
	csv := url.Values{"format": {"csv"}}
	for k, v := range q {
		csv[k] = v
	}
	data := gin.H{"Entries": reg.Entries, "AsOf": reg.AsOf, "Failed": failed, "Places": places, "Services": services,
		"Municipality": c.Query("municipality"), "Service": c.Query("service"), "CSV": "/api/v1/public/providers?" + csv.Encode(),
		"Other": map[string]string{"cnr": "en", "en": "cnr"}[lang]}
	if c.Query("lang") == lang {
		s.setCookie(c, cookieLang, lang, 365*24*3600)
	}
	s.renderPublic(c, status, "public_providers", lang, data)
}

// renderPublic renders a page of no user: without the desk's header,
// menu and forms.
func (s *server) renderPublic(c *gin.Context, status int, page, lang string, data gin.H) {
	data["Lang"], data["Page"] = lang, page
	tpl, ok := s.pages[page]
	if !ok {
		c.String(http.StatusInternalServerError, "no page "+page)
		return
	}
	tpl, err := tpl.Clone()
	var buf bytes.Buffer
	if err == nil {
		err = tpl.Funcs(langFuncs(lang)).ExecuteTemplate(&buf, page, data)
	}
	if err != nil {
		s.cfg.Log.Error("render page", "page", page, "error", err)
		c.String(http.StatusInternalServerError, t(lang, "page_failed"))
		return
	}
	c.Header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
