//go:build !lean

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/issuer"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/objects"
)

// Fixed ports of `karton dev`, so that URLs stay the same between runs.
const (
	devPGPort       = 55432
	devTemporalPort = 7233
	devTemporalUI   = 8233
	devMinIOAddr    = "127.0.0.1:9000"
	devSimAddr      = "127.0.0.1:8081"
	devIssuerAddr   = "127.0.0.1:8082"
)

func runDev(ctx context.Context, cfg Config, log *slog.Logger, out io.Writer) error {
	addr := cfg.HTTPAddr
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	fmt.Fprintln(out, "karton dev: starting", cfg.String())
	refusal := cfg.devIssuerRefusal()
	if refusal != "" {
		fmt.Fprintln(out, "karton dev: development logins are OFF:", refusal)
	}
	began := time.Now()
	s, err := system.Start(ctx, system.Options{
		DataDir: cfg.DataDir, HTTPAddr: addr,
		PGPort: devPGPort, TemporalPort: devTemporalPort, TemporalUI: devTemporalUI,
		MinIOAddr: devMinIOAddr, SimAddr: devSimAddr, IssuerAddr: devIssuerAddr,
		DatabaseURL: cfg.DatabaseURL, TemporalAddress: cfg.TemporalAddress, RegistryURL: cfg.RegistryURL,
		Objects:   objects.Config{Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, UseSSL: cfg.S3UseSSL, Bucket: cfg.S3Bucket},
		SimFaults: cfg.SimFaults, Log: log, PayrollDay: cfg.PayrollDay, PaymentDay: cfg.PaymentDay, RevisionSweep: true, ChangesPoll: cfg.ChangesPoll, DevIssuerRefusal: refusal,
		PayloadKeys: cfg.PayloadKeys, PayloadKeysFile: cfg.PayloadKeysFile, CodecOrigins: cfg.CodecOrigins, // the key file is created under ./var if missing
	})
	if err != nil {
		return err
	}
	defer s.Stop()
	fmt.Fprintf(out, "karton dev: started in %v (%s)\n", time.Since(began).Round(time.Millisecond), s.StartupSummary())
	persons, err := s.DB.CountPersons(ctx)
	if err != nil {
		return err
	}
	if persons == 0 && s.Population != nil && cfg.DemoHouseholds > 0 {
		if err := loadDemo(ctx, s.DB, s.Population, cfg.DemoHouseholds, out); err != nil {
			return err
		}
		child, err := s.SeedServiceWalk(ctx, time.Now().UTC())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "demo data: %s %s (JMBG %s, case %s) attends the day-care centre Sunce since the first of last month: tamara.sunce records the month and reports its cost\n",
			child.Person.GivenName, child.Person.FamilyName, child.Person.JMBG, child.CaseNumber)
	} else {
		fmt.Fprintf(out, "demo data: %d persons already registered\n", persons)
	}
	fmt.Fprintf(out, `
Karton is up.
  API               %s   (OpenAPI: %s/api/v1/openapi.json)
  health            %s/healthz  %s/readyz  %s/metrics
  Temporal          %s   (namespace default, task queue karton)
  Temporal Web UI   %s
  object store      %s   (bucket %s)
  registries        %s   (simulators; knobs: GET/PUT %s/sim/faults)
  OIDC issuer       %s   (development; tokens for demo users: POST %s/dev/token {"username": ...})
  data              %s
Ctrl-C stops everything; the next start keeps the data.
`, s.APIURL, s.APIURL, s.APIURL, s.APIURL, s.APIURL, s.Platform.Cfg.TemporalAddress, or(s.TemporalUIURL, "(external)"),
		s.ObjectsURL, s.Platform.Cfg.Objects.Bucket, s.SimURL, s.SimURL, s.IssuerURL, s.APIURL, cfg.DataDir)
	if s.Population != nil {
		if m, ok := devstack.ActivationExample(s.Population, cfg.DemoHouseholds, "csr-podgorica", time.Now().UTC()); ok {
			fmt.Fprintf(out, "Activation: %s %s (JMBG %s, Podgorica) receives financial assistance and is on the unemployment register.\n\n",
				m.GivenName, m.FamilyName, m.JMBG)
		}
	}
	fmt.Fprintln(out, "Demo users (role, centre):")
	for _, u := range domain.DemoUsers() {
		kind := "user  "
		if u.Machine {
			kind = "client"
		}
		extra := ""
		if u.Machine {
			extra = "  secret " + issuer.ClientSecret(u.Username) + " (client credentials at " + s.IssuerURL + "/token)"
		}
		if u.JMBG != "" {
			extra = "  JMBG " + string(u.JMBG)
		}
		fmt.Fprintf(out, "  %s %-20s %-18s %s%s\n", kind, u.Username, u.Role, or(u.CentreID, "-"), extra)
	}
	<-ctx.Done()
	fmt.Fprintln(out, "\nstopping")
	return nil
}
