// Package system runs the whole of Karton on one machine: a private
// PostgreSQL cluster, an embedded Temporal server with its Web UI, a local
// MinIO, the registry simulators, the worker and the API, all started and
// stopped together. `karton dev`, the end-to-end tests and the benchmarks
// use it. Any service given by address is used instead of started.
package system

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/karton-social/karton/codec"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/issuer"
	"github.com/karton-social/karton/devstack/temporalserver"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/platform"
	"github.com/karton-social/karton/worker"
	"github.com/karton-social/karton/workflows"
	sdkworker "go.temporal.io/sdk/worker"
)

// Options say what to start and where. Zero ports pick free ones.
type Options struct {
	// DataDir keeps PostgreSQL, Temporal and MinIO data; a second start
	// with the same folder finds the data again.
	DataDir string
	// Ephemeral keeps Temporal in memory and PostgreSQL without fsync: for
	// tests and benchmarks.
	Ephemeral bool

	HTTPAddr     string // API, e.g. 127.0.0.1:8080
	PGPort       int
	TemporalPort int
	TemporalUI   int // 0: no Web UI
	MinIOAddr    string
	SimAddr      string

	// External services; empty starts the embedded one.
	DatabaseURL     string
	TemporalAddress string
	Objects         objects.Config // Endpoint empty: start MinIO
	RegistryURL     string

	IssuerAddr     string // the development OIDC issuer
	SimFaults      sim.Faults
	SimHouseholds  int
	ClaimDeadlines workflows.Deadlines
	PayrollDay     int // > 0: create the monthly payroll schedule
	// PaymentDay is the day from which the current month may be paid; 0
	// makes it payable from its first day, so that a test paying this
	// month passes on any day it runs (the rule before the payment day is
	// tested in api and activities). karton dev passes its configuration.
	PaymentDay int
	// RevisionSweep creates the daily revision sweep's schedule.
	RevisionSweep bool
	// ChangesPoll > 0 creates the schedule that polls the registries'
	// feeds of changes that often.
	ChangesPoll time.Duration
	Log         *slog.Logger

	// DevIssuerRefusal, when set, switches the development issuer's tokens
	// off and says why (karton dev with services that are not its own).
	DevIssuerRefusal string

	// PayloadKeys encrypt what goes to Temporal; nil reads PayloadKeysFile,
	// creating it with a fresh key when missing.
	PayloadKeys *codec.KeyRing
	// PayloadKeysFile defaults to <DataDir>/keys/payload.json.
	PayloadKeysFile string
	// CodecOrigins may call the codec endpoint from a browser; empty: the
	// embedded Web UI's (http://127.0.0.1:<TemporalUI>, http://localhost:<TemporalUI>).
	CodecOrigins []string
}

// System is Karton running.
type System struct {
	*platform.Platform
	APIURL        string
	TemporalUIURL string
	ObjectsURL    string
	SimURL        string
	IssuerURL     string
	Issuer        *issuer.Issuer
	Sim           *sim.Server
	Population    *sim.Population
	// Startup is how long each part of Start took, in the order they
	// ended (`karton dev` prints it; bench/startup measures it).
	Startup []Phase

	mu            sync.Mutex
	stops         []func()
	minio         *devstack.MinIO
	minioLaunched time.Time
	worker        sdkworker.Worker
}

// Phase is one part of Start and how long it took.
type Phase struct {
	Name string
	Took time.Duration
}

// timed runs one part of Start and records how long it took.
func (s *System) timed(name string, f func() error) error {
	t := time.Now()
	err := f()
	s.took(name, t)
	return err
}

// took records that a part of Start named name ended, begun at t.
func (s *System) took(name string, t time.Time) {
	s.mu.Lock()
	s.Startup = append(s.Startup, Phase{Name: name, Took: time.Since(t)})
	s.mu.Unlock()
}

// StartupSummary says how long each part of Start took, e.g.
// "postgresql 0.9s, temporal 0.6s, ...".
func (s *System) StartupSummary() string {
	parts := make([]string, len(s.Startup))
	for i, p := range s.Startup {
		parts[i] = fmt.Sprintf("%s %v", p.Name, p.Took.Round(time.Millisecond))
	}
	return strings.Join(parts, ", ")
}

// Start brings everything up; on error it stops what it started.
func Start(ctx context.Context, o Options) (_ *System, err error) {
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if o.DataDir == "" {
		return nil, errors.New("system: DataDir is required")
	}
	if o.SimHouseholds == 0 {
		o.SimHouseholds = sim.MaxHouseholds
	}
	worker.SetCacheSize() // before the embedded Temporal server starts its own SDK workers
	s := &System{stops: []func(){tuneGC()}}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, err
	}
	keys := o.PayloadKeys
	if keys == nil {
		file := o.PayloadKeysFile
		if file == "" {
			file = filepath.Join(o.DataDir, "keys", "payload.json")
		}
		var created bool
		if keys, created, err = codec.EnsureKeyFile(file); err != nil {
			return nil, err
		}
		if created {
			o.Log.Info("created a payload key file; keep it: without it Temporal's histories cannot be read", "file", file)
		}
	}
	// The API's address is fixed before Temporal starts: the Web UI is
	// pointed at its codec endpoint.
	httpAddr := o.HTTPAddr
	if httpAddr == "" {
		httpAddr = "127.0.0.1:0"
	}
	codecURL, origins := "", o.CodecOrigins
	if o.TemporalUI > 0 {
		if httpAddr, err = fixPort(httpAddr); err != nil {
			return nil, err
		}
		codecURL = codecEndpoint(httpAddr)
		if len(origins) == 0 {
			origins = []string{fmt.Sprintf("http://127.0.0.1:%d", o.TemporalUI), fmt.Sprintf("http://localhost:%d", o.TemporalUI)}
		}
	}

	e := endpoints{db: o.DatabaseURL, temporal: o.TemporalAddress, objects: o.Objects, registry: o.RegistryURL}
	if err := s.startServices(ctx, o, codecURL, &e); err != nil {
		return nil, err
	}
	if err := s.timed("issuer", func() error { return s.startIssuer(o) }); err != nil {
		return nil, err
	}
	err = s.timed("platform", func() error {
		p, err := platform.Open(ctx, platform.Config{
			DatabaseURL: e.db, TemporalAddress: e.temporal, TemporalNamespace: "default",
			Objects: e.objects, RegistryURL: e.registry, RegistryClientID: "ME/GOV/MRSS/karton", RegistryTimeout: 10 * time.Second,
			HTTPAddr: httpAddr, ClaimDeadlines: o.ClaimDeadlines, TreasuryURL: e.registry, PoliceURL: e.registry, AgencyURL: e.registry, ElectricityURL: e.registry,
			OIDCIssuer: s.IssuerURL, OIDCAudience: issuer.Audience, OIDCSkew: time.Minute, DevIssuer: s.Issuer, InsecureCookies: true,
			PayloadKeys: keys, CodecOrigins: origins,
			PaymentDay: max(o.PaymentDay, 1),
		}, o.Log, true)
		if err != nil {
			return err
		}
		s.Platform = p
		s.stops = append(s.stops, p.Close)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.timed("schedules", func() error { return s.ensureSchedules(ctx, o) }); err != nil {
		return nil, err
	}
	if err := s.awaitObjects(ctx); err != nil {
		return nil, err
	}
	if err := s.timed("worker", s.startWorker); err != nil {
		return nil, err
	}
	if err := s.timed("api", s.serveAPI); err != nil {
		return nil, err
	}
	return s, nil
}

// endpoints are where the services are: given, or started by Start.
type endpoints struct {
	db, temporal, registry string
	objects                objects.Config
}

// startServices starts the services not given by address: PostgreSQL,
// Temporal's server and the registry simulators, all at once (they need
// nothing of each other: a warm start waits for the slowest instead of
// the sum, bench/startup), and launches MinIO, which takes longest and is
// waited for only once the platform is open (awaitObjects).
func (s *System) startServices(ctx context.Context, o Options, codecURL string, e *endpoints) error {
	if e.objects.Bucket == "" {
		e.objects.Bucket = "karton"
	}
	var parts []func() error
	if e.db == "" {
		parts = append(parts, func() error { return s.timed("postgresql", func() error { return s.startPostgres(ctx, o, e) }) })
	}
	if e.temporal == "" {
		parts = append(parts, func() error { return s.timed("temporal", func() error { return s.startTemporal(o, codecURL, e) }) })
	}
	if e.objects.Endpoint == "" {
		parts = append(parts, func() error { return s.startMinIO(o, e) })
	}
	if e.registry == "" {
		parts = append(parts, func() error { return s.timed("registry simulators", func() error { return s.startSimulators(o, e) }) })
	}
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() { errs[i] = part() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s.ObjectsURL, s.SimURL = "http://"+e.objects.Endpoint, e.registry
	return nil
}

// stopping adds what stops a part started, under the lock parts started
// at once share.
func (s *System) stopping(stop func()) {
	s.mu.Lock()
	s.stops = append(s.stops, stop)
	s.mu.Unlock()
}

func (s *System) startPostgres(ctx context.Context, o Options, e *endpoints) error {
	pg := &devstack.Postgres{Dir: filepath.Join(o.DataDir, "pg"), Port: o.PGPort, Fast: o.Ephemeral}
	if err := pg.Start(ctx); err != nil {
		return fmt.Errorf("postgresql: %w", err)
	}
	s.stopping(func() { _ = pg.Stop() })
	if err := pg.CreateDatabase(ctx, "karton"); err != nil {
		return err
	}
	e.db = pg.URL("karton")
	return nil
}

func (s *System) startTemporal(o Options, codecURL string, e *endpoints) error {
	to := temporalserver.Options{FrontendPort: o.TemporalPort, UIPort: o.TemporalUI, Namespace: "default", CodecEndpoint: codecURL}
	if !o.Ephemeral {
		to.DatabaseFile = filepath.Join(o.DataDir, "temporal", "temporal.db")
		to.LogFile = filepath.Join(o.DataDir, "temporal", "server.log")
	}
	ts, err := temporalserver.Start(to)
	if err != nil {
		return fmt.Errorf("temporal: %w", err)
	}
	s.stopping(ts.Stop)
	e.temporal, s.TemporalUIURL = ts.Address(), ts.UIURL()
	return nil
}

func (s *System) startMinIO(o Options, e *endpoints) error {
	e.objects.AccessKey, e.objects.SecretKey = "karton", "karton-dev-secret"
	m := &devstack.MinIO{Dir: filepath.Join(o.DataDir, "minio"), Addr: o.MinIOAddr, AccessKey: e.objects.AccessKey, SecretKey: e.objects.SecretKey,
		LogFile: filepath.Join(o.DataDir, "minio.log")}
	launched := time.Now()
	if err := m.Launch(); err != nil {
		return fmt.Errorf("object store: %w", err)
	}
	s.stopping(func() { _ = m.Stop() })
	s.minio, s.minioLaunched = m, launched
	e.objects.Endpoint = m.Endpoint()
	return nil
}

// awaitObjects waits for the object store Start launched (it comes up
// while the platform opens) and makes sure the bucket exists.
func (s *System) awaitObjects(ctx context.Context) error {
	if s.minio != nil {
		if err := s.minio.WaitLive(ctx); err != nil {
			return fmt.Errorf("object store: %w", err)
		}
		s.took("object store", s.minioLaunched)
	}
	return s.Platform.Objects.EnsureBucket(ctx)
}

func (s *System) startSimulators(o Options, e *endpoints) error {
	s.Population = sim.NewPopulation(o.SimHouseholds)
	s.Sim = sim.NewServer(s.Population, o.SimFaults)
	addr := o.SimAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("registry simulators: %w", err)
	}
	srv := &http.Server{Handler: s.Sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	s.stopping(func() { _ = srv.Close() })
	e.registry = "http://" + ln.Addr().String()
	return nil
}

// startIssuer starts the development OIDC issuer.
func (s *System) startIssuer(o Options) error {
	issuerAddr := o.IssuerAddr
	if issuerAddr == "" {
		issuerAddr = "127.0.0.1:0"
	}
	iln, err := net.Listen("tcp", issuerAddr)
	if err != nil {
		return fmt.Errorf("development issuer: %w", err)
	}
	s.IssuerURL = "http://" + iln.Addr().String()
	keyFile := ""
	if !o.Ephemeral {
		keyFile = filepath.Join(o.DataDir, "issuer-key.pem")
	}
	iss, err := issuer.New(s.IssuerURL, keyFile)
	if err != nil {
		iln.Close()
		return fmt.Errorf("development issuer: %w", err)
	}
	s.Issuer = iss
	if o.DevIssuerRefusal != "" {
		iss.Refuse(o.DevIssuerRefusal)
	}
	isrv := &http.Server{Handler: iss, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = isrv.Serve(iln) }()
	s.stopping(func() { _ = isrv.Close() })
	return nil
}

func (s *System) startWorker() error {
	w := s.Platform.Worker()
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	s.worker = w
	s.stopping(func() { s.worker.Stop() })
	return nil
}

// ensureSchedules creates or updates the schedules Options ask for.
func (s *System) ensureSchedules(ctx context.Context, o Options) error {
	p := s.Platform
	var ensure []func(context.Context) error
	if o.PayrollDay > 0 {
		ensure = append(ensure, func(ctx context.Context) error { return p.EnsurePayrollSchedule(ctx, o.PayrollDay) })
	}
	if o.RevisionSweep {
		ensure = append(ensure, p.EnsureRevisionSchedule, p.EnsureWaitingListSchedule, p.EnsureLicenceSweepSchedule, p.EnsurePlacementFactsSchedule)
	}
	ensure = append(ensure, p.EnsureElectricitySchedule, p.EnsureAgricultureSchedule)
	if o.ChangesPoll > 0 {
		ensure = append(ensure, func(ctx context.Context) error { return p.EnsureChangesSchedule(ctx, o.ChangesPoll) })
	}
	for _, f := range ensure {
		if err := f(ctx); err != nil {
			return err
		}
	}
	return nil
}

// serveAPI serves the API and waits until it listens.
func (s *System) serveAPI() error {
	apiCtx, stopAPI := context.WithCancel(context.Background())
	addrc, errc := make(chan string, 1), make(chan error, 1)
	go func() { errc <- s.Platform.Serve(apiCtx, func(a string) { addrc <- a }) }()
	select {
	case a := <-addrc:
		s.APIURL = "http://" + a
	case err := <-errc:
		stopAPI()
		return fmt.Errorf("api: %w", err)
	}
	s.stopping(func() { stopAPI(); _ = <-errc })
	if s.Sim != nil {
		// The simulated employment agency answers referrals by itself, as
		// the agency's machine client.
		s.Sim.SetAgencyClient(sim.AgencyClient{APIURL: s.APIURL, TokenURL: s.IssuerURL + "/token",
			ClientID: agencyClient, ClientSecret: issuer.ClientSecret(agencyClient)})
	}
	return nil
}

// fixPort replaces port 0 of addr by a free one.
func fixPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port != "0" {
		return addr, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("api: %w", err)
	}
	defer ln.Close()
	return net.JoinHostPort(host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)), nil
}

// codecEndpoint is the URL of the API's codec endpoint on addr, as a
// browser on this machine reaches it.
func codecEndpoint(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/codec"
}

// agencyClient is the Employment Agency's machine client.
const agencyClient = "employment-system"

// RestartWorker stops the worker, forgets every workflow it had cached,
// and starts a new one, as when the worker process dies and is replaced:
// the new worker rebuilds each workflow from its history.
func (s *System) RestartWorker() error {
	s.worker.Stop()
	sdkworker.PurgeStickyWorkflowCache()
	w := s.Platform.Worker()
	if err := w.Start(); err != nil {
		return fmt.Errorf("restart worker: %w", err)
	}
	s.worker = w
	return nil
}

// Stop stops everything, the last started first.
func (s *System) Stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	s.stops = nil
}

// Token signs an access token for a demo user, as POST /dev/token does.
func (s *System) Token(username string) (string, error) {
	u, ok := domain.DemoUser(username)
	if !ok {
		return "", fmt.Errorf("no demo user %q", username)
	}
	return s.Issuer.Token(u)
}
