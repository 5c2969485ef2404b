// Package web is the caseworker's desk: server-rendered pages (inbox, the
// person's e-file, a new claim, the claim, the supervisor board) in
// Montenegrin and English, served by the same binary under "/". Pages log
// in through the OIDC authorization-code flow and then call the JSON API
// in-process with the user's token, so every page is authorised and
// audited exactly as the API is.
package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what the pages need.
type Config struct {
	API      http.Handler // the JSON API, called in-process
	Issuer   string       // OIDC issuer; its discovery document gives the endpoints
	ClientID string       // the pages' OIDC client (public, PKCE)
	Verifier *api.Verifier
	DB       *store.DB // language preferences
	Log      *slog.Logger
	// InsecureCookies leaves the Secure attribute off the cookies: only for
	// karton dev, which serves plain http. Everywhere else cookies travel
	// over https only.
	InsecureCookies bool
}

type server struct {
	cfg   Config
	pages map[string]*template.Template

	mu                  sync.Mutex
	authorize, tokenURL string
}

const (
	cookieSession = "karton_session"
	cookieLogin   = "karton_login"
	cookieCSRF    = "karton_csrf"
	cookieLang    = "karton_lang"
	cookieFlash   = "karton_flash"
)

// Register adds the pages to r.
func Register(r *gin.Engine, cfg Config) error {
	s := &server{cfg: cfg, pages: map[string]*template.Template{}}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return err
	}
	static, _ := fs.Sub(staticFS, "static")
	r.StaticFS("/static", http.FS(static))
	r.GET("/", s.session, s.home) // each role's first page (desk.go)
	r.GET("/login", s.login)
	r.GET("/auth/callback", s.callback)
	r.POST("/logout", s.csrf, s.logout)
	r.POST("/lang", s.csrf, s.setLang)
	r.GET("/public/providers", s.publicProviders) // the public register of providers, no login (providers.go)
	page := func(path string, h gin.HandlerFunc) { r.GET(path, s.session, h) }
	form := func(path string, h gin.HandlerFunc) { r.POST(path, s.session, s.csrf, h) }
	s.registerDesk(page, form)
	// licensing by e-application (licensing.go)
	s.registerLicensing(page, form)
	// placements in residential institutions (placements.go)
	s.registerPlacements(page, form)
	s.registerEmployer(page, form) // the employers' portal (employer.go)
	s.registerPortal(page, form)   // the citizens' portal (portal.go)
	s.registerBI(page)             // the statistics: dashboard, pivot, exports (bi.go)
	s.registerBoards(page, form)   // the boards people act on (boards.go)
	// the officer's page of a provider (inspections.go)
	s.registerInspections(page, form)
	s.registerPharmacy(page, form) // medicines: the pharmacy and the medication round (pharmacy.go)
	// the residential institutions' capacity and statistics (institution.go)
	s.registerInstitution(page, form)
	// the gatehouse of a residential institution: visits, leaves, returns (gatehouse.go)
	s.registerGatehouse(page, form)
	s.registerCashDesk(page, form) // the cash desk of a residential institution (cashdesk.go)
	s.registerCare(page, form)     // the resident's plan, notes and medical records (care.go)
	// the provider's home and delegated persons, the contracts and delegations (provider.go, servicecontracts.go)
	s.registerProvider(page, form)
	// referrals to a provider's service: the case's block, a referral, the provider's list (servicereferrals.go)
	s.registerServiceReferrals(page, form)
	// a provider's service-use records: the month, by hand, by CSV (serviceuse.go)
	s.registerServiceUse(page, form)
	// waiting lists: the provider's list and monthly report, every provider's for the centres and the ministry (waitinglists.go)
	s.registerWaitingLists(page, form)
	// monthly cost reports: the provider prepares and submits, finance checks and approves (costreports.go)
	s.registerCostReports(page, form)
	page("/inbox", s.inbox)
	page("/persons/:id", s.personPage)
	page("/claims/new", s.onlyFor("claim", "create", "new_claim_not_yours", s.newClaim))
	page("/claims/:number", s.claimPage)
	page("/decisions/:id/pdf", s.decisionPDF)
	page("/board", s.board)
	page("/cases", s.casesPage)
	page("/cases/new", s.newCase)
	page("/cases/:number", s.casePage)
	page("/case-decisions/:id/pdf", s.caseDecisionPDF)
	form("/cases", s.openCase)
	form("/cases/:number/stages/:stage", s.submitCaseStage)
	form("/cases/:number/actions/:action", s.caseAction)
	form("/cases/:number/reopen", s.reopenCase)
	page("/dv", s.dvRegisterPage)
	// the professionals' e-learning and register (learning.go)
	s.registerLearning(page, form)
	page("/registers", s.registersPage) // guardians, foster carers, beneficiaries (carers.go)
	form("/registers/carers/:id/assessments", s.recordAssessment)
	page("/dv/:reference", s.dvPage)
	form("/dv/:reference/first-contact", s.firstContact)
	page("/activation", s.activationPage)
	page("/activation/:id", s.referralPage)
	page("/activation-decisions/:id/pdf", s.activationDecisionPDF)
	form("/activation", s.refer)
	form("/activation/:id/decide", s.decideReferral)
	form("/activation/:id/steps", s.reportStep)
	page("/payrolls", s.payrollPage)
	page("/payrolls/:period", s.payrollPage)
	page("/payrolls/:period/summary.csv", s.payrollCSV)
	form("/payrolls", s.startPayroll)
	form("/payrolls/:period/:action", s.payrollAction)
	form("/persons", s.registerPerson)
	form("/persons/:id/refresh", s.refresh)
	form("/claims", s.fileClaim)
	form("/claims/:number/documents", s.upload)
	form("/claims/:number/withdraw", s.withdraw)
	form("/tasks/:id/:action", s.taskAction)
	return nil
}

// pageFuncs are the template functions every page has, whatever its
// language (langFuncs adds those that speak it).
var pageFuncs = template.FuncMap{
	"money": money, "date": date, "datetime": datetime,
	"pretty": func(v any) string {
		b, _ := json.Marshal(v)
		return strings.NewReplacer(`"`, "", "{", "", "}", "", ",", ", ", ":", ": ").Replace(string(b))
	},
	// tasklink is the page a task is worked on: its case or its claim.
	"tasklink": func(tk map[string]any) string {
		if d, ok := tk["data"].(map[string]any); ok {
			if n, ok := d["case"].(string); ok && n != "" {
				return "/cases/" + url.PathEscape(n)
			}
			if n, ok := d["notification"].(string); ok && n != "" {
				return "/dv/" + url.PathEscape(n)
			}
			if n, ok := d["referral"].(string); ok && n != "" {
				return "/activation/" + url.PathEscape(n)
			}
			if n, ok := d["refund"].(string); ok && n != "" { // an employer's leave (issue 18)
				return "/refunds/" + url.PathEscape(n)
			}
			if _, ok := d["change"].(string); ok { // a right a change touched: on its holder's e-file
				if p, ok := tk["person_id"].(string); ok && p != "" {
					return "/persons/" + url.PathEscape(p)
				}
			}
		}
		subject, _ := tk["subject"].(string)
		return "/claims/" + url.PathEscape(subject)
	},
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

// parsePages parses every page with the layout and the forms' templates.
func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		page := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if page == "layout" || page == "forms" {
			continue
		}
		tpl := template.New(page).Funcs(pageFuncs).Funcs(langFuncs("cnr"))
		if pages[page], err = tpl.ParseFS(templateFS, "templates/layout.html", "templates/forms.html", n); err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
	}
	return pages, nil
}

// ---- session, CSRF, language

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ctxInsecureCookies tells back, which has no server, that cookies go
// without Secure (karton dev).
const ctxInsecureCookies = "web_insecure_cookies"

func (s *server) setCookie(c *gin.Context, name, value string, maxAge int) {
	writeCookie(c, name, value, maxAge, !s.cfg.InsecureCookies)
}

func writeCookie(c *gin.Context, name, value string, maxAge int, secure bool) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secure})
}

// session requires a valid token in the session cookie; without one (or
// with one logged out, which the verifier refuses) the browser goes to
// the login.
func (s *server) session(c *gin.Context) {
	tok, err := c.Cookie(cookieSession)
	if err == nil {
		if u, err := s.cfg.Verifier.Verify(c.Request.Context(), tok); err == nil {
			c.Set("user", u)
			c.Set("token", tok)
			c.Set(ctxInsecureCookies, s.cfg.InsecureCookies)
			s.ensureCSRF(c)
			c.Next()
			return
		}
	}
	c.Redirect(http.StatusFound, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
	c.Abort()
}

func (s *server) ensureCSRF(c *gin.Context) string {
	if v, err := c.Cookie(cookieCSRF); err == nil && len(v) > 20 {
		c.Set("csrf", v)
		return v
	}
	v := randomString(24)
	s.setCookie(c, cookieCSRF, v, 12*3600)
	c.Set("csrf", v)
	return v
}

// csrf refuses a form whose token does not match the cookie (double submit).
func (s *server) csrf(c *gin.Context) {
	cookie, err := c.Cookie(cookieCSRF)
	form := c.PostForm("csrf")
	if err != nil || cookie == "" || subtle.ConstantTimeCompare([]byte(cookie), []byte(form)) != 1 {
		c.String(http.StatusForbidden, t(s.lang(c), "csrf_expired"))
		c.Abort()
		return
	}
	c.Next()
}

func (s *server) lang(c *gin.Context) string {
	if v, err := c.Cookie(cookieLang); err == nil && (v == "cnr" || v == "en") {
		return v
	}
	return "cnr"
}

func (s *server) setLang(c *gin.Context) {
	l := c.PostForm("lang")
	if l != "cnr" && l != "en" {
		l = "cnr"
	}
	s.setCookie(c, cookieLang, l, 365*24*3600)
	if tok, err := c.Cookie(cookieSession); err == nil {
		if u, err := s.cfg.Verifier.Verify(c.Request.Context(), tok); err == nil && s.cfg.DB != nil {
			_ = s.cfg.DB.SetLanguage(c.Request.Context(), u.Username, l)
		}
	}
	back, ok := localPath(c.PostForm("back"))
	if !ok {
		back = "/"
	}
	c.Redirect(http.StatusSeeOther, back)
}

// ---- login (authorization code with PKCE)

func (s *server) endpoints(ctx context.Context) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.authorize != "" {
		return s.authorize, s.tokenURL, nil
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(s.cfg.Issuer, "/")+"/.well-known/openid-configuration", nil)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var d struct {
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || d.Authorization == "" {
		return "", "", fmt.Errorf("issuer discovery: %v", err)
	}
	s.authorize, s.tokenURL = d.Authorization, d.Token
	return s.authorize, s.tokenURL, nil
}

func callbackURL(c *gin.Context) string {
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host + "/auth/callback"
}

// localPath returns p if it is a path on this site: one leading "/", no
// "//" or "/\" at its start, no scheme or host, no backslash or control
// character, however often it is percent-decoded (a browser or a proxy may
// decode it again: /%252Fevil.example is //evil.example two decodings on).
func localPath(p string) (string, bool) {
	s := p
	for range 4 {
		if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsFunc(s, func(r rune) bool {
			return r == '\\' || r < 0x20 || r == 0x7f
		}) {
			return "", false
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
			return "", false
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return "", false
		}
		if d == s {
			return p, true
		}
		s = d
	}
	return "", false // still encoded after four decodings: nobody's page
}

func (s *server) login(c *gin.Context) {
	authz, _, err := s.endpoints(c.Request.Context())
	if err != nil {
		s.cfg.Log.Error("login: issuer discovery", "issuer", s.cfg.Issuer, "error", err)
		c.String(http.StatusServiceUnavailable, t(s.lang(c), "idp_down"))
		return
	}
	next, ok := localPath(c.Query("next"))
	if !ok {
		next = "/"
	}
	state, verifier := randomString(18), randomString(32)
	s.setCookie(c, cookieLogin, state+"|"+verifier+"|"+next, 600)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {s.cfg.ClientID}, "redirect_uri": {callbackURL(c)}, "scope": {"openid"},
		"state": {state}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	c.Redirect(http.StatusFound, authz+"?"+q.Encode())
}

func (s *server) callback(c *gin.Context) {
	v, err := c.Cookie(cookieLogin)
	parts := strings.SplitN(v, "|", 3)
	if err != nil || len(parts) != 3 || c.Query("state") != parts[0] || c.Query("code") == "" {
		c.String(http.StatusBadRequest, t(s.lang(c), "login_incomplete"))
		return
	}
	_, tokenURL, err := s.endpoints(c.Request.Context())
	if err != nil {
		c.String(http.StatusServiceUnavailable, t(s.lang(c), "idp_down"))
		return
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {c.Query("code")}, "redirect_uri": {callbackURL(c)},
		"client_id": {s.cfg.ClientID}, "code_verifier": {parts[1]}}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).PostForm(tokenURL, form)
	if err != nil {
		c.String(http.StatusServiceUnavailable, t(s.lang(c), "idp_down"))
		return
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		c.String(http.StatusUnauthorized, t(s.lang(c), "login_refused"))
		return
	}
	u, err := s.cfg.Verifier.Verify(c.Request.Context(), tok.AccessToken)
	if err != nil {
		s.cfg.Log.Warn("login: token refused", "error", err)
		c.String(http.StatusUnauthorized, t(s.lang(c), "login_refused"))
		return
	}
	next, ok := localPath(parts[2])
	if !ok {
		next = "/"
	}
	s.setCookie(c, cookieSession, tok.AccessToken, 8*3600)
	s.setCookie(c, cookieLogin, "", -1)
	if s.cfg.DB != nil {
		if l, err := s.cfg.DB.Language(c.Request.Context(), u.Username); err == nil && l != "" {
			s.setCookie(c, cookieLang, l, 365*24*3600)
		}
	}
	c.Redirect(http.StatusFound, next)
}

// logout ends the session here and on the server: the token is recorded
// as revoked, so that a copy of the cookie (or the token as a bearer) is
// refused from now on, by the pages and the API alike. When that cannot
// be recorded the cookie stays, so that the user can try again.
func (s *server) logout(c *gin.Context) {
	if tok, err := c.Cookie(cookieSession); err == nil && tok != "" {
		if _, err := s.cfg.Verifier.Verify(c.Request.Context(), tok); err == nil {
			if err := s.cfg.Verifier.Revoke(c.Request.Context(), tok); err != nil {
				s.cfg.Log.Error("logout not recorded", "error", err)
				c.String(http.StatusServiceUnavailable, t(s.lang(c), "logout_failed"))
				return
			}
		}
	}
	s.setCookie(c, cookieSession, "", -1)
	s.setCookie(c, cookieFlash, "", -1)
	c.Redirect(http.StatusSeeOther, "/login")
}

// ---- calling the API in-process

type apiResult struct {
	status int
	body   []byte
}

func (r apiResult) ok() bool { return r.status >= 200 && r.status < 300 }

// say is the API's refusal in the page's language (errors.go).
func (s *server) say(c *gin.Context, r apiResult) string { return sayError(s.lang(c), r) }

// message is the API's error message as the API wrote it (English).
func (r apiResult) message() string {
	var e struct {
		Error struct{ Message, Field string }
	}
	if json.Unmarshal(r.body, &e) == nil && e.Error.Message != "" {
		if e.Error.Field != "" {
			return e.Error.Field + ": " + e.Error.Message
		}
		return e.Error.Message
	}
	return http.StatusText(r.status)
}

func (s *server) call(c *gin.Context, method, path string, body any, contentType string) apiResult {
	var rdr io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rdr = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rdr = bytes.NewReader(j)
		contentType = "application/json"
	}
	req := httptest.NewRequest(method, path, rdr).WithContext(c.Request.Context())
	req.Header.Set("Authorization", "Bearer "+c.GetString("token"))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.cfg.API.ServeHTTP(rec, req)
	return apiResult{status: rec.Code, body: rec.Body.Bytes()}
}

func (s *server) getJSON(c *gin.Context, path string, into any) apiResult {
	r := s.call(c, http.MethodGet, path, nil, "")
	if r.ok() {
		_ = json.Unmarshal(r.body, into)
	}
	return r
}

// ---- rendering

func userOf(c *gin.Context) domain.User {
	u, _ := c.Get("user")
	usr, _ := u.(domain.User)
	return usr
}

func (s *server) render(c *gin.Context, status int, page string, data gin.H) {
	lang := s.lang(c)
	u := userOf(c)
	data["Lang"], data["Langs"] = lang, languages
	data["User"] = u
	data["IsSupervisor"] = u.Role.Acts(domain.RoleSupervisor)
	data["IsFinance"] = u.Role.Acts(domain.RoleFinanceOfficer)
	data["IsDV"] = u.Role.Acts(domain.RoleDVCaseworker)
	data["IsAgency"] = u.Role == domain.RoleEmploymentOfficer
	data["IsCentre"] = u.Role.Acts(domain.RoleCaseworker)
	deskData(c, data)
	data["CSRF"] = c.GetString("csrf")
	data["Path"] = c.Request.URL.RequestURI()
	data["Page"] = page
	if f, ok := readFlash(c); ok {
		// A refusal is marked (backError): shown as an error, announced at once.
		msg, isErr := strings.CutPrefix(f, flashErrorMark)
		data["Flash"], data["FlashError"] = msg, isErr
		s.setCookie(c, cookieFlash, "", -1)
	}
	tpl, ok := s.pages[page]
	if !ok {
		c.String(http.StatusInternalServerError, "no page "+page)
		return
	}
	tpl, err := tpl.Clone()
	if err == nil {
		tpl = tpl.Funcs(langFuncs(lang))
	}
	var buf bytes.Buffer
	if err == nil {
		err = tpl.ExecuteTemplate(&buf, page, data)
	}
	if err != nil {
		s.cfg.Log.Error("render page", "page", page, "error", err)
		c.String(http.StatusInternalServerError, t(lang, "page_failed"))
		return
	}
	c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self' "+s.cfg.Issuer)
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// langFuncs are the template functions that speak lang: the catalogue's
// words (t), fields' labels and choices, hints, purposes, and the codes the
// API gives said in words (enum, benefit, procedure, role, centre,
// municipality, staff).
func langFuncs(lang string) template.FuncMap {
	return template.FuncMap{"t": func(key string) string { return t(lang, key) },
		"label":        func(key string) string { return label(lang, "f.", key) },
		"opt":          func(v string) string { return label(lang, "o.", v) },
		"hint":         func(form, key, def string) string { return hint(lang, form, key, def) },
		"purpose":      func(code string) string { return purposeWords(lang, code) },
		"fieldlabel":   func(path string) string { return fieldLabel(lang, path) },
		"enum":         func(name string, code any) string { return enum(lang, name, str(code)) },
		"benefit":      func(code any) string { return benefitName(lang, str(code)) },
		"procedure":    func(code any) string { return procedureName(lang, str(code)) },
		"role":         func(code any) string { return roleName(lang, str(code)) },
		"centre":       func(id any) string { return centreName(str(id)) },
		"municipality": func(code any) string { return municipalityName(str(code)) },
		"staff":        func(username any) string { return staffName(lang, str(username)) },
		"tf":           func(key string, args ...any) string { return tf(lang, key, args...) },
		"tasksubject":  func(tk map[string]any) string { return taskSubject(lang, tk) },
		"fact":         func(v any) string { return factValue(lang, v) },
		"apimsg":       func(msg any) string { return sayMessage(lang, domain.CodeInvalid, "-", str(msg)) },
		"known":        func(msg any) string { return sayKnown(lang, str(msg)) },
		"caseevent":    func(ev map[string]any, decisions map[string]string) string { return caseEventLine(lang, ev, decisions) },
		"dvevent":      func(ev map[string]any) string { return dvEventLine(lang, ev) },
		"refevent":     func(ev map[string]any) string { return referralEventLine(lang, ev) },
		"monthname":    func(period any) string { return monthName(lang, str(period)) },
	}
}

// refused renders the API's refusal as a page, without any of the data.
func (s *server) refused(c *gin.Context, r apiResult) {
	key := "error"
	switch r.status {
	case http.StatusForbidden:
		key = "forbidden"
	case http.StatusNotFound:
		key = "not_found"
	}
	s.render(c, r.status, "message", gin.H{"Title": key, "Message": s.say(c, r)})
}

// afterAction answers a form the API has taken (or refused): back to path
// with the API's message, or, once done says the workflow has moved on
// (settle; nil: the API's answer already shows it), with "done".
func (s *server) afterAction(c *gin.Context, r apiResult, path string, done ready) {
	if !r.ok() {
		backError(c, path, s.say(c, r))
		return
	}
	s.settle(c, done)
	back(c, path, t(s.lang(c), "done"))
}

// pdf hands a document the API serves over to the browser.
func (s *server) pdf(c *gin.Context, apiPath, disposition string) {
	r := s.call(c, http.MethodGet, apiPath, nil, "")
	if !r.ok() {
		s.refused(c, r)
		return
	}
	c.Header("Content-Disposition", disposition)
	c.Data(http.StatusOK, "application/pdf", r.body)
}

// back answers a form: to path (a local one, else the home page), with msg
// shown once on the next page. The message travels in a cookie signed
// with a key only this session has, never in the URL: a link cannot put
// words into Karton's pages.
func back(c *gin.Context, path, msg string) {
	if p, ok := localPath(path); ok {
		path = p
	} else {
		path = "/"
	}
	if msg != "" && c.GetString("token") != "" {
		if len(msg) > 600 {
			msg = msg[:600]
		}
		writeCookie(c, cookieFlash, signFlash(c.GetString("token"), msg), 60, !c.GetBool(ctxInsecureCookies))
	}
	c.Redirect(http.StatusSeeOther, path)
}

// flashErrorMark starts a flash message that is a refusal.
const flashErrorMark = "\x00error\x00"

// backError is back with a refusal: the next page shows it as an error.
func backError(c *gin.Context, path, msg string) { back(c, path, flashErrorMark+msg) }

// signFlash is msg with its HMAC under a key derived from the session
// token: only Karton, answering this session, can make one.
func signFlash(token, msg string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + base64.RawURLEncoding.EncodeToString(flashMAC(token, msg))
}

func flashMAC(token, msg string) []byte {
	key := sha256.Sum256([]byte("karton flash\x00" + token))
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// readFlash returns the message of the flash cookie if this session signed it.
func readFlash(c *gin.Context) (string, bool) {
	v, err := c.Cookie(cookieFlash)
	tok := c.GetString("token")
	if err != nil || v == "" || tok == "" {
		return "", false
	}
	m, sig, ok := strings.Cut(v, ".")
	if !ok {
		return "", false
	}
	msg, err1 := base64.RawURLEncoding.DecodeString(m)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, flashMAC(tok, string(msg))) {
		return "", false
	}
	return string(msg), true
}

// multipartFile rebuilds an uploaded file as a multipart body for the API.
func multipartFile(c *gin.Context, field string, extra map[string]string) ([]byte, string, error) {
	fh, err := c.FormFile(field)
	if err != nil {
		return nil, "", err
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile("file", fh.Filename)
	if err != nil {
		return nil, "", err
	}
	if _, err := io.Copy(w, io.LimitReader(f, 10<<20)); err != nil {
		return nil, "", err
	}
	for k, v := range extra {
		_ = mw.WriteField(k, v)
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}
