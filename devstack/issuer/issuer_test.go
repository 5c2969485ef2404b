package issuer

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/karton-social/karton/domain"
)

// A refused issuer grants nothing (a demo user's token, the demo-user
// login, client credentials) and says why; its keys stay published.
func TestRefusedIssuerGrantsNoTokens(t *testing.T) {
	var is *Issuer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { is.ServeHTTP(w, r) }))
	defer srv.Close()
	var err error
	if is, err = New(srv.URL, ""); err != nil {
		t.Fatal(err)
	}
	admin, _ := domain.DemoUser("admin")
	authorize := srv.URL + "/authorize?" + url.Values{"client_id": {WebClientID}, "response_type": {"code"}, "code_challenge_method": {"S256"},
		"code_challenge": {"abc"}, "redirect_uri": {"http://127.0.0.1:1/auth/callback"}, "state": {"s"}}.Encode()
	credentials := url.Values{"grant_type": {"client_credentials"}, "client_id": {"police-system"}, "client_secret": {ClientSecret("police-system")}}
	check := func(when string, want int) {
		t.Helper()
		if _, err := is.Token(admin); (err == nil) != (want == http.StatusOK) {
			t.Errorf("%s: Token(admin) error = %v", when, err)
		}
		resp, err := http.Get(authorize)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: GET /authorize (the demo-user picker) = %d; want %d", when, resp.StatusCode, want)
		}
		resp, err = http.PostForm(srv.URL+"/token", credentials)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: client credentials = %d; want %d", when, resp.StatusCode, want)
		}
		resp, err = http.Get(srv.URL + "/jwks")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: GET /jwks = %d; want 200", when, resp.StatusCode)
		}
	}
	check("before Refuse", http.StatusOK)
	is.Refuse("DATABASE_URL is set")
	check("after Refuse", http.StatusForbidden)
	if _, err := is.Token(admin); domain.ErrorCode(err) != domain.CodeForbidden || !strings.Contains(err.Error(), "DATABASE_URL is set") {
		t.Errorf("Token after Refuse = %v; want a forbidden error saying why", err)
	}
}
