// Command karton is the one binary of Karton, the information system for
// social protection.
//
//	karton dev      the whole system on one machine, with embedded defaults
//	karton api      the HTTP API (production)
//	karton worker   the Temporal worker (production)
//	karton migrate  bring the database schema up to date
//	karton demo     load the synthetic demo population
//	karton keys     rotate (or list) the keys that encrypt Temporal's payloads
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/karton-social/karton/codec"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/platform"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/worker"
)

const usage = `usage: karton <command> [flags]

commands:
  dev       run the whole system here: PostgreSQL, Temporal, MinIO, registry simulators, worker, API
  api       serve the HTTP API (needs DATABASE_URL, TEMPORAL_ADDRESS, S3_*)
  worker    run the Temporal worker (needs DATABASE_URL, TEMPORAL_ADDRESS, S3_*, KARTON_REGISTRY_URL)
  migrate   bring the database schema up to date
  demo      load the synthetic demo population (--households N)
  audit verify   walk the audit log's hash chain and report the first broken link
  keys rotate    add a fresh payload key to KARTON_PAYLOAD_KEYS_FILE and make it the active one
  keys list      name the payload keys and the active one

configuration is by environment variable; see README.md.
`

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "karton:", err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string, out io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(out, usage)
		return errors.New("no command given")
	}
	cfg, err := Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(os.Stderr, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "dev", "api", "worker":
		flush, err := startTracing(ctx, getenv, "karton-"+args[0], log)
		if err != nil {
			return err
		}
		defer flush()
	}
	switch args[0] {
	case "dev":
		return runDev(ctx, cfg, log, out)
	case "api":
		return runAPI(ctx, cfg, log)
	case "worker":
		return runWorker(ctx, cfg, log)
	case "migrate":
		return runMigrate(ctx, cfg, out)
	case "demo":
		return runDemo(ctx, cfg, args[1:], out)
	case "audit":
		return runAudit(ctx, cfg, args[1:], out)
	case "keys":
		return runKeys(cfg, args[1:], out)
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	}
	fmt.Fprint(out, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func platformConfig(cfg Config) (platform.Config, error) {
	var missing []string
	for name, v := range map[string]string{"DATABASE_URL": cfg.DatabaseURL, "TEMPORAL_ADDRESS": cfg.TemporalAddress, "S3_ENDPOINT": cfg.S3Endpoint} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if cfg.OIDCIssuer == "" {
		missing = append(missing, "KARTON_OIDC_ISSUER")
	}
	if len(missing) > 0 {
		return platform.Config{}, fmt.Errorf("set %v (or use `karton dev`, which starts them)", missing)
	}
	keys := cfg.PayloadKeys
	if keys == nil {
		var err error
		if keys, err = codec.LoadKeyFile(cfg.PayloadKeysFile); err != nil {
			return platform.Config{}, fmt.Errorf("payload keys: %w (set KARTON_PAYLOAD_KEYS_FILE or KARTON_PAYLOAD_KEYS; `karton keys rotate` creates a key file; see docs/security.md)", err)
		}
	}
	tlsConf, err := temporalTLS(cfg)
	if err != nil {
		return platform.Config{}, err
	}
	addr := cfg.HTTPAddr
	if addr == "" {
		addr = ":8080"
	}
	return platform.Config{
		DatabaseURL: cfg.DatabaseURL, TemporalAddress: cfg.TemporalAddress, TemporalNamespace: cfg.TemporalNS,
		Objects:     objects.Config{Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, UseSSL: cfg.S3UseSSL, Bucket: cfg.S3Bucket},
		RegistryURL: cfg.RegistryURL, RegistryClientID: cfg.RegistryClient, RegistryTimeout: cfg.RegistryTimeout, TreasuryURL: cfg.TreasuryURL, PoliceURL: cfg.PoliceURL, AgencyURL: cfg.AgencyURL, ElectricityURL: cfg.ElectricityURL,
		HTTPAddr: addr, OIDCIssuer: cfg.OIDCIssuer, OIDCAudience: cfg.OIDCAudience, OIDCJWKSURL: cfg.OIDCJWKSURL, OIDCSkew: cfg.OIDCSkew,
		PayloadKeys: keys, CodecOrigins: cfg.CodecOrigins, PaymentDay: cfg.PaymentDay, TemporalTLS: tlsConf,
	}, nil
}

func runAPI(ctx context.Context, cfg Config, log *slog.Logger) error {
	pc, err := platformConfig(cfg)
	if err != nil {
		return err
	}
	p, err := platform.Open(ctx, pc, log, false)
	if err != nil {
		return err
	}
	defer p.Close()
	// The API serves at once, not ready until its dependencies answer
	// (/readyz says which does not); a schema behind the binary or a
	// namespace that does not exist stops it.
	ctx, stopServing := context.WithCancelCause(ctx)
	defer stopServing(nil)
	go func() {
		if err := p.AwaitServices(ctx, true); err != nil {
			stopServing(err)
		}
	}()
	err = p.Serve(ctx, func(addr string) { log.Info("api listening", "addr", addr, "config", cfg.String()) })
	var fatal *platform.FatalError
	if cause := context.Cause(ctx); errors.As(cause, &fatal) {
		return cause
	}
	return err
}

func runWorker(ctx context.Context, cfg Config, log *slog.Logger) error {
	worker.SetCacheSize()
	pc, err := platformConfig(cfg)
	if err != nil {
		return err
	}
	if pc.RegistryURL == "" {
		return errors.New("set KARTON_REGISTRY_URL, the X-Road security server the worker asks")
	}
	p, err := platform.Open(ctx, pc, log, false)
	if err != nil {
		return err
	}
	defer p.Close()
	// /healthz, /readyz and /metrics on their own address from the start,
	// for the orchestrator's probes and Prometheus.
	var running atomic.Bool
	addr := cfg.WorkerHTTPAddr
	ln, err := net.Listen("tcp", or(addr, ":8081"))
	switch {
	case err != nil && addr != "":
		return fmt.Errorf("KARTON_WORKER_HTTP_ADDR=%s: %w", addr, err)
	case err != nil:
		log.Warn("the worker's health and metrics are not served: :8081 is taken (set KARTON_WORKER_HTTP_ADDR)", "error", err)
	default:
		opsCtx, stopOps := context.WithCancel(ctx)
		opsDone := make(chan struct{})
		go func() { defer close(opsDone); _ = p.ServeOps(opsCtx, ln, running.Load) }()
		defer func() { stopOps(); <-opsDone }()
	}
	// The Temporal worker starts once the database's schema and Temporal's
	// namespace are found right, however long they take to answer.
	if err := p.AwaitServices(ctx, true); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	w := p.Worker()
	if err := w.Start(); err != nil {
		return err
	}
	running.Store(true)
	if err := p.EnsurePayrollSchedule(ctx, cfg.PayrollDay); err != nil {
		return err
	}
	if err := p.EnsureRevisionSchedule(ctx); err != nil {
		return err
	}
	if err := p.EnsureWaitingListSchedule(ctx); err != nil {
		return err
	}
	if err := p.EnsureLicenceSweepSchedule(ctx); err != nil {
		return err
	}
	if err := p.EnsurePlacementFactsSchedule(ctx); err != nil {
		return err
	}
	if err := p.EnsureElectricitySchedule(ctx); err != nil {
		return err
	}
	if err := p.EnsureAgricultureSchedule(ctx); err != nil {
		return err
	}
	if cfg.ChangesPoll > 0 {
		if err := p.EnsureChangesSchedule(ctx, cfg.ChangesPoll); err != nil {
			return err
		}
	}
	log.Info("worker running", "config", cfg.String())
	<-ctx.Done()
	w.Stop()
	return nil
}

// withDatabase opens DATABASE_URL, or the dev cluster under the data
// folder (reusing it if `karton dev` is running, else starting it for the
// duration of fn).
func withDatabase(ctx context.Context, cfg Config, fn func(db *store.DB) error) error {
	url := cfg.DatabaseURL
	if url == "" {
		pg := &devstack.Postgres{Dir: cfg.DataDir + "/pg", Port: devPGPort}
		if err := pg.Start(ctx); err != nil {
			return err
		}
		defer pg.Stop()
		if err := pg.CreateDatabase(ctx, "karton"); err != nil {
			return err
		}
		url = pg.URL("karton")
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

func runMigrate(ctx context.Context, cfg Config, out io.Writer) error {
	return withDatabase(ctx, cfg, func(db *store.DB) error {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
		fmt.Fprintln(out, "schema up to date")
		return nil
	})
}

func runDemo(ctx context.Context, cfg Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(out)
	n := fs.Int("households", cfg.DemoHouseholds, fmt.Sprintf("households to load (at most %d)", sim.MaxHouseholds))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *n > sim.MaxHouseholds {
		return fmt.Errorf("--households %d: want 1 to %d", *n, sim.MaxHouseholds)
	}
	return withDatabase(ctx, cfg, func(db *store.DB) error {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
		return loadDemo(ctx, db, sim.NewPopulation(max(*n, 1)), *n, out)
	})
}

func loadDemo(ctx context.Context, db *store.DB, pop *sim.Population, n int, out io.Writer) error {
	fmt.Fprintf(out, "loading %d demo households\n", n)
	err := devstack.LoadDemo(ctx, db, pop, n, func(done, total int) {
		if done%100 == 0 || done == total {
			fmt.Fprintf(out, "\r  %d/%d households", done, total)
		}
	})
	fmt.Fprintln(out)
	if err != nil {
		return err
	}
	persons, err := db.CountPersons(ctx)
	if err != nil {
		return err
	}
	rights, err := devstack.LoadDemoRights(ctx, db, pop, n, time.Now().UTC())
	if err != nil {
		return err
	}
	assistance, err := devstack.LoadDemoAssistance(ctx, db, pop, n, time.Now().UTC())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo data: %d persons registered; carried over from the previous system: %d child allowance and %d financial assistance rights\n",
		persons, rights, assistance)
	lines, err := devstack.LoadDemoStatistics(ctx, db, time.Now().UTC())
	if err != nil {
		return err
	}
	if lines > 0 {
		fmt.Fprintf(out, "demo data: %d payment lines of the previous system in the statistics, with three anomalies planted for the control reports\n", lines)
	}
	provs, err := devstack.LoadDemoProviders(ctx, db, time.Now().UTC())
	if err != nil {
		return err
	}
	if provs > 0 {
		fmt.Fprintf(out, "demo data: %d licensed service providers on the public register (/public/providers)\n", provs)
	}
	insts, err := devstack.LoadDemoInstitutions(ctx, db, time.Now().UTC())
	if err != nil {
		return err
	}
	// The demo residents in the statistics' placements fact: the months the
	// daily refresh (Schedule placement-facts-daily) writes.
	now := time.Now().UTC()
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []time.Time{thisMonth.AddDate(0, -1, 0), thisMonth} {
		if _, err := db.RefreshPlacementFacts(ctx, m); err != nil {
			return err
		}
	}
	if insts > 0 {
		fmt.Fprintf(out, "demo data: %d residential institutions with their beds; Grabovac's staff log in as bojana.social, milan.nurse, dejan.cashier, rade.gate, vera.director\n", insts)
	}
	contracts, err := devstack.LoadDemoServices(ctx, db, time.Now().UTC())
	if err != nil {
		return err
	}
	if contracts > 0 {
		fmt.Fprintf(out, "demo data: %d contracts with service providers; the day-care centre Sunce's staff log in as tamara.sunce\n", contracts)
	}
	meds, err := devstack.LoadDemoMedicines(ctx, db, time.Now().UTC())
	if err != nil {
		return err
	}
	if meds > 0 {
		fmt.Fprintf(out, "demo data: Grabovac's pharmacy stocked with %d medicines, warnings to act on (olivera.pharmacist: /pharmacy); its residents' medication due today (milan.nurse: /medication)\n", meds)
	}
	profs, err := devstack.LoadDemoLearning(ctx, db, time.Now().UTC())
	if err != nil {
		return err
	}
	if profs > 0 {
		fmt.Fprintf(out, "demo data: %d professionals on the register, three courses (/learning); Ana Radović's licence ends short of training hours\n", profs)
	}
	return nil
}

func runAudit(ctx context.Context, cfg Config, args []string, out io.Writer) error {
	if len(args) != 1 || args[0] != "verify" {
		return errors.New("usage: karton audit verify")
	}
	return withDatabase(ctx, cfg, func(db *store.DB) error {
		n, broken, why, err := db.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		if broken != 0 {
			fmt.Fprintf(out, "audit log BROKEN at record %d: %s (%d records checked)\n", broken, why, n)
			return fmt.Errorf("audit chain broken at record %d", broken)
		}
		fmt.Fprintf(out, "audit log intact: %d records, every hash and link checked\n", n)
		return nil
	})
}

// runKeys rotates or lists the payload keys of the key file. The running
// API and workers read the keys at start: restart them after a rotation.
func runKeys(cfg Config, args []string, out io.Writer) error {
	if len(args) != 1 || (args[0] != "rotate" && args[0] != "list") {
		return errors.New("usage: karton keys rotate | karton keys list")
	}
	if cfg.PayloadKeys != nil {
		if args[0] == "list" {
			fmt.Fprintf(out, "KARTON_PAYLOAD_KEYS: %s\n", cfg.PayloadKeys)
			return nil
		}
		return errors.New("the payload keys come from KARTON_PAYLOAD_KEYS: rotate them where that secret is kept (docs/security.md); `karton keys rotate` rotates KARTON_PAYLOAD_KEYS_FILE")
	}
	path := cfg.PayloadKeysFile
	if args[0] == "list" {
		r, err := codec.LoadKeyFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %s\n", path, r)
		return nil
	}
	r, created, err := codec.EnsureKeyFile(path)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(out, "%s: created with key %s (there was no key file)\n", path, r.Active())
		return nil
	}
	r, id, err := codec.RotateKeyFile(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: added key %s, now the active one (%s).\nRestart the workers and the API to encrypt with it; keep the older keys, they decrypt what they encrypted.\n", path, id, r)
	return nil
}
