package temporalerr_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/temporalerr"
)

// across sends err through the failure converter both ways, as a worker
// and a client do, and wraps it as a client's caller sees it.
func across(err error) error {
	fc := temporal.GetDefaultFailureConverter()
	return fmt.Errorf("update workflow: %w", fc.FailureToError(fc.ErrorToFailure(err)))
}

func TestRoundTrip(t *testing.T) {
	several := domain.Invalid([]*domain.Error{
		domain.FieldError("name", "is required"),
		domain.FieldError("birth_date", "is not a date"),
	})
	plain := errors.New("connection refused")
	tests := []struct {
		name      string
		err       error
		retryable bool  // ToTemporal leaves it for Temporal to retry
		want      error // what FromTemporal rebuilds on the other side
	}{
		{"one field", domain.FieldError("reason", "is required"), false, domain.FieldError("reason", "is required")},
		{"several fields", several, false, several},
		{"wrapped", fmt.Errorf("insert claim 7: %w", domain.Errorf(domain.CodeConflict, "claim 7 exists")), false,
			domain.Errorf(domain.CodeConflict, "claim 7 exists")},
		{"not found", domain.Errorf(domain.CodeNotFound, "case 3 has no tracking item 2"), false, domain.Errorf(domain.CodeNotFound, "case 3 has no tracking item 2")},
		{"forbidden", domain.Errorf(domain.CodeForbidden, "four eyes"), false, domain.Errorf(domain.CodeForbidden, "four eyes")},
		{"unavailable", domain.Errorf(domain.CodeUnavailable, "try again"), true, nil},
		{"internal", domain.Errorf(domain.CodeInternal, "oops"), true, nil},
		{"not a domain error", plain, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := temporalerr.ToTemporal(tt.err)
			var ae *temporal.ApplicationError
			if tt.retryable {
				if out != tt.err {
					t.Fatalf("ToTemporal(%v) = %v, want it returned as it is", tt.err, out)
				}
				return
			}
			if !errors.As(out, &ae) || !ae.NonRetryable() || ae.Type() != domain.ErrorCode(tt.err) {
				t.Fatalf("ToTemporal(%v) = %#v, want a non-retryable ApplicationError typed %s", tt.err, out, domain.ErrorCode(tt.err))
			}
			var de *domain.Error
			errors.As(tt.err, &de)
			if ae.Message() != de.Error() {
				t.Errorf("message %q, want %q", ae.Message(), de.Error())
			}
			got := temporalerr.FromTemporal(across(out))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FromTemporal = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestFromTemporal(t *testing.T) {
	plain := errors.New("deadline exceeded")
	fc := temporal.GetDefaultFailureConverter()
	completed := fc.FailureToError(&failurepb.Failure{
		Message: "Workflow Update failed because the Workflow completed before the Update completed.",
		Source:  "Server",
		FailureInfo: &failurepb.Failure_ApplicationFailureInfo{ApplicationFailureInfo: &failurepb.ApplicationFailureInfo{
			Type: "AcceptedUpdateCompletedWorkflow", NonRetryable: true,
		}},
	})
	ended := domain.Errorf(domain.CodeConflict, "the procedure has already ended")
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"nil", nil, nil},
		// a validator's refusal from before the Details: type and message only
		{"old style", across(temporal.NewApplicationError("reason: is required", domain.CodeInvalid)),
			&domain.Error{Code: domain.CodeInvalid, Message: "reason: is required"}},
		{"old activity", across(temporal.NewNonRetryableApplicationError("person 4 not found", domain.CodeNotFound, nil)),
			domain.Errorf(domain.CodeNotFound, "person 4 not found")},
		{"details of another shape", across(temporal.NewApplicationError("claim 7 is decided", domain.CodeConflict, 42)),
			domain.Errorf(domain.CodeConflict, "claim 7 is decided")},
		{"another application error", across(temporal.NewApplicationError("boom", "PanicError")), nil},
		{"workflow completed", fmt.Errorf("update: %w", serviceerror.NewNotFound("workflow execution already completed")), ended},
		{"update aborted", serviceerror.NewNotFound("workflow update was aborted by closing workflow"), ended},
		{"accepted, then the workflow completed", completed, ended},
		{"not a temporal error", plain, plain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := temporalerr.FromTemporal(tt.err)
			want := tt.want
			if want == nil && tt.err != nil {
				want = tt.err // returned as it is
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("FromTemporal(%v) = %#v, want %#v", tt.err, got, want)
			}
		})
	}
}
