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
	"math/big"
	"net/http"
	"os"
	"path/filepath"
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
}

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
	return &Issuer{URL: url, key: key, kid: hex.EncodeToString(sum[:8]), TokenTTL: 8 * time.Hour}, nil
}

// Token signs an access token for user.
func (is *Issuer) Token(u domain.User) (string, error) {
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": is.URL, "sub": u.Username, "aud": Audience,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(is.TokenTTL).Unix(),
		"name": u.Name, "karton_role": string(u.Role),
	}
	if u.CentreID != "" {
		claims["karton_centre"] = u.CentreID
	}
	if u.JMBG != "" {
		claims["karton_jmbg"] = string(u.JMBG)
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
			"grant_types_supported":                 []string{"client_credentials"},
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
		is.serveToken(w, r)
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
	if r.PostForm.Get("grant_type") != "client_credentials" {
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
