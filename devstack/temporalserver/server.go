// Package temporalserver runs a real Temporal server inside the karton
// process for development: SQLite persistence in one file (WAL mode), the
// namespace created directly in the store, and the Temporal Web UI.
//
// Only `karton dev` and end-to-end tests import it. It pulls in the whole
// Temporal server (a large, slow-to-compile dependency), so production
// binaries built with the `lean` tag leave it out.
package temporalserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiopts "github.com/temporalio/ui-server/v2/server/server_options"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/karton-social/karton/devstack/ports"
)

// Options says where the server keeps its data and where it listens.
type Options struct {
	// DatabaseFile is the SQLite file; empty keeps everything in memory.
	DatabaseFile string
	// Host is the IP to bind, normally 127.0.0.1.
	Host string
	// FrontendPort is the gRPC port clients dial; 0 picks a free one.
	FrontendPort int
	// UIPort serves the Temporal Web UI; 0 means no UI.
	UIPort int
	// Namespace is created at start if missing.
	Namespace string
	// LogFile receives the server's own warnings; empty discards them.
	LogFile string
	// CodecEndpoint is the remote codec the Web UI decodes payloads with
	// (Karton's /codec), called with the browser's credentials; empty
	// shows payloads as stored.
	CodecEndpoint string
}

// Server is a running embedded Temporal server.
type Server struct {
	server   temporal.Server
	ui       *uiserver.Server
	address  string
	uiURL    string
	logClose func()
}

// Address is the frontend's host:port for client.Dial.
func (s *Server) Address() string { return s.address }

// UIURL is the Web UI's address, or "" when none was asked for.
func (s *Server) UIURL() string { return s.uiURL }

// Start builds and starts the server; it is ready for clients on return.
func Start(o Options) (*Server, error) {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	var err error
	if o.FrontendPort == 0 {
		if o.FrontendPort, err = ports.Free(o.Host); err != nil {
			return nil, err
		}
	}
	svcPorts := make([]int, 4) // frontend http, history, matching, worker
	for i := range svcPorts {
		if svcPorts[i], err = ports.Free(o.Host); err != nil {
			return nil, err
		}
	}

	sqlConf, err := sqlConfig(o)
	if err != nil {
		return nil, err
	}
	address := net.JoinHostPort(o.Host, strconv.Itoa(o.FrontendPort))
	const clusterName = "active"
	conf := &config.Config{}
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = o.Host
	conf.Persistence.DefaultStore = "sqlite-default"
	conf.Persistence.VisibilityStore = "sqlite-default"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite-default": {SQL: sqlConf}}
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             address,
				HTTPAddress:            net.JoinHostPort(o.Host, strconv.Itoa(svcPorts[0])),
				ClusterID:              "karton-dev",
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	svc := func(grpc, http int) config.Service {
		var c config.Service
		c.RPC.GRPCPort = grpc
		c.RPC.HTTPPort = http
		c.RPC.BindOnIP = o.Host
		return c
	}
	conf.Services = map[string]config.Service{
		"frontend": svc(o.FrontendPort, svcPorts[0]),
		"history":  svc(svcPorts[1], 0),
		"matching": svc(svcPorts[2], 0),
		"worker":   svc(svcPorts[3], 0),
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = address

	logger, logClose, err := serverLogger(o.LogFile)
	if err != nil {
		return nil, err
	}
	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		logClose()
		return nil, fmt.Errorf("temporal authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, logger)
	if err != nil {
		logClose()
		return nil, fmt.Errorf("temporal claim mapper: %w", err)
	}
	host := func(port int) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	}
	dyn := dynamicconfig.StaticClient{
		// Workflows kept in memory between their steps, and their events:
		// bounded like the worker's cache (worker.CacheSize), so that the
		// process stays flat however many cases wait on their timers.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key():                 2000,
		dynamicconfig.EventsHostLevelCacheMaxSizeBytes.Key():             32 << 20,
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// Hand activities scheduled by a workflow task straight back to the
		// worker that completed it: one round trip less per activity.
		dynamicconfig.EnableActivityEagerExecution.Key(): true,
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: host(o.FrontendPort),
			primitives.HistoryService:  host(svcPorts[1]),
			primitives.MatchingService: host(svcPorts[2]),
			primitives.WorkerService:   host(svcPorts[3]),
		}),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dyn),
	)
	if err != nil {
		logClose()
		return nil, fmt.Errorf("build temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		logClose()
		return nil, fmt.Errorf("start temporal server: %w", err)
	}
	s := &Server{server: srv, address: address, logClose: logClose}
	if o.UIPort > 0 {
		s.ui = uiserver.NewServer(uiopts.WithConfigProvider(&uiconfig.Config{
			Host:                o.Host,
			Port:                o.UIPort,
			TemporalGRPCAddress: address,
			EnableUI:            true,
			CORS:                uiconfig.CORS{CookieInsecure: true},
			HideLogs:            true,
			DisableNewsFetch:    true,
			Codec:               uiconfig.Codec{Endpoint: o.CodecEndpoint, IncludeCredentials: o.CodecEndpoint != ""},
		}))
		go func() { _ = s.ui.Start() }() // Start blocks; Stop ends it
		s.uiURL = fmt.Sprintf("http://%s", net.JoinHostPort(o.Host, strconv.Itoa(o.UIPort)))
	}
	return s, nil
}

// Stop shuts the UI and the server down.
func (s *Server) Stop() {
	if s.ui != nil {
		s.ui.Stop()
	}
	_ = s.server.Stop()
	s.logClose()
}

func sqlConfig(o Options) (*config.SQL, error) {
	conf := &config.SQL{PluginName: sqliteplugin.PluginName}
	if o.DatabaseFile == "" {
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		conf.DatabaseName = fmt.Sprintf("karton-%d", time.Now().UnixNano())
	} else {
		// WAL with synchronous=full: every commit is on disk before the
		// server acknowledges it, so no acknowledged workflow, signal or
		// timer is lost to a power cut or a crash of the machine
		// (synchronous=normal, used until issue 24, keeps the database
		// whole but may lose the last commits: trivial workflows/s 43 → 31,
		// claims/s 19.3 → 16.7 on 2 cores, bench/claims and docs/operations.md).
		conf.ConnectAttributes = map[string]string{"mode": "rwc", "journal_mode": "wal", "synchronous": "full"}
		// One connection: SQLite has one writer, and with more connections
		// the server's writes queue on the database lock (measured: 2.5x
		// fewer workflows per second with 4).
		conf.MaxConns = 1
		conf.MaxIdleConns = 1
		conf.DatabaseName = o.DatabaseFile
		if err := os.MkdirAll(filepath.Dir(o.DatabaseFile), 0o755); err != nil {
			return nil, fmt.Errorf("create temporal data folder: %w", err)
		}
		if _, err := os.Stat(o.DatabaseFile); errors.Is(err, os.ErrNotExist) {
			if err := sqliteschema.SetupSchema(conf); err != nil {
				return nil, fmt.Errorf("set up temporal schema: %w", err)
			}
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig("active", o.Namespace, false, nil)
	if err != nil {
		return nil, fmt.Errorf("namespace config: %w", err)
	}
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return nil, fmt.Errorf("create namespace %s: %w", o.Namespace, err)
	}
	return conf, nil
}

func serverLogger(path string) (tlog.Logger, func(), error) {
	if path == "" {
		return tlog.NewNoopLogger(), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("open temporal log: %w", err)
	}
	w := &closableWriter{f: f}
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	core := zapcore.NewCore(enc, zapcore.AddSync(w), zapcore.WarnLevel)
	return tlog.NewZapLogger(zap.New(core)), w.close, nil
}

// closableWriter drops what the server's goroutines still log after Stop.
type closableWriter struct {
	mu sync.Mutex
	f  *os.File
}

func (w *closableWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return len(b), nil
	}
	return w.f.Write(b)
}

func (w *closableWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f != nil {
		_ = w.f.Close()
		w.f = nil
	}
}
