package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes shared by the API (HTTP status) and the activities (whether
// Temporal retries).
const (
	CodeInvalid     = "invalid"
	CodeNotFound    = "not_found"
	CodeConflict    = "conflict"
	CodeForbidden   = "forbidden"
	CodeUnavailable = "unavailable"
	CodeInternal    = "internal"
)

// Error is an error whose message is safe to show a caseworker.
type Error struct {
	Code    string
	Field   string // the input field at fault, when there is one
	Message string
	// Fields lists every field at fault when there are several (a form
	// that fails its schema).
	Fields []*Error
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an invalid-input error naming the field at fault.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode is the code of the first *Error in err's chain, or CodeInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage is the safe message of err, or "internal error".
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Invalid is one CodeInvalid error listing every field at fault.
func Invalid(fields []*Error) *Error {
	if len(fields) == 1 {
		return fields[0]
	}
	msgs := make([]string, len(fields))
	for i, f := range fields {
		msgs[i] = f.Error()
	}
	return &Error{Code: CodeInvalid, Message: fmt.Sprintf("%d fields are invalid: %s", len(fields), strings.Join(msgs, "; ")), Fields: fields}
}
