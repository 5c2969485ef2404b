// Package temporalerr carries a *domain.Error across Temporal and back:
// out of an activity or an Update validator as an *temporal.ApplicationError
// typed with the code, and back in the API as the same *domain.Error,
// every failing field included.
package temporalerr

import (
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/karton-social/karton/domain"
)

// Details is the whole domain error an ApplicationError carries as its
// one detail. It is JSON on the wire; keep the tags when fields change.
type Details struct {
	Code    string    `json:"code"`
	Field   string    `json:"field,omitempty"`
	Message string    `json:"message"`
	Fields  []Details `json:"fields,omitempty"`
}

func detailsOf(e *domain.Error) Details {
	d := Details{Code: e.Code, Field: e.Field, Message: e.Message}
	for _, f := range e.Fields {
		if f != nil {
			d.Fields = append(d.Fields, detailsOf(f))
		}
	}
	return d
}

func (d Details) domainError() *domain.Error {
	e := &domain.Error{Code: d.Code, Field: d.Field, Message: d.Message}
	for _, f := range d.Fields {
		e.Fields = append(e.Fields, f.domainError())
	}
	return e
}

// ToTemporal makes a *domain.Error in err's chain whose code is invalid,
// not_found, conflict or forbidden a non-retryable ApplicationError: its
// type is the code, its message the domain error's text (with its field,
// as e.Error() writes it), its cause err and its one detail the whole
// error as Details. Anything else (unavailable, internal, a plain error)
// is returned as it is, so that Temporal retries it.
func ToTemporal(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	switch de.Code {
	case domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden:
		return temporal.NewNonRetryableApplicationError(de.Error(), de.Code, err, detailsOf(de))
	}
	return err
}

// updateCompletedWorkflow is the server's type for an Update accepted by a
// workflow that then completed before the Update did.
const updateCompletedWorkflow = "AcceptedUpdateCompletedWorkflow"

// FromTemporal rebuilds the *domain.Error an ApplicationError in err's
// chain carries (an activity's, a validator's or an Update handler's, also
// inside a WorkflowExecutionError): from its Details, or, for failures
// recorded before the Details existed, from its type (a domain code) and
// message. A workflow that is no longer running (the server's NotFound,
// or an accepted Update whose workflow completed) is a conflict saying the
// procedure has ended. Any other error is returned as it is.
func FromTemporal(err error) error {
	if err == nil {
		return nil
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		if ae.HasDetails() {
			var d Details
			if ae.Details(&d) == nil && d.Code != "" {
				return d.domainError()
			}
		}
		switch ae.Type() {
		case domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden:
			return &domain.Error{Code: ae.Type(), Message: ae.Message()}
		case updateCompletedWorkflow:
			return ended()
		}
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return ended()
	}
	return err
}

func ended() error {
	return domain.Errorf(domain.CodeConflict, "the procedure has already ended")
}
