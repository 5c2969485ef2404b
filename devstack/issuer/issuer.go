// Package issuer is `karton dev`'s development OpenID Connect issuer: it
// signs access tokens (RS256) for the demo users and clients, publishes its
// keys as JWKS and its discovery document, and grants tokens to machine
// clients by OAuth2 client credentials. Karton's API verifies its tokens
// exactly as it verifies a ministry's Keycloak or national ID provider.
// It exists only in development; production points Karton at a real issuer.
package issuer

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/karton-social/karton/domain"
)

// Audience is the audience the development issuer puts in its tokens.
const Audience = "karton"

// Issuer signs tokens for the demo users.
type Issuer struct {
	URL      string // the issuer identifier (iss)
	key      *rsa.PrivateKey
	kid      string
	TokenTTL time.Duration

	mu      sync.Mutex
	codes   map[string]grant // authorization codes, single use, short-lived
	refusal string           // non-empty: no tokens, and why
}

// Refuse stops the issuer from granting any token (POST /dev/token, the
// demo-user login, client credentials), saying why: karton dev refuses
// when a service is not its own, so that development tokens never reach
// real data. Discovery and the keys stay published.
func (is *Issuer) Refuse(why string) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.refusal = why
}

func (is *Issuer) refused() string {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.refusal
}

// grant is an authorization code waiting to be exchanged.
type grant struct {
	user      domain.User
	redirect  string
	challenge string
	expires   time.Time
}

// WebClientID is the browser client of the development issuer (public,
// authorization code with PKCE).
const WebClientID = "karton-web"

// New loads the signing key from keyFile, or creates it there, so that
// tokens stay valid across restarts. An empty keyFile keeps the key in memory.
func New(url, keyFile string) (*Issuer, error) {
	var key *rsa.PrivateKey
	if keyFile != "" {
		if b, err := os.ReadFile(keyFile); err == nil {
			block, _ := pem.Decode(b)
			if block == nil {
				return nil, fmt.Errorf("%s is not a PEM key", keyFile)
			}
			if key, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
				return nil, fmt.Errorf("parse %s: %w", keyFile, err)
			}
		}
	}
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, err
		}
		if keyFile != "" {
			if err := os.MkdirAll(filepath.Dir(keyFile), 0o755); err != nil {
				return nil, err
			}
			pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
			if err := os.WriteFile(keyFile, pemBytes, 0o600); err != nil {
				return nil, err
			}
		}
	}
	sum := sha256.Sum256(key.PublicKey.N.Bytes())
	return &Issuer{URL: url, key: key, kid: hex.EncodeToString(sum[:8]), TokenTTL: 8 * time.Hour, codes: map[string]grant{}}, nil
}

// Token signs an access token for user. Returns CodeForbidden after Refuse.
func (is *Issuer) Token(u domain.User) (string, error) {
	if why := is.refused(); why != "" {
		return "", domain.Errorf(domain.CodeForbidden, "the development issuer grants no tokens: %s", why)
	}
	now := time.Now()
	// jti makes each token its own: without it two logins of one user in
	// the same second got the same token, and a logout in between revoked
	// the second login before it began (the web's callback refused it).
	claims := jwt.MapClaims{
		"iss": is.URL, "sub": u.Username, "aud": Audience, "jti": rand.Text(),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(is.TokenTTL).Unix(),
		"name": u.Name, "karton_role": string(u.Role),
	}
	if u.CentreID != "" {
		claims["karton_centre"] = u.CentreID
	}
	if u.JMBG != "" {
		claims["karton_jmbg"] = string(u.JMBG)
	}
	if u.PIB != "" {
		claims["karton_pib"] = string(u.PIB)
	}
	if u.InstitutionID != "" {
		claims["karton_institution"] = u.InstitutionID
	}
	if u.Machine {
		claims["client_id"] = u.Username
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = is.kid
	return t.SignedString(is.key)
}

// ClientSecret is the development secret of a machine client (printed at start).
func ClientSecret(clientID string) string { return "dev-secret-" + clientID }

// ServeHTTP serves discovery, the JWKS and the token endpoint.
func (is *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer": is.URL, "jwks_uri": is.URL + "/jwks", "token_endpoint": is.URL + "/token",
			"authorization_endpoint":                is.URL + "/authorize",
			"grant_types_supported":                 []string{"client_credentials", "authorization_code"},
			"code_challenge_methods_supported":      []string{"S256"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	case "/jwks":
		pub := is.key.PublicKey
		writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "alg": "RS256", "use": "sig", "kid": is.kid,
			"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		}}})
	case "/token":
		if why := is.refused(); why != "" {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "access_denied", "error_description": "the development issuer grants no tokens: " + why})
			return
		}
		is.serveToken(w, r)
	case "/authorize":
		if why := is.refused(); why != "" {
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "The development login is switched off: "+why, http.StatusForbidden)
			return
		}
		is.serveAuthorize(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found"})
	}
}

// serveToken grants client credentials (RFC 6749 §4.4) to the demo machine clients.
func (is *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<14)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
	case "authorization_code":
		is.exchangeCode(w, r)
		return
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	u, err := client(id, secret)
	if err != nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	tok, err := is.Token(u)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(is.TokenTTL.Seconds())})
}

func client(id, secret string) (domain.User, error) {
	u, ok := domain.DemoUser(id)
	if !ok || !u.Machine || secret != ClientSecret(id) {
		return domain.User{}, errors.New("invalid client")
	}
	return u, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// serveAuthorize is the development login: a page that lists the demo
// users (GET), and the choice of one (POST), which sends the browser back
// to the client with a single-use code (RFC 6749 §4.1, PKCE S256).
func (is *Issuer) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	q := r.Form
	redirect, state, challenge := q.Get("redirect_uri"), q.Get("state"), q.Get("code_challenge")
	if q.Get("client_id") != WebClientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || challenge == "" {
		http.Error(w, "unknown client, or not response_type=code with PKCE S256", http.StatusBadRequest)
		return
	}
	u, err := url.Parse(redirect)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") || u.Path != "/auth/callback" {
		http.Error(w, "redirect_uri must be http://127.0.0.1:<port>/auth/callback (development issuer)", http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = pickerPage.Execute(w, map[string]any{"Users": domain.DemoUsers(), "Redirect": redirect, "State": state, "Challenge": challenge, "Client": WebClientID})
		return
	}
	user, ok := domain.DemoUser(q.Get("username"))
	if !ok || user.Machine {
		http.Error(w, "pick a demo user", http.StatusBadRequest)
		return
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	code := base64.RawURLEncoding.EncodeToString(b[:])
	is.mu.Lock()
	for c, g := range is.codes {
		if time.Now().After(g.expires) {
			delete(is.codes, c)
		}
	}
	is.codes[code] = grant{user: user, redirect: redirect, challenge: challenge, expires: time.Now().Add(time.Minute)}
	is.mu.Unlock()
	v := url.Values{"code": {code}, "state": {state}}
	http.Redirect(w, r, redirect+"?"+v.Encode(), http.StatusFound)
}

func (is *Issuer) exchangeCode(w http.ResponseWriter, r *http.Request) {
	code := r.PostForm.Get("code")
	is.mu.Lock()
	g, ok := is.codes[code]
	delete(is.codes, code)
	is.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !ok || time.Now().After(g.expires) || g.redirect != r.PostForm.Get("redirect_uri") || r.PostForm.Get("client_id") != WebClientID ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	tok, err := is.Token(g.user)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(is.TokenTTL.Seconds())})
}

var pickerPage = template.Must(template.New("picker").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Karton development login</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
button{display:block;width:100%;text-align:left;margin:.3rem 0;padding:.6rem .8rem;font-size:1rem;border:1px solid #5a5a5a;border-radius:.3rem;background:#fff;cursor:pointer}
button:hover,button:focus{background:#e8f0fe;outline:3px solid #1a56c4}</style></head>
<body><h1>Karton: development login</h1>
<p>This issuer exists only in <code>karton dev</code>. Pick a demo user to sign in as.</p>
<form method="post"><input type="hidden" name="client_id" value="{{.Client}}"><input type="hidden" name="response_type" value="code">
<input type="hidden" name="redirect_uri" value="{{.Redirect}}"><input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="code_challenge" value="{{.Challenge}}"><input type="hidden" name="code_challenge_method" value="S256">
{{range .Users}}{{if not .Machine}}<button type="submit" name="username" value="{{.Username}}" id="user-{{.Username}}">{{.Name}} <small>({{.Username}}: {{.Role}}{{if .CentreID}}, {{.CentreID}}{{end}})</small></button>{{end}}{{end}}
</form></body></html>`))
