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
	"runtime/debug"
	"strconv"
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

	stops  []func()
	worker sdkworker.Worker
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
	tuneGC()
	worker.SetCacheSize() // before the embedded Temporal server starts its own SDK workers
	s := &System{}
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

	dbURL := o.DatabaseURL
	if dbURL == "" {
		pg := &devstack.Postgres{Dir: filepath.Join(o.DataDir, "pg"), Port: o.PGPort, Fast: o.Ephemeral}
		if err := pg.Start(ctx); err != nil {
			return nil, fmt.Errorf("postgresql: %w", err)
		}
		s.stops = append(s.stops, func() { _ = pg.Stop() })
		if err := pg.CreateDatabase(ctx, "karton"); err != nil {
			return nil, err
		}
		dbURL = pg.URL("karton")
	}

	temporalAddr := o.TemporalAddress
	if temporalAddr == "" {
		to := temporalserver.Options{FrontendPort: o.TemporalPort, UIPort: o.TemporalUI, Namespace: "default", CodecEndpoint: codecURL}
		if !o.Ephemeral {
			to.DatabaseFile = filepath.Join(o.DataDir, "temporal", "temporal.db")
			to.LogFile = filepath.Join(o.DataDir, "temporal", "server.log")
		}
		ts, err := temporalserver.Start(to)
		if err != nil {
			return nil, fmt.Errorf("temporal: %w", err)
		}
		s.stops = append(s.stops, ts.Stop)
		temporalAddr, s.TemporalUIURL = ts.Address(), ts.UIURL()
	}

	oc := o.Objects
	if oc.Bucket == "" {
		oc.Bucket = "karton"
	}
	if oc.Endpoint == "" {
		oc.AccessKey, oc.SecretKey = "karton", "karton-dev-secret"
		m := &devstack.MinIO{Dir: filepath.Join(o.DataDir, "minio"), Addr: o.MinIOAddr, AccessKey: oc.AccessKey, SecretKey: oc.SecretKey,
			LogFile: filepath.Join(o.DataDir, "minio.log")}
		if err := m.Start(ctx); err != nil {
			return nil, fmt.Errorf("object store: %w", err)
		}
		s.stops = append(s.stops, func() { _ = m.Stop() })
		oc.Endpoint = m.Endpoint()
	}
	s.ObjectsURL = "http://" + oc.Endpoint

	regURL := o.RegistryURL
	if regURL == "" {
		s.Population = sim.NewPopulation(o.SimHouseholds)
		s.Sim = sim.NewServer(s.Population, o.SimFaults)
		addr := o.SimAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("registry simulators: %w", err)
		}
		srv := &http.Server{Handler: s.Sim, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		s.stops = append(s.stops, func() { _ = srv.Close() })
		regURL = "http://" + ln.Addr().String()
	}
	s.SimURL = regURL

	issuerAddr := o.IssuerAddr
	if issuerAddr == "" {
		issuerAddr = "127.0.0.1:0"
	}
	iln, err := net.Listen("tcp", issuerAddr)
	if err != nil {
		return nil, fmt.Errorf("development issuer: %w", err)
	}
	s.IssuerURL = "http://" + iln.Addr().String()
	keyFile := ""
	if !o.Ephemeral {
		keyFile = filepath.Join(o.DataDir, "issuer-key.pem")
	}
	iss, err := issuer.New(s.IssuerURL, keyFile)
	if err != nil {
		iln.Close()
		return nil, fmt.Errorf("development issuer: %w", err)
	}
	s.Issuer = iss
	if o.DevIssuerRefusal != "" {
		iss.Refuse(o.DevIssuerRefusal)
	}
	isrv := &http.Server{Handler: iss, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = isrv.Serve(iln) }()
	s.stops = append(s.stops, func() { _ = isrv.Close() })

	p, err := platform.Open(ctx, platform.Config{
		DatabaseURL: dbURL, TemporalAddress: temporalAddr, TemporalNamespace: "default",
		Objects: oc, RegistryURL: regURL, RegistryClientID: "ME/GOV/MRSS/karton", RegistryTimeout: 10 * time.Second,
		HTTPAddr: httpAddr, ClaimDeadlines: o.ClaimDeadlines, TreasuryURL: regURL, PoliceURL: regURL, AgencyURL: regURL, ElectricityURL: regURL,
		OIDCIssuer: s.IssuerURL, OIDCAudience: issuer.Audience, OIDCSkew: time.Minute, DevIssuer: iss, InsecureCookies: true,
		PayloadKeys: keys, CodecOrigins: origins,
		PaymentDay: max(o.PaymentDay, 1),
	}, o.Log, true)
	if err != nil {
		return nil, err
	}
	s.Platform = p
	s.stops = append(s.stops, p.Close)
	if err := p.Objects.EnsureBucket(ctx); err != nil {
		return nil, err
	}

	w := p.Worker()
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	if o.PayrollDay > 0 {
		if err := p.EnsurePayrollSchedule(ctx, o.PayrollDay); err != nil {
			return nil, err
		}
	}
	if o.RevisionSweep {
		if err := p.EnsureRevisionSchedule(ctx); err != nil {
			return nil, err
		}
		if err := p.EnsureWaitingListSchedule(ctx); err != nil {
			return nil, err
		}
		if err := p.EnsureLicenceSweepSchedule(ctx); err != nil {
			return nil, err
		}
		if err := p.EnsurePlacementFactsSchedule(ctx); err != nil {
			return nil, err
		}
	}
	if err := p.EnsureElectricitySchedule(ctx); err != nil {
		return nil, err
	}
	if err := p.EnsureAgricultureSchedule(ctx); err != nil {
		return nil, err
	}
	if o.ChangesPoll > 0 {
		if err := p.EnsureChangesSchedule(ctx, o.ChangesPoll); err != nil {
			return nil, err
		}
	}
	s.worker = w
	s.stops = append(s.stops, func() { s.worker.Stop() })

	apiCtx, stopAPI := context.WithCancel(context.Background())
	addrc, errc := make(chan string, 1), make(chan error, 1)
	go func() { errc <- p.Serve(apiCtx, func(a string) { addrc <- a }) }()
	select {
	case a := <-addrc:
		s.APIURL = "http://" + a
	case err := <-errc:
		stopAPI()
		return nil, fmt.Errorf("api: %w", err)
	}
	s.stops = append(s.stops, func() { stopAPI(); _ = <-errc })
	if s.Sim != nil {
		// The simulated employment agency answers referrals by itself, as
		// the agency's machine client.
		s.Sim.SetAgencyClient(sim.AgencyClient{APIURL: s.APIURL, TokenURL: s.IssuerURL + "/token",
			ClientID: agencyClient, ClientSecret: issuer.ClientSecret(agencyClient)})
	}
	return s, nil
}

// tuneGC sets the garbage collector of the one process that holds the
// API, the worker and Temporal's server, unless GOGC or GOMEMLIMIT say
// otherwise: the embedded server's caches make a live heap of ~120 MiB at
// 10,000 open cases, and at Go's default (GOGC=100) every request paid for
// marking it in GC assists: an inbox's p99 was 167 ms against 21 ms at
// GOGC=300 (bench/cases). The soft limit keeps the heap under 1 GiB.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(300)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}
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
