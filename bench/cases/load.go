package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/karton-social/karton/bench"
)

// loadEnv marks the benchmark's own executable, run again, as a load
// child (loadProcess): it reads its load from stdin and sends it.
const loadEnv = "KARTON_BENCH_LOAD"

// loadSpec is a route's load as a child is told it on stdin: the bearer
// token goes there, not into the child's environment or arguments.
type loadSpec struct {
	URL, Token string
	Rate, N    int
}

// loadResult is what a child sends back: each request's latency and when
// it began (from the load's start), in nanoseconds, and how many failed.
type loadResult struct {
	Lat, Began []time.Duration
	Errs       int
}

// load is one route's open-loop load, warmed up and ready to run.
type load interface {
	// run sends the load and returns each request's latency, when each
	// began (from the load's start), and how many failed.
	run() (lat, began []time.Duration, errs int, err error)
}

// prepareLoad warms a route up for its load of n requests at rate a
// second: in a child process of its own (loadProcess), as clients on
// other machines would send it, or in this one.
func prepareLoad(ctx context.Context, url, token string, rate, n int) (load, error) {
	if !loadProcess {
		client, err := warmUp(ctx, url, token, rate)
		if err != nil {
			return nil, err
		}
		return inProcess{ctx, url, token, rate, n, client}, nil
	}
	child, err := startLoadChild(loadSpec{URL: url, Token: token, Rate: rate, N: n})
	if err != nil {
		return nil, err // not a load holding a nil child
	}
	return child, nil
}

// inProcess is a load sent from this process's goroutines.
type inProcess struct {
	ctx        context.Context
	url, token string
	rate, n    int
	client     *http.Client
}

func (l inProcess) run() ([]time.Duration, []time.Duration, int, error) {
	lat, began, errs := openLoop(l.ctx, l.client, l.url, l.token, l.rate, l.n)
	return lat, began, errs, nil
}

// loadChild is a load sent from a child process: the benchmark's own
// executable, which warms the route up, says "warm", and on "go" sends
// the load and writes its loadResult.
type loadChild struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

func startLoadChild(spec loadSpec) (*loadChild, error) {
	cmd, err := bench.SelfChild(loadEnv + "=1")
	if err != nil {
		return nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &loadChild{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	if err := json.NewEncoder(stdin).Encode(spec); err != nil {
		return nil, c.fail(err)
	}
	line, err := c.out.ReadString('\n')
	if err != nil || line != "warm\n" {
		return nil, c.fail(fmt.Errorf("load child: warm-up: %q, %v", line, err))
	}
	return c, nil
}

func (c *loadChild) run() ([]time.Duration, []time.Duration, int, error) {
	if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
		return nil, nil, 0, c.fail(err)
	}
	var res loadResult
	if err := json.NewDecoder(c.out).Decode(&res); err != nil {
		return nil, nil, 0, c.fail(fmt.Errorf("load child: its result: %w", err))
	}
	_ = c.stdin.Close()
	if err := c.cmd.Wait(); err != nil {
		return nil, nil, 0, fmt.Errorf("load child: %w", err)
	}
	return res.Lat, res.Began, res.Errs, nil
}

// fail ends the child after err.
func (c *loadChild) fail(err error) error {
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
	return err
}

// maybeLoad, in a load child, sends the load its parent asks for and
// exits; elsewhere it returns at once.
func maybeLoad() {
	if os.Getenv(loadEnv) == "" {
		return
	}
	if err := serveLoad(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveLoad reads a loadSpec from in, warms its route up, says "warm" on
// out, and on "go" sends the load and writes its loadResult on out.
func serveLoad(in io.Reader, out io.Writer) error {
	r := bufio.NewReader(in)
	var spec loadSpec
	line, err := r.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("read the load: %w", err)
	}
	if err := json.Unmarshal(line, &spec); err != nil {
		return fmt.Errorf("read the load: %w", err)
	}
	if spec.Rate <= 0 || spec.N <= 0 {
		return errors.New("the load has no rate or no requests")
	}
	ctx := context.Background()
	client, err := warmUp(ctx, spec.URL, spec.Token, spec.Rate)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(out, "warm\n"); err != nil {
		return err
	}
	if goLine, err := r.ReadString('\n'); err != nil || goLine != "go\n" {
		return fmt.Errorf("wait for go: %q, %v", goLine, err)
	}
	lat, began, errs := openLoop(ctx, client, spec.URL, spec.Token, spec.Rate, spec.N)
	return json.NewEncoder(out).Encode(loadResult{Lat: lat, Began: began, Errs: errs})
}
