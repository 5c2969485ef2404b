package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/karton-social/karton/codec"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/platform"
	"github.com/karton-social/karton/workflows"
)

// apiEnv carries an API child's configuration (apiChild, as JSON). A
// benchmark calls MaybeServeAPI first thing in main: in the child, it
// serves the API and never returns.
const apiEnv = "KARTON_BENCH_API"

// ChartAPIMemLimit is the API's soft memory limit in the Helm chart's
// default values (api.goMemLimit): an API child runs with it unless the
// benchmark's own environment sets GOMEMLIMIT.
const ChartAPIMemLimit = "450MiB"

// apiChild is the platform's configuration as an API child is given it:
// all but the development issuer's signer (the child checks the issuer's
// tokens, it does not sign them), the payroll's day (a worker's) and TLS
// (the benchmark's Temporal is plain gRPC on loopback), with the payload
// keys as their key file's JSON.
type apiChild struct {
	DatabaseURL, TemporalAddress, TemporalNamespace   string
	Objects                                           objects.Config
	RegistryURL, RegistryClientID                     string
	RegistryTimeout                                   time.Duration
	TreasuryURL, PoliceURL, AgencyURL, ElectricityURL string
	PaymentDay                                        int
	OIDCIssuer, OIDCAudience, OIDCJWKSURL             string
	OIDCSkew                                          time.Duration
	ClaimDeadlines                                    workflows.Deadlines
	WebClientID                                       string
	CodecOrigins                                      []string
	InsecureCookies                                   bool
	Keys                                              json.RawMessage // codec.KeyRing's JSON
}

// childOf is the part of cfg an API child is given.
func childOf(cfg platform.Config) (apiChild, error) {
	if cfg.TemporalTLS != nil {
		return apiChild{}, errors.New("an API process is not given Temporal's TLS: the benchmark's Temporal is plain gRPC")
	}
	keys, err := cfg.PayloadKeys.MarshalJSON()
	return apiChild{DatabaseURL: cfg.DatabaseURL, TemporalAddress: cfg.TemporalAddress, TemporalNamespace: cfg.TemporalNamespace,
		Objects: cfg.Objects, RegistryURL: cfg.RegistryURL, RegistryClientID: cfg.RegistryClientID, RegistryTimeout: cfg.RegistryTimeout,
		TreasuryURL: cfg.TreasuryURL, PoliceURL: cfg.PoliceURL, AgencyURL: cfg.AgencyURL, ElectricityURL: cfg.ElectricityURL,
		PaymentDay: cfg.PaymentDay, OIDCIssuer: cfg.OIDCIssuer, OIDCAudience: cfg.OIDCAudience, OIDCJWKSURL: cfg.OIDCJWKSURL,
		OIDCSkew: cfg.OIDCSkew, ClaimDeadlines: cfg.ClaimDeadlines, WebClientID: cfg.WebClientID, CodecOrigins: cfg.CodecOrigins,
		InsecureCookies: cfg.InsecureCookies, Keys: keys}, err
}

// config is the child's platform configuration, serving on addr.
func (c apiChild) config(addr string) (platform.Config, error) {
	keys, err := codec.ParseKeyRing(c.Keys)
	return platform.Config{DatabaseURL: c.DatabaseURL, TemporalAddress: c.TemporalAddress, TemporalNamespace: c.TemporalNamespace,
		Objects: c.Objects, RegistryURL: c.RegistryURL, RegistryClientID: c.RegistryClientID, RegistryTimeout: c.RegistryTimeout,
		TreasuryURL: c.TreasuryURL, PoliceURL: c.PoliceURL, AgencyURL: c.AgencyURL, ElectricityURL: c.ElectricityURL,
		PaymentDay: c.PaymentDay, OIDCIssuer: c.OIDCIssuer, OIDCAudience: c.OIDCAudience, OIDCJWKSURL: c.OIDCJWKSURL,
		OIDCSkew: c.OIDCSkew, ClaimDeadlines: c.ClaimDeadlines, WebClientID: c.WebClientID, CodecOrigins: c.CodecOrigins,
		InsecureCookies: c.InsecureCookies, PayloadKeys: keys, HTTPAddr: addr}, err
}

// APIProcess is the API in a process of its own, as `karton api` runs it
// in the cluster layout (deploy/helm): the same platform on the same
// PostgreSQL and Temporal, with its own heap and collector, apart from
// the worker's and Temporal's server's.
type APIProcess struct {
	URL string // http://host:port
	cmd *exec.Cmd
}

// StartAPIProcess starts an API child serving on a loopback port of its
// choosing with the given platform's configuration, and returns once it
// listens with its services verified (PostgreSQL's schema, Temporal's
// namespace), or fails within a minute.
func StartAPIProcess(cfg platform.Config) (*APIProcess, error) {
	child, err := childOf(cfg)
	if err != nil {
		return nil, err
	}
	spec, err := json.Marshal(child)
	if err != nil {
		return nil, err
	}
	env := []string{apiEnv + "=" + string(spec)}
	if os.Getenv("GOMEMLIMIT") == "" {
		env = append(env, "GOMEMLIMIT="+ChartAPIMemLimit)
	}
	cmd, err := SelfChild(env...)
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &APIProcess{cmd: cmd}
	addr := make(chan string, 1)
	go func() { // the child's first line is its address; the rest is passed on
		lines, listening := bufio.NewScanner(out), false
		for lines.Scan() {
			if a, ok := strings.CutPrefix(lines.Text(), "listening "); ok && !listening {
				addr <- a
				listening = true
				continue
			}
			fmt.Println(lines.Text())
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if ok {
			p.URL = "http://" + a
			return p, nil
		}
		p.Stop()
		return nil, errors.New("the API process ended before it listened (its errors are above)")
	case <-time.After(time.Minute):
		p.Stop()
		return nil, errors.New("the API process did not listen within a minute")
	}
}

// Stop ends the API process.
func (p *APIProcess) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// MaybeServeAPI serves the API and exits when this process is an API
// child; otherwise it returns at once.
func MaybeServeAPI() {
	v := os.Getenv(apiEnv)
	if v == "" {
		return
	}
	if err := serveAPI(v); err != nil {
		fmt.Fprintln(os.Stderr, "API process:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveAPI is runAPI of cmd/karton on a configuration given whole: the
// platform opened without migrating, its services awaited, then served
// until SIGTERM. It prints "listening <addr>" once it listens.
func serveAPI(spec string) error {
	var c apiChild
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		return fmt.Errorf("%s: %w", apiEnv, err)
	}
	cfg, err := c.config("127.0.0.1:0")
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	p, err := platform.Open(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.AwaitServices(ctx, true); err != nil {
		return err
	}
	return p.Serve(ctx, func(addr string) { fmt.Printf("listening %s\n", addr) })
}
