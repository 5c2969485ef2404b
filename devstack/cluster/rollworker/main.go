// Command rollworker is the rolling-upgrade test's worker: it runs
// version ROLL_VERSION (1 or 2) of devstack/cluster's test workflow on its
// own task queue against TEMPORAL_ADDRESS, until SIGTERM.
package main

import (
	"fmt"
	"os"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/karton-social/karton/devstack/cluster"
)

func main() {
	v := os.Getenv("ROLL_VERSION")
	if v != "1" && v != "2" {
		fmt.Fprintf(os.Stderr, "rollworker: ROLL_VERSION=%q: want 1 or 2\n", v)
		os.Exit(2)
	}
	c, err := client.Dial(client.Options{HostPort: os.Getenv("TEMPORAL_ADDRESS"), Namespace: "default"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "rollworker:", err)
		os.Exit(1)
	}
	defer c.Close()
	w := worker.New(c, cluster.RollTaskQueue, worker.Options{})
	cluster.RegisterRoll(w, int(v[0]-'0'))
	fmt.Println("rollworker: version", v, "polling", cluster.RollTaskQueue)
	if err := w.Run(worker.InterruptCh()); err != nil {
		fmt.Fprintln(os.Stderr, "rollworker:", err)
		os.Exit(1)
	}
}
