// Package cluster runs Karton on this machine as it runs in production,
// one process per part: a private PostgreSQL holding Karton's database and
// Temporal's two; Temporal's frontend, history, matching and worker
// services as four `temporal-server start --service=X` processes; MinIO;
// two `karton worker` and two `karton api` processes (the lean binary)
// behind a small round-robin proxy; the registry simulators, the
// development OIDC issuer and Temporal's Web UI, served by the supervisor
// itself. Each process is supervised: killed, it is
// started again after a pause, as Kubernetes restarts a container.
//
// It never links Temporal's server: the services are the binaries
// `make bin/temporal-server` installs from the module proxy, at the
// version of go.mod. `make cluster` runs it (cmd/karton-cluster); the kill
// and rolling-upgrade tests in e2e/cluster drive it.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiopts "github.com/temporalio/ui-server/v2/server/server_options"

	"github.com/karton-social/karton/codec"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/issuer"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// Ports are Base plus these offsets; Temporal's services take Base+233..
// (gRPC) and Base+933.. (membership), Temporal's own numbering.
const (
	pgOffset     = 32
	minioOffset  = 90
	simOffset    = 81
	issuerOffset = 82
	uiOffset     = 70  // Temporal's Web UI
	apiOffset    = 100 // the API processes: Base+101, Base+102, ...
	workerOffset = 110 // the workers' /healthz, /readyz, /metrics: Base+111, ...
)

// Options say where the cluster lives and how big it is.
type Options struct {
	Dir       string // data and logs, e.g. var/cluster
	Bin       string // temporal-server, temporal-sql-tool, minio, karton-lean
	Base      int    // first port; default 18000
	ProxyAddr string // the one address clients use; default 127.0.0.1:8080

	Workers, APIs  int // default 2 each
	HistoryShards  int // default 16
	DemoHouseholds int // loaded once into an empty database; default 1000
	// PaymentDay is passed to the API and workers (KARTON_PAYMENT_DAY); 0
	// keeps their default.
	PaymentDay int
	// Fast turns off PostgreSQL's fsync: for tests.
	Fast bool
	// RestartDelay is the pause before a process that died is started
	// again; default 2s.
	RestartDelay time.Duration
	// WorkerEnv is added to the environment of the worker processes.
	WorkerEnv []string
	// Out receives the supervisor's messages; nil: os.Stderr.
	Out io.Writer
}

// Cluster is the cluster running.
type Cluster struct {
	o     Options
	pg    *devstack.Postgres
	minio *devstack.MinIO
	procs map[string]*Proc
	order []string // start order; stopped in reverse
	stops []func()
	Sim   *sim.Server
	// Population is the simulated population the registries answer
	// about; its first DemoHouseholds households are in the database.
	Population *sim.Population
	env        []string
	Issuer     *issuer.Issuer
	Proxy      *Proxy
	Temporal   client.Client // plain (no payload codec): for listing and describing
	sayMu      sync.Mutex
	cancelBg   context.CancelFunc
	APIURL     string // the proxy
	// TemporalUIURL is Temporal's Web UI, served by the supervisor (the
	// UI server, not Temporal's), decoding payloads through the API's
	// codec endpoint behind the proxy.
	TemporalUIURL string
	IssuerURL     string
	SimURL        string
	S3URL         string
}

// Start brings the whole cluster up and returns when the API answers
// ready through the proxy and every worker polls its task queue; on error
// it stops what it started.
func Start(ctx context.Context, o Options) (_ *Cluster, err error) {
	if o.Dir == "" || o.Bin == "" {
		return nil, errors.New("cluster: Dir and Bin are required")
	}
	if o.Base == 0 {
		o.Base = 18000
	}
	if o.ProxyAddr == "" {
		o.ProxyAddr = "127.0.0.1:8080"
	}
	if o.Workers == 0 {
		o.Workers = 2
	}
	if o.APIs == 0 {
		o.APIs = 2
	}
	if o.HistoryShards == 0 {
		o.HistoryShards = 16
	}
	if o.DemoHouseholds == 0 {
		o.DemoHouseholds = 1000
	}
	if o.RestartDelay == 0 {
		o.RestartDelay = 2 * time.Second
	}
	if o.Out == nil {
		o.Out = os.Stderr
	}
	if o.Dir, err = filepath.Abs(o.Dir); err != nil {
		return nil, err
	}
	if o.Bin, err = filepath.Abs(o.Bin); err != nil {
		return nil, err
	}
	for _, b := range []string{"temporal-server", "temporal-sql-tool", "minio", "karton-lean"} {
		if _, err := os.Stat(filepath.Join(o.Bin, b)); err != nil {
			return nil, fmt.Errorf("cluster: %s is missing in %s: run `make cluster` (it builds bin/temporal-server, bin/temporal-sql-tool, bin/minio and bin/karton-lean)", b, o.Bin)
		}
	}
	c := &Cluster{o: o, procs: map[string]*Proc{}}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	bg, cancel := context.WithCancel(context.Background())
	c.cancelBg = cancel
	for _, d := range []string{o.Dir, filepath.Join(o.Dir, "temporal"), filepath.Join(o.Dir, "keys")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	keyFile := filepath.Join(o.Dir, "keys", "payload.json")
	if _, _, err := codec.EnsureKeyFile(keyFile); err != nil {
		return nil, err
	}

	// PostgreSQL: Karton's database and Temporal's two.
	c.say("postgresql on 127.0.0.1:%d", o.Base+pgOffset)
	c.pg = &devstack.Postgres{Dir: filepath.Join(o.Dir, "pg"), Port: o.Base + pgOffset, Fast: o.Fast}
	if err := c.pg.Start(ctx); err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	c.stops = append(c.stops, func() { _ = c.pg.Stop() })
	if err := c.pg.CreateDatabase(ctx, "karton"); err != nil {
		return nil, err
	}
	c.say("temporal schemas (temporal-sql-tool)")
	if err := c.setupTemporalSchemas(ctx); err != nil {
		return nil, err
	}

	// Temporal: four processes, one configuration.
	conf := filepath.Join(o.Dir, "temporal", "config.yaml")
	if err := os.WriteFile(conf, []byte(c.temporalConfig()), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Dir, "temporal", "dynamicconfig.yaml"), []byte(dynamicConfig), 0o644); err != nil {
		return nil, err
	}
	for _, s := range temporalServices {
		if err := c.startProc(&Proc{Name: "temporal-" + s, Path: filepath.Join(o.Bin, "temporal-server"),
			Args: []string{"--config-file", conf, "--allow-no-auth", "start", "--service", s}}); err != nil {
			return nil, err
		}
	}
	c.say("temporal frontend on %s; registering namespace default", c.FrontendAddress())
	if err := c.registerNamespace(ctx, "default", 7*24*time.Hour); err != nil {
		return nil, err
	}
	if c.Temporal, err = dialTemporal(ctx, c.FrontendAddress()); err != nil {
		return nil, err
	}
	c.stops = append(c.stops, c.Temporal.Close)

	// Temporal's Web UI, whose codec endpoint is the API's (through the
	// proxy; the API lets the UI's origin call it).
	uiAddr := fmt.Sprintf("127.0.0.1:%d", o.Base+uiOffset)
	codecURL := "http://" + o.ProxyAddr + "/codec"
	ui := uiserver.NewServer(uiopts.WithConfigProvider(&uiconfig.Config{
		Host: "127.0.0.1", Port: o.Base + uiOffset, TemporalGRPCAddress: c.FrontendAddress(), EnableUI: true,
		CORS: uiconfig.CORS{CookieInsecure: true}, HideLogs: true, DisableNewsFetch: true,
		Codec: uiconfig.Codec{Endpoint: codecURL, IncludeCredentials: true},
	}))
	go func() { _ = ui.Start() }() // Start blocks; Stop ends it
	c.stops = append(c.stops, ui.Stop)
	c.TemporalUIURL = "http://" + uiAddr

	// MinIO.
	oc := objects.Config{Endpoint: fmt.Sprintf("127.0.0.1:%d", o.Base+minioOffset), AccessKey: "karton", SecretKey: "karton-dev-secret", Bucket: "karton"}
	c.minio = &devstack.MinIO{Binary: filepath.Join(o.Bin, "minio"), Dir: filepath.Join(o.Dir, "minio"), Addr: oc.Endpoint,
		AccessKey: oc.AccessKey, SecretKey: oc.SecretKey, LogFile: filepath.Join(o.Dir, "minio.log")}
	if err := c.minio.Start(ctx); err != nil {
		return nil, fmt.Errorf("object store: %w", err)
	}
	c.stops = append(c.stops, func() { _ = c.minio.Stop() })
	c.S3URL = "http://" + oc.Endpoint
	objs, err := objects.Open(oc)
	if err != nil {
		return nil, err
	}
	if err := objs.EnsureBucket(ctx); err != nil {
		return nil, err
	}

	// The registry simulators and the development issuer, in this process.
	c.Population = sim.NewPopulation(sim.MaxHouseholds)
	c.Sim = sim.NewServer(c.Population, sim.Faults{Latency: 20 * time.Millisecond})
	if c.SimURL, err = c.serve(fmt.Sprintf("127.0.0.1:%d", o.Base+simOffset), c.Sim); err != nil {
		return nil, fmt.Errorf("registry simulators: %w", err)
	}
	c.IssuerURL = fmt.Sprintf("http://127.0.0.1:%d", o.Base+issuerOffset)
	if c.Issuer, err = issuer.New(c.IssuerURL, filepath.Join(o.Dir, "issuer-key.pem")); err != nil {
		return nil, fmt.Errorf("development issuer: %w", err)
	}
	if _, err = c.serve(fmt.Sprintf("127.0.0.1:%d", o.Base+issuerOffset), c.Issuer); err != nil {
		return nil, fmt.Errorf("development issuer: %w", err)
	}

	// The schema and the demo data, once, by the production binary.
	karton := filepath.Join(o.Bin, "karton-lean")
	env := []string{"DATABASE_URL=" + c.DatabaseURL(), "KARTON_DATA_DIR=" + o.Dir}
	migrateLog := filepath.Join(o.Dir, "karton-migrate.log")
	if err := runLoggedEnv(ctx, migrateLog, env, karton, "migrate"); err != nil {
		return nil, fmt.Errorf("karton migrate: %w (see %s)", err, migrateLog)
	}
	db, err := store.Open(ctx, c.DatabaseURL())
	if err != nil {
		return nil, err
	}
	persons, err := db.CountPersons(ctx)
	db.Close()
	if err != nil {
		return nil, err
	}
	if persons == 0 {
		c.say("loading %d demo households (karton demo)", o.DemoHouseholds)
		if err := runLoggedEnv(ctx, migrateLog, env, karton, "demo", "--households", strconv.Itoa(o.DemoHouseholds)); err != nil {
			return nil, fmt.Errorf("karton demo: %w (see %s)", err, migrateLog)
		}
	}

	// The workers and the API processes.
	env = append(env, "TEMPORAL_ADDRESS="+c.FrontendAddress(), "TEMPORAL_NAMESPACE=default",
		"S3_ENDPOINT="+oc.Endpoint, "S3_ACCESS_KEY="+oc.AccessKey, "S3_SECRET_KEY="+oc.SecretKey, "S3_BUCKET="+oc.Bucket,
		"KARTON_REGISTRY_URL="+c.SimURL, "KARTON_TREASURY_URL="+c.SimURL, "KARTON_POLICE_URL="+c.SimURL, "KARTON_AGENCY_URL="+c.SimURL,
		"KARTON_OIDC_ISSUER="+c.IssuerURL, "KARTON_OIDC_AUDIENCE="+issuer.Audience, "KARTON_PAYLOAD_KEYS_FILE="+keyFile,
		fmt.Sprintf("KARTON_CODEC_ORIGINS=http://127.0.0.1:%d,http://localhost:%d", o.Base+uiOffset, o.Base+uiOffset))
	if o.PaymentDay > 0 {
		env = append(env, "KARTON_PAYMENT_DAY="+strconv.Itoa(o.PaymentDay))
	}
	c.env = env
	for i := 1; i <= o.Workers; i++ {
		if err := c.startProc(&Proc{Name: fmt.Sprintf("karton-worker-%d", i), Path: karton, Args: []string{"worker"},
			Env: append(append([]string{}, env...), append(o.WorkerEnv, fmt.Sprintf("KARTON_WORKER_HTTP_ADDR=127.0.0.1:%d", o.Base+workerOffset+i))...)}); err != nil {
			return nil, err
		}
	}
	var backends []string
	for i := 1; i <= o.APIs; i++ {
		addr := fmt.Sprintf("127.0.0.1:%d", o.Base+apiOffset+i)
		backends = append(backends, "http://"+addr)
		if err := c.startProc(&Proc{Name: fmt.Sprintf("karton-api-%d", i), Path: karton, Args: []string{"api"},
			Env: append(append([]string{}, env...), "KARTON_HTTP_ADDR="+addr)}); err != nil {
			return nil, err
		}
	}
	c.Proxy = &Proxy{Backends: backends}
	c.Proxy.Start(bg)
	if c.APIURL, err = c.serve(o.ProxyAddr, c.Proxy); err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	c.Sim.SetAgencyClient(sim.AgencyClient{APIURL: c.APIURL, TokenURL: c.IssuerURL + "/token",
		ClientID: "employment-system", ClientSecret: issuer.ClientSecret("employment-system")})

	c.say("waiting for %d API and %d worker processes", o.APIs, o.Workers)
	if err := c.WaitReady(ctx, 3*time.Minute); err != nil {
		return nil, err
	}
	return c, nil
}

// dialTemporal connects a plain client to the frontend, retrying while it
// starts.
func dialTemporal(ctx context.Context, addr string) (client.Client, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		tc, err := client.Dial(client.Options{HostPort: addr, Namespace: "default", Logger: quietLogger{}})
		if err == nil {
			return tc, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("temporal frontend at %s: %w", addr, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// WaitReady waits until every API process answers ready and every worker
// process polls Karton's task queue.
func (c *Cluster) WaitReady(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		why := c.notReady(ctx)
		if why == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster not ready after %s: %s (logs in %s)", within, why, c.o.Dir)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (c *Cluster) notReady(ctx context.Context) string {
	for i := 1; i <= c.o.APIs; i++ {
		if !c.APIReady(i) {
			return fmt.Sprintf("karton-api-%d not ready", i)
		}
	}
	for i := 1; i <= c.o.Workers; i++ {
		if !c.WorkerPolling(ctx, i) {
			return fmt.Sprintf("karton-worker-%d not polling", i)
		}
	}
	return ""
}

// APIReady says whether API process i (from 1) answers 200 on /readyz.
func (c *Cluster) APIReady(i int) bool {
	cl := &http.Client{Timeout: time.Second}
	resp, err := cl.Get(c.APIAddr(i) + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// APIAddr is API process i's own URL (from 1), not the proxy's.
func (c *Cluster) APIAddr(i int) string {
	return fmt.Sprintf("http://127.0.0.1:%d", c.o.Base+apiOffset+i)
}

// WorkerPolling says whether worker process i (from 1) polls Karton's
// workflow task queue: Temporal lists a poller whose identity is the
// SDK's default, "<pid>@<host>@".
func (c *Cluster) WorkerPolling(ctx context.Context, i int) bool {
	return c.Polling(ctx, workflows.TaskQueue, c.Proc(fmt.Sprintf("karton-worker-%d", i)).Pid())
}

// Polling says whether the process pid polls the workflow task queue tq.
func (c *Cluster) Polling(ctx context.Context, tq string, pid int) bool {
	if pid == 0 {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	resp, err := c.Temporal.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace: "default", TaskQueue: &taskqueuepb.TaskQueue{Name: tq, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW})
	if err != nil {
		return false
	}
	for _, p := range resp.GetPollers() {
		if strings.HasPrefix(p.GetIdentity(), strconv.Itoa(pid)+"@") && time.Since(p.GetLastAccessTime().AsTime()) < 70*time.Second {
			return true
		}
	}
	return false
}

// Proc returns the supervised process of that name (temporal-history,
// karton-worker-1, karton-api-2, ...), or nil.
func (c *Cluster) Proc(name string) *Proc { return c.procs[name] }

// Procs lists the supervised processes in start order.
func (c *Cluster) Procs() []*Proc {
	var ps []*Proc
	for _, n := range c.order {
		ps = append(ps, c.procs[n])
	}
	return ps
}

// Supervise starts one more supervised process (the rolling-upgrade
// test's workers); its log goes to <Dir>/<Name>.log.
func (c *Cluster) Supervise(p *Proc) error { return c.startProc(p) }

// KartonEnv is the environment the karton processes run with.
func (c *Cluster) KartonEnv() []string { return append([]string{}, c.env...) }

// StopProc stops a supervised process for good (a rolled-out replica).
func (c *Cluster) StopProc(name string) {
	if p := c.procs[name]; p != nil {
		p.stop(30 * time.Second)
	}
}

// DatabaseURL is Karton's database.
func (c *Cluster) DatabaseURL() string { return c.pg.URL("karton") }

// Dir is the folder of data and logs.
func (c *Cluster) Dir() string { return c.o.Dir }

// Token signs an access token for a demo user.
func (c *Cluster) Token(username string) (string, error) {
	u, ok := domain.DemoUser(username)
	if !ok {
		return "", fmt.Errorf("no demo user %q", username)
	}
	return c.Issuer.Token(u)
}

func (c *Cluster) startProc(p *Proc) error {
	if p.LogFile == "" {
		p.LogFile = filepath.Join(c.o.Dir, p.Name+".log")
	}
	if p.RestartDelay == 0 {
		p.RestartDelay = c.o.RestartDelay
	}
	p.say = c.say
	if err := p.start(); err != nil {
		return err
	}
	c.procs[p.Name] = p
	c.order = append(c.order, p.Name)
	return nil
}

// serve listens on addr and serves h until Stop; it returns the URL.
func (c *Cluster) serve(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	c.stops = append(c.stops, func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), nil
}

func (c *Cluster) say(format string, args ...any) {
	c.sayMu.Lock()
	defer c.sayMu.Unlock()
	fmt.Fprintf(c.o.Out, "cluster: "+format+"\n", args...)
}

// Stop stops every process, the last started first, then PostgreSQL.
func (c *Cluster) Stop() {
	if c.cancelBg != nil {
		c.cancelBg()
	}
	// Processes first (the API and workers, then Temporal), then what the
	// supervisor holds itself.
	for i := len(c.order) - 1; i >= 0; i-- {
		c.procs[c.order[i]].stop(20 * time.Second)
	}
	c.order = nil
	for i := len(c.stops) - 1; i >= 0; i-- {
		c.stops[i]()
	}
	c.stops = nil
}

// runLoggedEnv is runLogged with extra environment.
func runLoggedEnv(ctx context.Context, logFile string, env []string, path string, args ...string) error {
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	fmt.Fprintf(f, "--- %s %s\n", filepath.Base(path), strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	return cmd.Run()
}

// Reset stops a PostgreSQL left running in dir by a run that did not stop
// it (a test killed by its timeout) and removes dir, so that a test starts
// from nothing.
func Reset(dir string) error {
	pgDir := filepath.Join(dir, "pg")
	if _, err := os.Stat(filepath.Join(pgDir, "postmaster.pid")); err == nil {
		bin, err := devstack.FindPostgresBin()
		if err != nil {
			return err
		}
		cmd := exec.Command(filepath.Join(bin, "pg_ctl"), "-D", pgDir, "-m", "immediate", "-w", "stop")
		if os.Geteuid() == 0 {
			cmd = exec.Command("su", devstack.PostgresUser, "-s", "/bin/sh", "-c", filepath.Join(bin, "pg_ctl")+" -D '"+pgDir+"' -m immediate -w stop")
		}
		_ = cmd.Run() // not running: nothing to stop
	}
	return os.RemoveAll(dir)
}
