// Command karton-cluster runs Karton on this machine as in production, one
// process per part (devstack/cluster): PostgreSQL, Temporal's four
// services, MinIO, two workers and two API processes behind a proxy. It
// is a binary of its own so that the production binary stays lean and
// this supervisor never links Temporal's server. `make cluster` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/karton-social/karton/devstack/cluster"
	"github.com/karton-social/karton/domain"
)

func main() {
	var o cluster.Options
	flag.StringVar(&o.Dir, "dir", "var/cluster", "data and logs")
	flag.StringVar(&o.Bin, "bin", "bin", "folder of temporal-server, temporal-sql-tool, minio and karton-lean")
	flag.StringVar(&o.ProxyAddr, "addr", "127.0.0.1:8080", "the address clients use (the proxy in front of the API processes)")
	flag.IntVar(&o.Base, "base-port", 18000, "first of the cluster's ports (PostgreSQL base+32, Temporal base+233.., MinIO base+90, API processes base+101..)")
	flag.IntVar(&o.Workers, "workers", 2, "karton worker processes")
	flag.IntVar(&o.APIs, "apis", 2, "karton api processes")
	flag.IntVar(&o.DemoHouseholds, "households", 1000, "demo households loaded into an empty database")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := cluster.Start(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "karton-cluster:", err)
		os.Exit(1)
	}
	defer c.Stop()
	fmt.Printf(`
Karton is up as a cluster of processes.
  API (proxy)       %s   -> %s, %s   (round robin, /readyz checked every 0.5 s)
  Temporal          %s   (frontend; namespace default)
  Temporal Web UI   %s   (payloads decoded by the API's codec endpoint, for a logged-in user)
  object store      %s
  registries        %s   (simulators)
  OIDC issuer       %s   (development: the demo users below log in through it)
  processes         %s
  logs              %s/*.log
Ctrl-C stops everything; the next start keeps the data.
`, c.APIURL, c.APIAddr(1), c.APIAddr(2), c.FrontendAddress(), c.TemporalUIURL, c.S3URL, c.SimURL, c.IssuerURL, procList(c), c.Dir())
	fmt.Println("Demo users:", demoUsers())
	<-ctx.Done()
	fmt.Println("\nstopping")
}

func procList(c *cluster.Cluster) string {
	s := ""
	for i, p := range c.Procs() {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s (pid %d)", p.Name, p.Pid())
	}
	return s
}

func demoUsers() string {
	s := ""
	for _, u := range domain.DemoUsers() {
		if u.Machine {
			continue
		}
		if s != "" {
			s += ", "
		}
		s += u.Username
	}
	return s
}
