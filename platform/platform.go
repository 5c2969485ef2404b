// Package platform wires Karton's parts to the services they run on:
// PostgreSQL, Temporal, the object store and the registries' security
// server. `karton api`, `karton worker` and `karton dev` all build on it,
// so production and development run the same wiring.
package platform

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
	"go.temporal.io/sdk/interceptor"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/codec"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/interop/counterpart"
	"github.com/karton-social/karton/interop/xroad"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/web"
	"github.com/karton-social/karton/worker"
	"github.com/karton-social/karton/workflows"
)

// Config is every setting the platform needs. Package cmd/karton fills it
// from the environment; nothing here reads the environment.
type Config struct {
	DatabaseURL       string
	TemporalAddress   string
	TemporalNamespace string
	// TemporalTLS dials Temporal over TLS (with a client certificate for
	// mTLS); nil: plain gRPC.
	TemporalTLS      *tls.Config
	Objects          objects.Config
	RegistryURL      string // the X-Road security server
	RegistryClientID string
	RegistryTimeout  time.Duration
	TreasuryURL      string // the treasury's payment gateway
	PoliceURL        string // the police's endpoint for the centres' domestic-violence reports
	AgencyURL        string // the Employment Agency's endpoint for activation referrals and messages
	ElectricityURL   string // the power utility's (EPCG's) endpoint for the electricity subsidy's lists
	HTTPAddr         string
	ClaimDeadlines   workflows.Deadlines
	PayrollDay       int // the day of the month the payroll schedule starts the previous month's payroll
	PaymentDay       int // the day from which a month itself may be paid (0: domain.DefaultPaymentDay)
	// OIDC: the issuer whose tokens the API accepts.
	OIDCIssuer   string
	OIDCAudience string
	OIDCJWKSURL  string // empty: discovered from the issuer
	OIDCSkew     time.Duration
	// WebClientID is the pages' OIDC client (authorization code with PKCE).
	WebClientID string
	// DevIssuer signs tokens behind POST /dev/token (karton dev only).
	DevIssuer api.TokenIssuer
	// PayloadKeys encrypt every payload Karton writes to Temporal; Open
	// refuses to run without them.
	PayloadKeys *codec.KeyRing
	// CodecOrigins are the Temporal Web UI's origins, allowed to call the
	// codec endpoint (/codec) from the browser.
	CodecOrigins []string
	// InsecureCookies sends the pages' cookies without Secure: karton dev
	// only, which serves plain http.
	InsecureCookies bool
}

// Platform is Karton connected to its services.
type Platform struct {
	Cfg      Config
	Log      *slog.Logger
	DB       *store.DB
	Temporal client.Client
	Objects  *objects.Store
	Registry *xroad.Client
	Metrics  *prometheus.Registry
	Params   *benefits.Params
	Codec    *codec.Codec // the payload codec of the Temporal client and the worker

	closeScope func()
	http       *httpMetrics
	outbound   *outboundMetrics
}

// Open prepares the connections to every service. migrate runs the
// database migrations first (karton dev and karton migrate do; api and
// worker expect them done, and AwaitServices checks it). Without migrate
// Open touches no network: PostgreSQL's pool and Temporal's client
// connect on first use and again after an outage, so a process starts
// whatever its dependencies' state (see ready.go).
func Open(ctx context.Context, cfg Config, log *slog.Logger, migrate bool) (*Platform, error) {
	if cfg.PayloadKeys == nil {
		return nil, errors.New("no payload keys: Karton does not write personal data to Temporal in clear")
	}
	p := &Platform{Cfg: cfg, Log: log, Metrics: prometheus.NewRegistry(), Codec: codec.New(cfg.PayloadKeys)}
	var err error
	if p.Params, err = benefits.LoadParams(); err != nil {
		return nil, fmt.Errorf("benefit parameters: %w", err)
	}
	p.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	p.http, p.outbound = newHTTPMetrics(p.Metrics), newOutboundMetrics(p.Metrics)
	if p.DB, err = store.Open(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	if migrate {
		if err := p.DB.Migrate(ctx); err != nil {
			p.DB.Close()
			return nil, err
		}
	}
	reporter := tallyprom.NewReporter(tallyprom.Options{Registerer: p.Metrics})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, time.Second)
	p.closeScope = func() { _ = closer.Close() }
	// Every payload and failure message goes to Temporal encrypted, stamped
	// with its workflow's id; the worker built on this client inherits both.
	dc := codec.NewDataConverter(p.Codec)
	tracing, err := tracingInterceptor()
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("temporal tracing: %w", err)
	}
	p.Temporal, err = client.NewLazyClient(client.Options{
		HostPort:          cfg.TemporalAddress,
		Namespace:         cfg.TemporalNamespace,
		Logger:            tlog.NewStructuredLogger(log.With("component", "temporal")),
		MetricsHandler:    sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope)),
		DataConverter:     dc,
		FailureConverter:  codec.NewFailureConverter(dc),
		Interceptors:      []interceptor.ClientInterceptor{tracing},
		ConnectionOptions: client.ConnectionOptions{TLS: cfg.TemporalTLS},
	})
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("temporal client for %s: %w", cfg.TemporalAddress, err)
	}
	if p.Objects, err = objects.Open(cfg.Objects); err != nil {
		p.Close()
		return nil, err
	}
	p.Registry = &xroad.Client{
		BaseURL:  cfg.RegistryURL,
		ClientID: cfg.RegistryClientID,
		HTTP: &http.Client{Timeout: cfg.RegistryTimeout,
			Transport: p.outbound.transport("registry", &http.Transport{MaxIdleConnsPerHost: 100, IdleConnTimeout: time.Minute})},
	}
	return p, nil
}

// Close releases every connection.
func (p *Platform) Close() {
	if p.Temporal != nil {
		p.Temporal.Close()
	}
	if p.closeScope != nil {
		p.closeScope()
	}
	if p.DB != nil {
		p.DB.Close()
	}
}

// Activities returns the activities bound to the platform's services.
func (p *Platform) Activities() *activities.Activities {
	return &activities.Activities{DB: p.DB, Registry: p.Registry, Objects: p.Objects, Params: p.Params, Now: time.Now, PaymentDay: p.Cfg.PaymentDay,
		Electricity: counterpart.Electricity{URL: p.Cfg.ElectricityURL, HTTP: p.outbound.client("electricity", 2*time.Minute)}, // electricity.go

		Treasury: counterpart.Treasury{URL: p.Cfg.TreasuryURL, HTTP: p.outbound.client("treasury", time.Minute)},
		Police:   counterpart.Police{URL: p.Cfg.PoliceURL, HTTP: p.outbound.client("police", 30*time.Second)},
		Agency:   counterpart.Agency{URL: p.Cfg.AgencyURL, HTTP: p.outbound.client("agency", 30*time.Second)}}
}

// Worker returns a worker with every workflow and activity registered.
func (p *Platform) Worker() sdkworker.Worker {
	return worker.New(p.Temporal, p.Activities())
}

// API returns the HTTP handler of the API and the pages.
func (p *Platform) API() *gin.Engine {
	verifier := &api.Verifier{Issuer: p.Cfg.OIDCIssuer, Audience: p.Cfg.OIDCAudience, JWKSURL: p.Cfg.OIDCJWKSURL, Skew: p.Cfg.OIDCSkew,
		Revocations: p.DB, Log: p.Log}
	engine := api.New(api.Deps{
		DB:        p.DB,
		Temporal:  p.Temporal,
		Objects:   p.Objects,
		Verifier:  verifier,
		DevIssuer: p.Cfg.DevIssuer,
		Codec:     api.CodecEndpoint{Codec: p.Codec, Origins: p.Cfg.CodecOrigins},
		Deadlines: p.Cfg.ClaimDeadlines,
		Log:       p.Log,
		Metrics:   promhttp.HandlerFor(p.Metrics, promhttp.HandlerOpts{}),
		// The API's own counters (refused requests) on the same /metrics.
		Registerer: p.Metrics,
		PaymentDay: p.Cfg.PaymentDay,
		Registry:   p.Registry,
		Ready:      p.Checks(),
		Middleware: []gin.HandlerFunc{p.http.Middleware()},
	})
	// The tasks and payrolls the alerts watch, counted on the API's scrape
	// (the workers' would only repeat them).
	if err := p.Metrics.Register(newDayCollector(p.DB.Pool(), p.Log, p.Cfg.PaymentDay)); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic(err) // a second collector of other metrics under the same names: a defect
		}
	}
	clientID := p.Cfg.WebClientID
	if clientID == "" {
		clientID = "karton-web"
	}
	if err := web.Register(engine, web.Config{API: engine, Issuer: p.Cfg.OIDCIssuer, ClientID: clientID, Verifier: verifier, DB: p.DB, Log: p.Log,
		InsecureCookies: p.Cfg.InsecureCookies}); err != nil {
		panic(err) // templates are embedded and tested: a build defect
	}
	return engine
}

// Serve runs the API on the configured address until ctx ends, then shuts
// it down gracefully.
// While it serves, the revoked tokens are kept in memory
// (store.DB.WatchRevocations): a request does not read them from the
// table while the watch's connection is up.
func (p *Platform) Serve(ctx context.Context, ready func(addr string)) error {
	srv := &http.Server{Addr: p.Cfg.HTTPAddr, Handler: p.API(), ReadHeaderTimeout: 10 * time.Second}
	ln, err := listen(p.Cfg.HTTPAddr)
	if err != nil {
		return err
	}
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go p.DB.WatchRevocations(wctx)
	if ready != nil {
		ready(ln.Addr().String())
	}
	return serveUntilDone(ctx, srv, ln, 20*time.Second)
}

// serveUntilDone serves on ln until the server fails or ctx ends, then
// shuts it down, giving the requests in flight the grace to finish.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// EnsureRevisionSchedule creates, once, the Temporal Schedule that starts
// the revision sweep (workflows.RevisionSweep) every day at 05:00 UTC: the
// rights whose revision fell due get their Revision workflows (docs/architecture.md,
// "Revisions: a daily sweep, not a timer per right").
func (p *Platform) EnsureRevisionSchedule(ctx context.Context) error {
	_, err := p.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: "revision-sweep-daily",
		Spec: client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
			Hour: []client.ScheduleRange{{Start: 5}}, Minute: []client.ScheduleRange{{Start: 0}}, Second: []client.ScheduleRange{{Start: 0}},
			DayOfMonth: []client.ScheduleRange{{Start: 1, End: 31}}, Month: []client.ScheduleRange{{Start: 1, End: 12}},
			DayOfWeek: []client.ScheduleRange{{Start: 0, End: 6}},
		}}},
		Action: &client.ScheduleWorkflowAction{ID: workflows.RevisionSweepID, Workflow: workflows.NameRevisionSweep, TaskQueue: workflows.TaskQueue,
			Args: []any{workflows.RevisionSweepInput{}}},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create revision schedule: %w", err)
	}
	return nil
}

// EnsurePayrollSchedule creates, once, the Temporal Schedule that starts
// the previous month's payroll on day of every month at 06:00 UTC.
func (p *Platform) EnsurePayrollSchedule(ctx context.Context, day int) error {
	if day < 1 || day > 28 {
		return fmt.Errorf("payroll day %d: want 1 to 28", day)
	}
	_, err := p.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: "payroll-monthly",
		Spec: client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
			DayOfMonth: []client.ScheduleRange{{Start: day}}, Hour: []client.ScheduleRange{{Start: 6}},
			Minute: []client.ScheduleRange{{Start: 0}}, Second: []client.ScheduleRange{{Start: 0}},
			Month: []client.ScheduleRange{{Start: 1, End: 12}}, DayOfWeek: []client.ScheduleRange{{Start: 0, End: 6}},
		}}},
		Action: &client.ScheduleWorkflowAction{ID: "payroll-scheduled", Workflow: workflows.NameScheduledPayroll, TaskQueue: workflows.TaskQueue},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create payroll schedule: %w", err)
	}
	return nil
}
