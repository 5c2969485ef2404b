package issuer

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

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

// Two tokens for one user in the same second are two tokens: a logout
// revokes the one it ends, not a login made in the same second after it.
func TestTokensOfOneSecondDiffer(t *testing.T) {
	is, err := New("http://127.0.0.1:1", "")
	if err != nil {
		t.Fatal(err)
	}
	ana, _ := domain.DemoUser("ana.caseworker")
	for try := 0; try < 10; try++ {
		a, errA := is.Token(ana)
		b, errB := is.Token(ana)
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if issuedAt(t, a) != issuedAt(t, b) {
			continue // a second ended between them: try again
		}
		if a == b {
			t.Fatal("two tokens of ana.caseworker issued in the same second are the same token")
		}
		return
	}
	t.Fatal("no two tokens in the same second in ten tries")
}

func issuedAt(t *testing.T, raw string) float64 {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(raw, claims); err != nil {
		t.Fatal(err)
	}
	iat, _ := claims["iat"].(float64)
	return iat
}
