package platform

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
)

// Traces go through OpenTelemetry's global tracer provider: a no-op until
// cmd/karton installs an exporting one (OTEL_EXPORTER_OTLP_ENDPOINT set) or
// a test installs a recorder. Every tracer below is taken from the global
// provider, which hands its spans to whatever provider is installed later.
//
// No span carries personal data: the HTTP spans name the route (never the
// path or the query, which may hold a JMBG or a name), the outbound ones
// the counterpart and the method (never the URL: the registries' paths end
// in the JMBG), the SQL ones the statement without its arguments, and an
// error is recorded by its kind, never its message.

// tracerName names Karton's own instrumentation.
const tracerName = "github.com/karton-social/karton/platform"

// Propagator carries the trace context across processes: W3C trace context
// and baggage, on the HTTP requests Karton makes and in Temporal's headers.
var Propagator propagation.TextMapPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// tracingInterceptor is the Temporal SDK's OpenTelemetry interceptor: on
// the client it starts StartWorkflow/SignalWorkflow/... spans and writes
// their context to the workflow's headers; the worker built on the client
// inherits it and starts RunWorkflow, StartActivity and RunActivity spans
// under them, so one trace runs from the HTTP request to the activities.
func tracingInterceptor() (interceptor.ClientInterceptor, error) {
	return temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer:            otel.GetTracerProvider().Tracer("go.temporal.io/sdk"),
		TextMapPropagator: Propagator,
		// Queries are polled by the pages: a span each would bury the rest.
		DisableQueryTracing: true,
		SpanStarter: func(ctx context.Context, t trace.Tracer, name string, opts ...trace.SpanStartOption) trace.Span {
			_, span := t.Start(ctx, name, opts...)
			return errorKindSpan{span}
		},
	})
}

// errorKindSpan records an error by its kind only: an activity's error
// message may quote what it was working on.
type errorKindSpan struct{ trace.Span }

func (s errorKindSpan) RecordError(err error, _ ...trace.EventOption) {
	if err != nil {
		s.AddEvent("exception", trace.WithAttributes(attribute.String("exception.type", errorKind(err))))
	}
}

func (s errorKindSpan) SetStatus(code codes.Code, _ string) {
	if code == codes.Error {
		s.Span.SetStatus(code, "failed (the message is left out of traces)")
		return
	}
	s.Span.SetStatus(code, "")
}

// errorKind names an error without its message: a Temporal application
// error by its type, a timeout or cancellation as such, anything else by
// its Go type.
func errorKind(err error) string {
	var app *temporal.ApplicationError
	var to *temporal.TimeoutError
	var canceled *temporal.CanceledError
	switch {
	case errors.As(err, &app):
		return "ApplicationError:" + app.Type()
	case errors.As(err, &to):
		return "TimeoutError:" + to.TimeoutType().String()
	case errors.As(err, &canceled):
		return "CanceledError"
	}
	return fmt.Sprintf("%T", err)
}

// httpMetrics are the API's request metrics.
type httpMetrics struct {
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(r prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "karton_http_request_duration_seconds",
		Help:    "Time the API took to answer a request, by method, route (the pattern, never the path) and status code.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route", "code"})}
	r.MustRegister(m.duration)
	return m
}

// Middleware traces and times every request of the API. It continues a
// trace whose context the caller sent (traceparent), starts a server span
// named by the method and the route, and puts the span in the request's
// context, so that the handlers' Temporal calls, SQL and logs join it.
func (m *httpMetrics) Middleware() gin.HandlerFunc {
	tracer := otel.GetTracerProvider().Tracer(tracerName)
	return func(c *gin.Context) {
		start := time.Now()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		method := c.Request.Method
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		default:
			method = "OTHER" // a client's invented method is not a label value
		}
		ctx := Propagator.Extract(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header))
		ctx, span := tracer.Start(ctx, method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", method), attribute.String("http.route", route)))
		defer span.End()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
		status := c.Writer.Status()
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		m.duration.WithLabelValues(method, route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	}
}

// outboundMetrics count and time the requests Karton makes to the
// registries and the counterparts.
type outboundMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newOutboundMetrics(r prometheus.Registerer) *outboundMetrics {
	m := &outboundMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "karton_outbound_requests_total",
			Help: "Requests to the registries (peer=registry, through the X-Road security server) and the counterparts (treasury, police, agency), by outcome: ok, client_error (4xx), server_error (5xx) or unreachable (no answer: refused, timed out).",
		}, []string{"peer", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "karton_outbound_request_duration_seconds",
			Help:    "Time a registry or counterpart took to answer, by peer.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"peer"}),
	}
	for _, peer := range []string{"registry", "treasury", "police", "agency"} {
		for _, o := range []string{"ok", "client_error", "server_error", "unreachable"} {
			m.requests.WithLabelValues(peer, o) // present at zero, so that a rate is defined before the first failure
		}
	}
	r.MustRegister(m.requests, m.duration)
	return m
}

// transport wraps base: each request gets a client span named by the peer
// and the method, carries the trace context to the peer (traceparent), and
// is counted and timed.
func (m *outboundMetrics) transport(peer string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &tracedTransport{peer: peer, base: base, m: m, tracer: otel.GetTracerProvider().Tracer(tracerName)}
}

type tracedTransport struct {
	peer   string
	base   http.RoundTripper
	m      *outboundMetrics
	tracer trace.Tracer
}

func (t *tracedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	ctx, span := t.tracer.Start(req.Context(), t.peer+" "+req.Method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("peer.service", t.peer), attribute.String("http.request.method", req.Method),
			attribute.String("server.address", req.URL.Host)))
	defer span.End()
	req = req.Clone(ctx)
	Propagator.Inject(ctx, propagation.HeaderCarrier(req.Header))
	resp, err := t.base.RoundTrip(req)
	t.m.duration.WithLabelValues(t.peer).Observe(time.Since(start).Seconds())
	outcome := "ok"
	switch {
	case err != nil:
		outcome = "unreachable"
		span.SetStatus(codes.Error, "no answer")
	case resp.StatusCode >= 500:
		outcome = "server_error"
		span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	case resp.StatusCode >= 400:
		outcome = "client_error"
	}
	if resp != nil {
		span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	}
	t.m.requests.WithLabelValues(t.peer, outcome).Inc()
	return resp, err
}

// client is an HTTP client to peer with the given timeout, traced
// and counted.
func (m *outboundMetrics) client(peer string, timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: m.transport(peer, nil)}
}
