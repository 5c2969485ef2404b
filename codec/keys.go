package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// KeySize is the length of a payload key in bytes (AES-256).
const KeySize = 32

// KeyRing holds the payload keys by id: the active one encrypts, every one
// decrypts, so that payloads written under an older key stay readable
// after a rotation. A KeyRing does not change once made; Rotated returns
// a new one.
type KeyRing struct {
	active string
	keys   map[string][]byte
	aeads  map[string]cipher.AEAD
}

// keyFile is the JSON form of a key ring:
// {"active":"k2","keys":{"k1":"<base64 32 bytes>","k2":"..."}}.
type keyFile struct {
	Active string            `json:"active"`
	Keys   map[string]string `json:"keys"`
}

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ParseKeyRing reads a key ring from its JSON form.
func ParseKeyRing(data []byte) (*KeyRing, error) {
	var f keyFile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("payload keys: want {\"active\": id, \"keys\": {id: base64 key, ...}}: %w", err)
	}
	keys := map[string][]byte{}
	for id, b64 := range f.Keys {
		k, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("payload key %q: not base64: %w", id, err)
		}
		keys[id] = k
	}
	return newKeyRing(f.Active, keys)
}

func newKeyRing(active string, keys map[string][]byte) (*KeyRing, error) {
	if len(keys) == 0 {
		return nil, errors.New("payload keys: the ring holds no key")
	}
	r := &KeyRing{active: active, keys: map[string][]byte{}, aeads: map[string]cipher.AEAD{}}
	for id, k := range keys {
		if !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("payload key id %q: want 1 to 64 letters, digits, '.', '_' or '-'", id)
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("payload key %q: %d bytes; want %d (AES-256)", id, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("payload key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("payload key %q: %w", id, err)
		}
		r.keys[id], r.aeads[id] = slices.Clone(k), aead
	}
	if _, ok := r.keys[active]; !ok {
		return nil, fmt.Errorf("payload keys: the active key %q is not in the ring (it holds %s)", active, strings.Join(r.IDs(), ", "))
	}
	return r, nil
}

// NewKeyRing returns a ring of one fresh random key, k1, active.
func NewKeyRing() (*KeyRing, error) {
	k, err := freshKey()
	if err != nil {
		return nil, err
	}
	return newKeyRing("k1", map[string][]byte{"k1": k})
}

func freshKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("generate payload key: %w", err)
	}
	return k, nil
}

// Active is the id of the key that encrypts.
func (r *KeyRing) Active() string { return r.active }

// IDs lists the ids of every key, sorted.
func (r *KeyRing) IDs() []string {
	ids := make([]string, 0, len(r.keys))
	for id := range r.keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Rotated returns a ring with every key of r and a fresh random one, which
// becomes the active key; id is the new key's: k<n>, one past the highest
// k<n> in the ring.
func (r *KeyRing) Rotated() (rotated *KeyRing, id string, err error) {
	next := 1
	for kid := range r.keys {
		if n, err := strconv.Atoi(strings.TrimPrefix(kid, "k")); err == nil && strings.HasPrefix(kid, "k") && n >= next {
			next = n + 1
		}
	}
	id = "k" + strconv.Itoa(next)
	k, err := freshKey()
	if err != nil {
		return nil, "", err
	}
	keys := map[string][]byte{id: k}
	for kid, v := range r.keys {
		keys[kid] = v
	}
	rotated, err = newKeyRing(id, keys)
	return rotated, id, err
}

// MarshalJSON writes the ring in the form ParseKeyRing reads, keys
// included: it is a secret.
func (r *KeyRing) MarshalJSON() ([]byte, error) {
	f := keyFile{Active: r.active, Keys: map[string]string{}}
	for id, k := range r.keys {
		f.Keys[id] = base64.StdEncoding.EncodeToString(k)
	}
	return json.MarshalIndent(f, "", "  ")
}

// String names the keys without showing them.
func (r *KeyRing) String() string {
	return fmt.Sprintf("payload keys %s (active %s)", strings.Join(r.IDs(), ", "), r.active)
}

// LoadKeyFile reads the key ring in the JSON file at path.
func LoadKeyFile(path string) (*KeyRing, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read payload key file: %w", err)
	}
	r, err := ParseKeyRing(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// EnsureKeyFile reads the key file at path, or creates it with one fresh
// key (mode 0600, its folder 0700) if there is none; created says which.
func EnsureKeyFile(path string) (r *KeyRing, created bool, err error) {
	r, err = LoadKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return r, false, err
	}
	if r, err = NewKeyRing(); err != nil {
		return nil, false, err
	}
	if err := WriteKeyFile(path, r, false); errors.Is(err, fs.ErrExist) {
		// Another process created it meanwhile: use its keys.
		r, err = LoadKeyFile(path)
		return r, false, err
	} else if err != nil {
		return nil, false, err
	}
	return r, true, nil
}

// RotateKeyFile adds a fresh key to the key file at path and makes it the
// active one; the older keys stay, to decrypt what they encrypted. It
// returns the new ring and the new key's id.
func RotateKeyFile(path string) (*KeyRing, string, error) {
	r, err := LoadKeyFile(path)
	if err != nil {
		return nil, "", err
	}
	rotated, id, err := r.Rotated()
	if err != nil {
		return nil, "", err
	}
	if err := WriteKeyFile(path, rotated, true); err != nil {
		return nil, "", err
	}
	return rotated, id, nil
}

// WriteKeyFile writes r to path with mode 0600 through a temporary file
// renamed into place, so that a reader never sees half a file. Unless
// replace, an existing file is left alone and reported as an error.
func WriteKeyFile(path string, r *KeyRing, replace bool) error {
	b, err := r.MarshalJSON()
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create payload key folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".payload-keys-*")
	if err != nil {
		return fmt.Errorf("write payload key file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close() // already failing; the file is removed
		return fmt.Errorf("write payload key file: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		_ = tmp.Close() // already failing; the file is removed
		return fmt.Errorf("write payload key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close() // already failing; the file is removed
		return fmt.Errorf("write payload key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write payload key file: %w", err)
	}
	if !replace {
		// Link fails if path exists: two processes creating the file at
		// once keep the first one's keys.
		if err := os.Link(tmp.Name(), path); err != nil {
			return fmt.Errorf("create payload key file: %w", err)
		}
		return nil
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace payload key file: %w", err)
	}
	return nil
}
