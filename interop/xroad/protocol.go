// Package xroad is the client of the registries' X-Road-style REST services.
//
// A query is GET /r1/{instance}/{class}/{member}/{subsystem}/{service}/persons/{jmbg}
// with the X-Road-Client header naming Karton and X-Road-Issue carrying the
// case number. The answer carries X-Road-Id (the exchange's id) and
// X-Road-Request-Hash (the hash of the request the provider saw), and a JSON
// body: the subject and a list of facts, each with its kind, the date from
// which it holds and its value.
package xroad

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/karton-social/karton/domain"
)

// Header names of the protocol.
const (
	HeaderClient      = "X-Road-Client"
	HeaderID          = "X-Road-Id"
	HeaderRequestHash = "X-Road-Request-Hash"
	HeaderIssue       = "X-Road-Issue"
	HeaderUserID      = "X-Road-UserId"
)

// The X-Road instance and member class of Montenegro's state registries
// (GUESS: the real identifiers are not public).
const (
	Instance  = "ME"
	Class     = "GOV"
	Subsystem = "evidence"
)

// ServicePath is the path of the service answering for source, for the
// person with JMBG jmbg.
func ServicePath(in domain.Institution, jmbg string) string {
	return fmt.Sprintf("/r1/%s/%s/%s/%s/%s/persons/%s", Instance, Class, in.Member, Subsystem, in.Service, jmbg)
}

// RequestHash is what the provider returns in X-Road-Request-Hash: the
// SHA-256 of the method, path, client and issue, base64-encoded.
func RequestHash(method, path, client, issue string) string {
	sum := sha256.Sum256([]byte(method + "\n" + path + "\n" + client + "\n" + issue))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Response is the body of an answer.
type Response struct {
	Subject string     `json:"subject"`
	Facts   []WireFact `json:"facts"`
}

// WireFact is one fact of an answer.
type WireFact struct {
	Kind      domain.EvidenceKind `json:"kind"`
	ValidFrom string              `json:"valid_from"` // YYYY-MM-DD
	Value     any                 `json:"value"`
}

// ErrorBody is the body of a 4xx or 5xx answer.
type ErrorBody struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}
