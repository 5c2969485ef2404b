package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack/issuer"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestLocalPath(t *testing.T) {
	for _, tt := range []struct {
		next string
		ok   bool
	}{
		{"/", true},
		{"/inbox", true},
		{"/claims/new?person=abc&q=Marko%20Markovi%C4%87", true},
		{"/cases/2026-000001", true},
		{"", false},
		{"inbox", false},
		{"//evil.example", false},
		{"/%2Fevil.example", false},
		{"/%252Fevil.example", false},
		{"/%25252Fevil.example", false},
		{"/\\evil.example", false},
		{"/%5Cevil.example", false},
		{"/%255Cevil.example", false},
		{"https://evil.example/", false},
		{"/\t/evil.example", false},
		{"/%09/evil.example", false},
		{"/%zz", false},
	} {
		if got, ok := localPath(tt.next); ok != tt.ok || (ok && got != tt.next) {
			t.Errorf("localPath(%q) = %q, %v; want ok=%v", tt.next, got, ok, tt.ok)
		}
	}
}

// site is the pages and the API over a fresh database, logging in at a
// development issuer.
type site struct {
	ts       *httptest.Server
	its      *httptest.Server
	iss      *issuer.Issuer
	verifier *api.Verifier
	db       *store.DB
}

func newSite(t *testing.T, insecure bool) site {
	t.Helper()
	db := storetest.NewDB(t)
	s := site{db: db}
	s.its = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.iss.ServeHTTP(w, r) }))
	t.Cleanup(s.its.Close)
	var err error
	if s.iss, err = issuer.New(s.its.URL, ""); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s.verifier = &api.Verifier{Issuer: s.its.URL, Audience: issuer.Audience, Skew: time.Minute, Revocations: db, Log: log}
	engine := api.New(api.Deps{DB: db, Log: log, Verifier: s.verifier})
	if err := Register(engine, Config{API: engine, Issuer: s.its.URL, ClientID: issuer.WebClientID, Verifier: s.verifier, DB: db, Log: log,
		InsecureCookies: insecure}); err != nil {
		t.Fatal(err)
	}
	s.ts = httptest.NewServer(engine)
	t.Cleanup(s.ts.Close)
	return s
}

// browser keeps cookies by hand (a cookie jar would hold back Secure ones
// over http) and follows no redirect.
type browser struct {
	t       *testing.T
	cookies map[string]*http.Cookie
}

func (b *browser) do(method, u string, form url.Values) *http.Response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return resp
}

func (b *browser) page(method, u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp := b.do(method, u, form)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// login goes through /login?next=, the issuer's demo-user picker and the
// callback; it returns where the callback sends the browser.
func (s site) login(t *testing.T, username, next string) (*browser, string) {
	t.Helper()
	b := &browser{t: t, cookies: map[string]*http.Cookie{}}
	resp, _ := b.page("GET", s.ts.URL+"/login?next="+next, nil)
	authz, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("GET /login = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	form := authz.Query()
	form.Set("username", username)
	resp, _ = b.page("POST", s.its.URL+"/authorize", form)
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("the issuer's login = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.page("GET", back.String(), nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET /auth/callback = %d %s", resp.StatusCode, body)
	}
	return b, resp.Header.Get("Location")
}

// After the login the browser goes to a page of Karton, never elsewhere,
// however next is encoded; the callback checks again what the login
// cookie says.
func TestLoginGoesOnlyToKartonsPages(t *testing.T) {
	s := newSite(t, true)
	for next, want := range map[string]string{
		"/%252Fevil.example":                  "/",
		url.QueryEscape("/%252Fevil.example"): "/",
		"//evil.example":                      "/",
		url.QueryEscape("/\\evil.example"):    "/",
		"https://evil.example":                "/",
		url.QueryEscape("/claims/new"):        "/claims/new",
	} {
		if _, got := s.login(t, "ana.caseworker", next); got != want {
			t.Errorf("login with next=%s sends the browser to %q; want %q", next, got, want)
		}
	}
	// A login cookie that names another site (set before this check, or
	// by a neighbour) is not followed either.
	b := &browser{t: t, cookies: map[string]*http.Cookie{}}
	resp, _ := b.page("GET", s.ts.URL+"/login", nil)
	authz, _ := url.Parse(resp.Header.Get("Location"))
	state, verifier, _ := strings.Cut(b.cookies[cookieLogin].Value, "|")
	verifier, _, _ = strings.Cut(verifier, "|")
	b.cookies[cookieLogin].Value = state + "|" + verifier + "|/%2Fevil.example"
	form := authz.Query()
	form.Set("username", "ana.caseworker")
	resp, _ = b.page("POST", s.its.URL+"/authorize", form)
	resp, _ = b.page("GET", resp.Header.Get("Location"), nil)
	if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || got != "/" {
		t.Errorf("callback with a login cookie naming /%%2Fevil.example = %d %q; want 302 to /", resp.StatusCode, got)
	}
}

// The cookies are Secure unless karton dev says it serves plain http.
func TestCookiesAreSecure(t *testing.T) {
	for _, insecure := range []bool{false, true} {
		s := newSite(t, insecure)
		b, _ := s.login(t, "ana.caseworker", "/inbox")
		b.page("GET", s.ts.URL+"/inbox", nil)
		for _, name := range []string{cookieSession, cookieCSRF} {
			c, ok := b.cookies[name]
			if !ok || c.Secure == insecure || !c.HttpOnly {
				t.Errorf("InsecureCookies=%v: cookie %s = %+v; want HttpOnly, Secure %v", insecure, name, c, !insecure)
			}
		}
	}
}

// Logging out revokes the session's token: the old cookie, or the token
// as a bearer, is refused from then on.
// Both with the revoked tokens read from the table and with them kept in
// memory, as the API keeps them while it serves.
func TestLogoutRevokesTheSession(t *testing.T) {
	t.Run("table", func(t *testing.T) { logoutRevokes(t, false) })
	t.Run("memory", func(t *testing.T) { logoutRevokes(t, true) })
}

func logoutRevokes(t *testing.T, watch bool) {
	s := newSite(t, true)
	if watch {
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); s.db.WatchRevocations(ctx) }()
		t.Cleanup(func() { stop(); <-done })
		for deadline := time.Now().Add(5 * time.Second); !s.db.RevocationsInMemory(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the revoked tokens are not in memory after 5 s")
			}
		}
	}
	b, _ := s.login(t, "ana.caseworker", "/inbox")
	if resp, body := b.page("GET", s.ts.URL+"/inbox", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /inbox = %d %s", resp.StatusCode, body)
	}
	stolen := *b.cookies[cookieSession]
	resp, _ := b.page("POST", s.ts.URL+"/logout", url.Values{"csrf": {b.cookies[cookieCSRF].Value}})
	if resp.StatusCode != http.StatusSeeOther || b.cookies[cookieSession] != nil {
		t.Fatalf("POST /logout = %d, session cookie %v; want 303 and the cookie gone", resp.StatusCode, b.cookies[cookieSession])
	}
	b.cookies[cookieSession] = &stolen
	if resp, _ := b.page("GET", s.ts.URL+"/inbox", nil); resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("GET /inbox with the logged-out cookie = %d %s; want 302 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	req, _ := http.NewRequest("GET", s.ts.URL+"/api/v1/tasks", nil)
	req.Header.Set("Authorization", "Bearer "+stolen.Value)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the logged-out token as a bearer = %v %v; want 401", resp.StatusCode, err)
	}
	// Logging in again at once is a new session, not the revoked one.
	again, _ := s.login(t, "ana.caseworker", "/inbox")
	if resp, body := again.page("GET", s.ts.URL+"/inbox", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /inbox after logging in again = %d %.300s", resp.StatusCode, body)
	}
}

// Only Karton's own messages appear on its pages: ?msg= is not shown; a
// form's answer comes back in a cookie signed for this session.
func TestPagesShowOnlyKartonsMessages(t *testing.T) {
	s := newSite(t, true)
	b, _ := s.login(t, "ana.caseworker", "/inbox")
	lie := "Your account is locked: call +382 20 000 000"
	if _, body := b.page("GET", s.ts.URL+"/inbox?msg="+url.QueryEscape(lie), nil); strings.Contains(body, "account is locked") {
		t.Errorf("GET /inbox?msg= shows the text of the link")
	}
	person := "/persons/00000000-0000-0000-0000-000000000000"
	resp, _ := b.page("POST", s.ts.URL+person+"/refresh", url.Values{"csrf": {b.cookies[cookieCSRF].Value}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != person || b.cookies[cookieFlash] == nil {
		t.Fatalf("POST refresh of an unknown person = %d %q, flash %v; want 303 to %s with a flash cookie", resp.StatusCode, loc, b.cookies[cookieFlash], person)
	}
	flash := *b.cookies[cookieFlash]
	if _, body := b.page("GET", s.ts.URL+person, nil); !strings.Contains(body, `id="flash"`) || !strings.Contains(body, "nije pronađeno") { // the API's "not found", said in the page's language
		t.Errorf("the page after the refused form does not show the API's answer: %s", body)
	}
	if _, body := b.page("GET", s.ts.URL+person, nil); strings.Contains(body, `id="flash"`) {
		t.Error("the message is shown a second time")
	}
	// A cookie made by anyone but this session is not shown.
	other, _ := s.login(t, "ivan.caseworker", "/inbox")
	other.cookies[cookieFlash] = &flash
	if _, body := other.page("GET", s.ts.URL+person, nil); strings.Contains(body, `id="flash"`) {
		t.Error("another session's flash cookie is shown")
	}
	b.cookies[cookieFlash] = &http.Cookie{Name: cookieFlash, Value: signFlash("not-the-session", lie)}
	if _, body := b.page("GET", s.ts.URL+"/inbox", nil); strings.Contains(body, "account is locked") {
		t.Error("a flash cookie signed with another key is shown")
	}
}

// The pages show an audit record's purpose code in words.
func TestPurposeWords(t *testing.T) {
	for code, want := range map[string]string{"e_file": "e-file", "inspection": "inspection", "case:2026-000001": "work on case 2026-000001",
		"search by JMBG": "search by JMBG"} {
		if got := purposeWords("en", code); got != want {
			t.Errorf("purposeWords(en, %q) = %q; want %q", code, got, want)
		}
	}
	for _, rt := range api.Routes() {
		for _, p := range rt.Purposes() {
			if p == api.PurposeCase {
				continue
			}
			if _, ok := messages["purpose."+p]; !ok {
				t.Errorf("purpose %q of %s %s has no words in the catalogue", p, rt.Method, rt.Path)
			}
		}
	}
}
