package api

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/karton-social/karton/domain"
)

// Verifier checks OIDC access tokens (JWT, RS256) against the issuer's
// published keys (JWKS), its identifier and the audience, with a clock
// skew allowance. Keys are fetched on first use and again when a token
// names a key not seen yet (the issuer rotated), at most every 10 s.
type Verifier struct {
	Issuer   string
	Audience string
	JWKSURL  string // empty: discovered from Issuer/.well-known/openid-configuration
	Skew     time.Duration
	HTTP     *http.Client

	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	fetched time.Time
}

// Claim names Karton reads from a token besides the standard ones.
const (
	claimRole   = "karton_role"
	claimCentre = "karton_centre"
	claimJMBG   = "karton_jmbg"
)

// Verify returns the user a valid token speaks for.
func (v *Verifier) Verify(ctx context.Context, raw string) (domain.User, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return v.key(ctx, kid)
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(v.Issuer), jwt.WithAudience(v.Audience),
		jwt.WithLeeway(v.Skew), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		return domain.User{}, fmt.Errorf("invalid token: %w", err)
	}
	str := func(k string) string { s, _ := claims[k].(string); return s }
	u := domain.User{Username: str("sub"), Name: str("name"), Role: domain.Role(str(claimRole)), CentreID: str(claimCentre),
		JMBG: domain.JMBG(str(claimJMBG)), Machine: str("client_id") != ""}
	if u.Username == "" || u.Role == "" {
		return domain.User{}, errors.New("invalid token: no subject or role")
	}
	if u.CentreID != "" {
		if _, ok := centreByID(u.CentreID); !ok {
			return domain.User{}, fmt.Errorf("invalid token: unknown centre %q", u.CentreID)
		}
	}
	if u.Role == domain.RoleCitizen {
		if _, _, err := domain.ParseJMBG(string(u.JMBG)); err != nil {
			return domain.User{}, errors.New("invalid token: a citizen's token carries no valid JMBG")
		}
	}
	return u, nil
}

func centreByID(id string) (domain.Centre, bool) {
	for _, c := range domain.Centres() {
		if c.ID == id {
			return c, true
		}
	}
	return domain.Centre{}, false
}

func (v *Verifier) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.keys[kid]; ok {
		return k, nil
	}
	if time.Since(v.fetched) < 10*time.Second && v.keys != nil {
		return nil, fmt.Errorf("unknown signing key %q", kid)
	}
	keys, err := v.fetchKeys(ctx)
	v.fetched = time.Now()
	if err != nil {
		return nil, err
	}
	v.keys = keys
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("unknown signing key %q", kid)
}

func (v *Verifier) getJSON(ctx context.Context, url string, out any) error {
	hc := v.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch %s: %s", url, resp.Status)
	}
	return json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(out)
}

func (v *Verifier) fetchKeys(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	url := v.JWKSURL
	if url == "" {
		var disc struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if err := v.getJSON(ctx, strings.TrimSuffix(v.Issuer, "/")+"/.well-known/openid-configuration", &disc); err != nil {
			return nil, err
		}
		url = disc.JWKSURI
	}
	var set struct {
		Keys []struct{ Kty, Kid, N, E, Use string } `json:"keys"`
	}
	if err := v.getJSON(ctx, url, &set); err != nil {
		return nil, err
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil {
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, nil
}
