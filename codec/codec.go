package codec

import (
	"crypto/rand"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload, all in clear: how it is encoded, the
// key that encrypted it, and the workflow it belongs to.
const (
	MetadataEncoding  = converter.MetadataEncoding // "encoding"
	EncodingEncrypted = "binary/encrypted"
	MetadataKeyID     = "encryption-key-id"
	MetadataScope     = "karton-scope"
)

// Codec encrypts and decrypts payloads with a key ring (AES-256-GCM). An
// encrypted payload's data is nonce || seal(the original payload in
// protobuf); its metadata names the encoding, the key id and, when known,
// the scope: the id of the workflow the payload belongs to.
//
// Codec implements converter.PayloadCodec and
// converter.PayloadCodecWithSerializationContext.
type Codec struct {
	ring  *KeyRing
	scope string
}

// New returns a codec encrypting with the ring's active key, without a
// scope until the SDK (or Scoped) gives it one.
func New(ring *KeyRing) *Codec { return &Codec{ring: ring} }

// Scoped returns a codec that stamps payloads with scope, a workflow id.
func (c *Codec) Scoped(scope string) *Codec { return &Codec{ring: c.ring, scope: scope} }

// Scope is the workflow id this codec stamps payloads with, if any.
func (c *Codec) Scope() string { return c.scope }

// WithSerializationContext scopes the codec to the workflow the SDK is
// encoding for: the workflow's own id for workflow-level payloads (a
// child's id for its input, the target's for an external signal), and the
// activity's workflow for activity-level ones. A standalone activity or a
// Nexus operation has no workflow: its payloads carry no scope.
func (c *Codec) WithSerializationContext(sc converter.SerializationContext) converter.PayloadCodec {
	switch x := sc.(type) {
	case converter.WorkflowSerializationContext:
		return c.Scoped(x.WorkflowID)
	case converter.ActivitySerializationContext:
		return c.Scoped(x.WorkflowID)
	}
	return c.Scoped("")
}

// Encode encrypts each payload with the active key. A payload already
// encrypted is left as it is.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	id := c.ring.active
	aead := c.ring.aeads[id]
	for i, p := range payloads {
		if IsEncrypted(p) {
			out[i] = p
			continue
		}
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("encode payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return payloads, fmt.Errorf("encode payload: nonce: %w", err)
		}
		md := map[string][]byte{MetadataEncoding: []byte(EncodingEncrypted), MetadataKeyID: []byte(id)}
		if c.scope != "" {
			md[MetadataScope] = []byte(c.scope)
		}
		out[i] = &commonpb.Payload{Metadata: md, Data: aead.Seal(nonce, nonce, plain, additionalData(id, c.scope))}
	}
	return out, nil
}

// Decode decrypts each encrypted payload with the key its metadata names;
// other payloads (written before the codec) are returned as they are. It
// fails on a key the ring does not hold and on a payload that does not
// authenticate (changed data, key id or scope).
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !IsEncrypted(p) {
			out[i] = p
			continue
		}
		d, err := c.decodeOne(p)
		if err != nil {
			return payloads, err
		}
		out[i] = d
	}
	return out, nil
}

func (c *Codec) decodeOne(p *commonpb.Payload) (*commonpb.Payload, error) {
	id, scope := KeyIDOf(p), ScopeOf(p)
	aead, ok := c.ring.aeads[id]
	if !ok {
		return nil, fmt.Errorf("decode payload: it was encrypted with key %q, which the payload key ring (%s) does not hold", id, strings.Join(c.ring.IDs(), ", "))
	}
	n := aead.NonceSize()
	if len(p.GetData()) < n+aead.Overhead() {
		return nil, fmt.Errorf("decode payload (key %s, scope %q): %d bytes is too short to be encrypted", id, scope, len(p.GetData()))
	}
	plain, err := aead.Open(nil, p.Data[:n], p.Data[n:], additionalData(id, scope))
	if err != nil {
		return nil, fmt.Errorf("decode payload (key %s, scope %q): it does not authenticate (changed, or not written under this key and scope): %w", id, scope, err)
	}
	var orig commonpb.Payload
	if err := proto.Unmarshal(plain, &orig); err != nil {
		return nil, fmt.Errorf("decode payload (key %s, scope %q): %w", id, scope, err)
	}
	return &orig, nil
}

// additionalData binds the ciphertext to its key id and scope, which
// travel in clear: relabelling a payload with another workflow's scope
// makes it fail to decrypt instead of reaching that workflow's readers.
func additionalData(keyID, scope string) []byte {
	return []byte("karton-payload/v1\x00" + keyID + "\x00" + scope)
}

// IsEncrypted reports whether p is a payload this package encrypted.
func IsEncrypted(p *commonpb.Payload) bool {
	return string(p.GetMetadata()[MetadataEncoding]) == EncodingEncrypted
}

// ScopeOf is the workflow id an encrypted payload is stamped with, or "".
func ScopeOf(p *commonpb.Payload) string { return string(p.GetMetadata()[MetadataScope]) }

// KeyIDOf is the id of the key that encrypted p, or "".
func KeyIDOf(p *commonpb.Payload) string { return string(p.GetMetadata()[MetadataKeyID]) }
