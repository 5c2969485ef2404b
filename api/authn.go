package api

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// Verifier checks OIDC access tokens (JWT, RS256) against the issuer's
// published keys (JWKS), its identifier and the audience, with a clock
// skew allowance, and against the logouts recorded in Revocations.
//
// Keys are fetched on first use and again when a token names a key not
// seen yet (the issuer rotated), at most every 10 s. One request fetches
// while the others wait for it (a token of a key already known never
// waits); the fetch runs outside the lock. After a failed fetch the next
// one waits 1 s, then 2 s, 4 s ... up to a minute, so that an issuer that
// is down is not hammered by every request; meanwhile the keys already
// known keep working. A failed fetch is logged once, with its detail;
// Verify's errors are for the log, never for the caller.
type Verifier struct {
	Issuer   string
	Audience string
	JWKSURL  string // empty: discovered from Issuer/.well-known/openid-configuration
	Skew     time.Duration
	HTTP     *http.Client
	// Revocations holds the tokens revoked by a logout; nil checks none.
	Revocations *store.DB
	// Log gets a failed key fetch, once per attempt; nil: slog.Default().
	Log *slog.Logger

	now func() time.Time // tests move the clock

	mu       sync.Mutex
	keys     map[string]*rsa.PublicKey
	fetched  time.Time     // the last successful fetch
	fetching chan struct{} // closed when the fetch under way ends; nil when none is
	failures int           // failed fetches in a row
	retryAt  time.Time     // no fetch before this, after a failure

	// checked remembers the tokens whose signature and claims were
	// checked, by their SHA-256, so that the same token on its next request
	// is not parsed and its RS256 signature not verified again (13% of the
	// API's CPU on a list at 500 requests/s, issue 24). An entry serves only
	// while its token has not expired (with Skew) and the key that signed
	// it is still among the issuer's; revocation is read every time.
	checked map[[sha256.Size]byte]checkedToken
}

// checkedToken is a token whose signature and claims were checked.
type checkedToken struct {
	user domain.User
	exp  time.Time
	kid  string
	key  *rsa.PublicKey
}

// unexpired reports whether the token is still within its expiry and the
// skew allowed for clocks at now.
func (t checkedToken) unexpired(now time.Time, skew time.Duration) bool {
	return now.Before(t.exp.Add(skew))
}

// maxChecked bounds the remembered tokens; when full, the expired ones are
// dropped, or all if none is.
const maxChecked = 10000

// ErrKeysUnavailable is why a token of an unknown key is refused while the
// issuer's keys cannot be fetched.
var ErrKeysUnavailable = errors.New("the issuer's signing keys are unavailable")

// errRevocationUnknown: whether the token was logged out could not be
// checked (the database is down); the token is not accepted meanwhile.
var errRevocationUnknown = errors.New("check token revocation")

// RefusedToken is the one message a caller gets for any token Karton
// refuses: the reason goes to the log, not to whoever sent the token.
const RefusedToken = "invalid or expired access token"

// Claim names Karton reads from a token besides the standard ones.
const (
	claimRole   = "karton_role"
	claimCentre = "karton_centre"
	claimJMBG   = "karton_jmbg"
	claimPIB    = "karton_pib" // the company an employer acts for (issue 18)
	// claimInstitution is the residential institution an institution's
	// staff member works in (issue 22).
	claimInstitution = "karton_institution"
)

// Verify returns the user a valid token speaks for. Its errors explain
// the refusal for the log; show callers RefusedToken instead.
func (v *Verifier) Verify(ctx context.Context, raw string) (domain.User, error) {
	u, _, err := v.verify(ctx, raw)
	return u, err
}

// Revoke records a valid token as logged out: from now on Verify refuses
// it, here and in every other instance sharing the database, until it
// would have expired anyway.
func (v *Verifier) Revoke(ctx context.Context, raw string) error {
	_, exp, err := v.verify(ctx, raw)
	if err != nil {
		return err
	}
	if v.Revocations == nil {
		return errors.New("revoke token: no revocation list")
	}
	hash := tokenHash(raw)
	return v.Revocations.RevokeToken(ctx, hash[:], exp)
}

func tokenHash(raw string) [sha256.Size]byte {
	return sha256.Sum256([]byte(raw))
}

func (v *Verifier) verify(ctx context.Context, raw string) (domain.User, time.Time, error) {
	hash := tokenHash(raw)
	tok, ok := v.recall(hash)
	if !ok {
		var err error
		if tok, err = v.check(ctx, raw); err != nil {
			return domain.User{}, time.Time{}, err
		}
		v.remember(hash, tok)
	}
	if v.Revocations != nil {
		revoked, err := v.Revocations.TokenRevoked(ctx, hash[:])
		if err != nil {
			return domain.User{}, time.Time{}, fmt.Errorf("%w: %w", errRevocationUnknown, err)
		}
		if revoked {
			return domain.User{}, time.Time{}, errors.New("invalid token: revoked by a logout")
		}
	}
	return tok.user, tok.exp, nil
}

// recall returns the token checked before, while it is still valid and
// its key still the issuer's.
func (v *Verifier) recall(hash [sha256.Size]byte) (checkedToken, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	tok, ok := v.checked[hash]
	if !ok || !tok.unexpired(v.clock(), v.Skew) || v.keys[tok.kid] != tok.key {
		return checkedToken{}, false
	}
	return tok, true
}

func (v *Verifier) remember(hash [sha256.Size]byte, tok checkedToken) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.checked) >= maxChecked {
		now := v.clock()
		for h, t := range v.checked {
			if !t.unexpired(now, v.Skew) {
				delete(v.checked, h)
			}
		}
		if len(v.checked) >= maxChecked {
			clear(v.checked)
		}
	}
	if v.checked == nil {
		v.checked = map[[sha256.Size]byte]checkedToken{}
	}
	v.checked[hash] = tok
}

// check parses raw and checks its signature and claims.
func (v *Verifier) check(ctx context.Context, raw string) (checkedToken, error) {
	var tok checkedToken
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		tok.kid, _ = t.Header["kid"].(string)
		k, err := v.key(ctx, tok.kid)
		tok.key = k
		return k, err
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(v.Issuer), jwt.WithAudience(v.Audience),
		jwt.WithLeeway(v.Skew), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(v.clock))
	if err != nil {
		return tok, fmt.Errorf("invalid token: %w", err)
	}
	u, exp, err := tokenUser(claims)
	tok.user, tok.exp = u, exp
	return tok, err
}

// tokenUser reads the user and the expiry from a token's checked claims.
func tokenUser(claims jwt.MapClaims) (domain.User, time.Time, error) {
	str := func(k string) string { s, _ := claims[k].(string); return s }
	u := domain.User{Username: str("sub"), Name: str("name"), Role: domain.Role(str(claimRole)), CentreID: str(claimCentre),
		JMBG: domain.JMBG(str(claimJMBG)), Machine: str("client_id") != "", PIB: domain.PIB(str(claimPIB)),
		InstitutionID: str(claimInstitution)}
	if u.Username == "" || u.Role == "" {
		return domain.User{}, time.Time{}, errors.New("invalid token: no subject or role")
	}
	if u.CentreID != "" {
		if _, ok := centreByID(u.CentreID); !ok {
			return domain.User{}, time.Time{}, fmt.Errorf("invalid token: unknown centre %q", u.CentreID)
		}
	}
	if u.Role == domain.RoleCitizen {
		if _, _, err := domain.ParseJMBG(string(u.JMBG)); err != nil {
			return domain.User{}, time.Time{}, errors.New("invalid token: a citizen's token carries no valid JMBG")
		}
	}
	if u.Role == domain.RoleEmployer {
		if _, err := domain.ParsePIB(string(u.PIB)); err != nil {
			return domain.User{}, time.Time{}, errors.New("invalid token: an employer's token carries no valid PIB")
		}
	}
	if u.Role.Institution() != (u.InstitutionID != "") {
		return domain.User{}, time.Time{}, errors.New("invalid token: an institution's staff member's token, and only theirs, names their institution")
	}
	if u.Role == domain.RoleProviderMaintainer {
		if _, err := domain.ParsePIB(string(u.PIB)); err != nil {
			return domain.User{}, time.Time{}, errors.New("invalid token: a provider maintainer's token carries no valid PIB")
		}
	}
	if u.Role == domain.RoleProviderStaff {
		if _, err := domain.ParsePIB(string(u.PIB)); err != nil {
			return domain.User{}, time.Time{}, errors.New("invalid token: a provider's staff member's token carries no valid PIB")
		}
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return domain.User{}, time.Time{}, errors.New("invalid token: no expiry")
	}
	return u, exp.Time, nil
}

func centreByID(id string) (domain.Centre, bool) {
	for _, c := range domain.Centres() {
		if c.ID == id {
			return c, true
		}
	}
	return domain.Centre{}, false
}

func (v *Verifier) clock() time.Time {
	if v.now != nil {
		return v.now()
	}
	return time.Now()
}

// key returns the signing key kid. Known keys answer at once; for an
// unknown one the caller fetches the issuer's keys (outside the lock) or,
// when another request already does, waits for that fetch.
func (v *Verifier) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	waited := false
	for {
		v.mu.Lock()
		if k, ok := v.keys[kid]; ok {
			v.mu.Unlock()
			return k, nil
		}
		if wait := v.fetching; wait != nil {
			v.mu.Unlock()
			if waited {
				return nil, fmt.Errorf("unknown signing key %q", kid)
			}
			select {
			case <-wait:
				waited = true
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		now := v.clock()
		switch {
		case waited && v.failures > 0:
			v.mu.Unlock()
			return nil, fmt.Errorf("signing key %q: %w", kid, ErrKeysUnavailable)
		case waited:
			// The fetch this request waited for did not bring the key.
		case now.Before(v.retryAt):
			v.mu.Unlock()
			return nil, fmt.Errorf("signing key %q: %w (next attempt in %s)", kid, ErrKeysUnavailable, v.retryAt.Sub(now).Round(time.Second))
		case v.keys != nil && now.Sub(v.fetched) < 10*time.Second:
		default:
			done := make(chan struct{})
			v.fetching = done
			v.mu.Unlock()
			v.refresh(ctx, done)
			waited = true
			continue
		}
		v.mu.Unlock()
		return nil, fmt.Errorf("unknown signing key %q", kid)
	}
}

// refresh fetches the keys and ends the fetch under way (done). The fetch
// is not cancelled with the request that happens to run it: others wait
// for it too.
func (v *Verifier) refresh(ctx context.Context, done chan struct{}) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	keys, err := v.fetchKeys(fctx)
	v.mu.Lock()
	defer v.mu.Unlock()
	defer close(done)
	v.fetching = nil
	now := v.clock()
	if err != nil {
		v.failures++
		backoff := min(time.Second<<min(v.failures-1, 6), time.Minute)
		v.retryAt = now.Add(backoff)
		log := v.Log
		if log == nil {
			log = slog.Default()
		}
		log.Warn("oidc signing keys not fetched", "issuer", v.Issuer, "failures", v.failures, "retry_in", backoff.String(), "error", err)
		return
	}
	v.keys, v.fetched, v.failures, v.retryAt = keys, now, 0, time.Time{}
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
