package codec_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/codec"
)

// recorder notes, for each payload encoded, the scope it was stamped with.
// It is a pointer, as the SDK compares codecs.
type recorder struct {
	inner converter.PayloadCodec
	mu    *sync.Mutex
	seen  map[string][]string // payload data in clear -> scopes
	bad   *[]string
}

func newRecorder(c *codec.Codec) *recorder {
	return &recorder{inner: c, mu: &sync.Mutex{}, seen: map[string][]string{}, bad: new([]string)}
}

func (r *recorder) Encode(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out, err := r.inner.Encode(ps)
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, p := range out {
		if !codec.IsEncrypted(p) {
			*r.bad = append(*r.bad, "not encrypted: "+string(ps[i].Data))
		}
		r.seen[string(ps[i].Data)] = append(r.seen[string(ps[i].Data)], codec.ScopeOf(p))
	}
	return out, err
}

func (r *recorder) Decode(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
	r.mu.Lock()
	for _, p := range ps {
		if !codec.IsEncrypted(p) {
			*r.bad = append(*r.bad, "decoded a plain payload: "+string(p.Data))
		}
	}
	r.mu.Unlock()
	return r.inner.Decode(ps)
}

func (r *recorder) WithSerializationContext(sc converter.SerializationContext) converter.PayloadCodec {
	scoped := *r
	scoped.inner = r.inner.(converter.PayloadCodecWithSerializationContext).WithSerializationContext(sc)
	return &scoped
}

func (r *recorder) scopesOf(t *testing.T, fragment string) []string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for data, scopes := range r.seen {
		if strings.Contains(data, fragment) {
			out = append(out, scopes...)
		}
	}
	if len(out) == 0 {
		t.Errorf("no payload holding %q was encoded", fragment)
	}
	return out
}

func greet(_ context.Context, p person) (string, error) { return "hello " + p.GivenName, nil }

func childWorkflow(_ workflow.Context, p person) (string, error) {
	return "child-result for " + p.GivenName, nil
}

func parentWorkflow(ctx workflow.Context, p person) (string, error) {
	if err := workflow.SetQueryHandler(ctx, "who", func() (string, error) { return "query-answer", nil }); err != nil {
		return "", err
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var hello string
	if err := workflow.ExecuteActivity(ctx, greet, p).Get(ctx, &hello); err != nil {
		return "", err
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "case/S-2026-000002"})
	var child string
	if err := workflow.ExecuteChildWorkflow(cctx, childWorkflow, person{GivenName: "Kid"}).Get(ctx, &child); err != nil {
		return "", err
	}
	var sig person
	workflow.GetSignalChannel(ctx, "more").Receive(ctx, &sig)
	return "final: " + hello + ", " + child + ", " + sig.GivenName, nil
}

// TestDataConverterScopesEveryPayload runs a workflow under the SDK's test
// environment with the codec: each payload is encrypted and carries the
// id of the workflow it belongs to (the child's own id for its input and
// result).
func TestDataConverterScopesEveryPayload(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	rec := newRecorder(codec.New(mustRing(t)))
	env.SetDataConverter(converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), rec))
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "claim/Z-2026-000001"})
	env.RegisterWorkflow(parentWorkflow)
	env.RegisterWorkflow(childWorkflow)
	env.RegisterActivity(greet)
	var answer string
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow("who")
		if err == nil {
			err = v.Get(&answer)
		}
		if err != nil {
			t.Errorf("query: %v", err)
		}
		env.SignalWorkflow("more", person{GivenName: "Signalled"})
	}, time.Second)
	env.ExecuteWorkflow(parentWorkflow, ana)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var result string
	if err := env.GetWorkflowResult(&result); err != nil || result != "final: hello Ana, child-result for Kid, Signalled" || answer != "query-answer" {
		t.Fatalf("result = %q, query = %q, %v", result, answer, err)
	}
	const parent, child = "claim/Z-2026-000001", "case/S-2026-000002"
	for fragment, want := range map[string]string{
		ana.JMBG:                  parent, // workflow input, activity input
		`"hello Ana"`:             parent, // activity result
		`"Kid"`:                   child,  // child input, encoded by the parent for the child
		`"child-result for Kid"`:  child,  // child result
		`"Signalled"`:             parent, // signal
		`"query-answer"`:          parent, // query result
		`"final: hello Ana, chil`: parent, // workflow result
	} {
		for _, got := range rec.scopesOf(t, fragment) {
			if got != want {
				t.Errorf("payload holding %s scoped %q; want %q", fragment, got, want)
			}
		}
	}
	if len(*rec.bad) > 0 {
		t.Errorf("payloads in clear: %q", *rec.bad)
	}
}

func TestFailureConverterHidesMessages(t *testing.T) {
	dc := codec.NewDataConverter(codec.New(mustRing(t)))
	fc := codec.NewFailureConverter(dc).(converter.FailureConverterWithSerializationContext).
		WithSerializationContext(converter.WorkflowSerializationContext{Namespace: "default", WorkflowID: "evidence/4f6c"})
	err := temporal.NewNonRetryableApplicationError("no person "+ana.GivenName+" "+ana.FamilyName, "not_found", nil, ana)
	f := fc.ErrorToFailure(err)
	if strings.Contains(f.String(), ana.GivenName) || strings.Contains(f.String(), ana.JMBG) {
		t.Fatalf("ErrorToFailure = %v; holds personal data in clear", f)
	}
	if ea := f.GetEncodedAttributes(); !codec.IsEncrypted(ea) || codec.ScopeOf(ea) != "evidence/4f6c" {
		t.Errorf("encoded attributes = %v; want encrypted, scoped evidence/4f6c", ea)
	}
	details := f.GetApplicationFailureInfo().GetDetails().GetPayloads()
	if len(details) != 1 || !codec.IsEncrypted(details[0]) || codec.ScopeOf(details[0]) != "evidence/4f6c" {
		t.Errorf("details = %v; want one encrypted payload scoped evidence/4f6c", details)
	}
	if f.GetApplicationFailureInfo().GetType() != "not_found" || !f.GetApplicationFailureInfo().GetNonRetryable() {
		t.Errorf("failure info = %v; want its type and retry flag in clear for the server", f.GetApplicationFailureInfo())
	}
	back := fc.FailureToError(f)
	var ae *temporal.ApplicationError
	var p person
	if !errors.As(back, &ae) || !strings.Contains(ae.Error(), ana.FamilyName) || ae.Details(&p) != nil || p != ana {
		t.Errorf("FailureToError = %v (details %v); want the message and details back", back, p)
	}
}
