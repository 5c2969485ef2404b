package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"time"
)

// burnEnv names the share of each core a burner child is to keep busy. A
// benchmark calls MaybeBurn first thing in main: in the child, it burns
// and never returns.
const burnEnv = "KARTON_BENCH_BURN"

// MeanBurst is the mean of a burner's busy bursts: about what a list
// request costs PostgreSQL and the API together (1–3 CPU-ms).
const MeanBurst = 2 * time.Millisecond

// Burner is a child process that keeps a share of every core busy in
// random bursts, as other processes on a machine do: it stands for the
// CPU a route's database work and handlers take, so that a route that
// needs none can be measured on a machine that busy.
type Burner struct{ cmd *exec.Cmd }

// StartBurner starts a burner keeping the given share (0..1) of each core
// busy, in bursts of exponential length (mean 2 ms) with exponential gaps.
func StartBurner(share float64) (*Burner, error) {
	if share <= 0 || share >= 1 {
		return nil, fmt.Errorf("a burner's share of a core is above 0 and below 1, not %v", share)
	}
	cmd, err := SelfChild(burnEnv + "=" + strconv.FormatFloat(share, 'f', -1, 64))
	if err != nil {
		return nil, err
	}
	cmd.Stdout = os.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &Burner{cmd: cmd}, nil
}

// Stop ends the burner.
func (b *Burner) Stop() {
	_ = b.cmd.Process.Kill()
	_ = b.cmd.Wait()
}

// MaybeBurn burns and never returns when this process is a burner's child.
func MaybeBurn() {
	v := os.Getenv(burnEnv)
	if v == "" {
		return
	}
	share, err := strconv.ParseFloat(v, 64)
	if err != nil || share <= 0 || share >= 1 {
		fmt.Fprintf(os.Stderr, "burner: %s=%q is not a share between 0 and 1\n", burnEnv, v)
		os.Exit(2)
	}
	for i := range runtime.NumCPU() {
		go burn(rand.New(rand.NewPCG(uint64(i), 7)), share)
	}
	select {}
}

// burn keeps one thread busy for the share of its time, in bursts. It
// counts what it burned against the share of the time since it began, so
// that sleeps longer than asked (the timer's granularity) do not lower
// the share: a thread behind its share bursts again without a gap.
func burn(rng *rand.Rand, share float64) {
	runtime.LockOSThread()
	start := time.Now()
	var burned time.Duration
	for {
		busy, idle := burstAndGap(rng, share)
		now := time.Now()
		if float64(burned) < share*float64(now.Sub(start)) {
			until := now.Add(busy)
			for time.Now().Before(until) {
			}
			burned += busy
			continue
		}
		time.Sleep(idle)
	}
}

// burstAndGap draws one busy burst and an idle gap: both exponential, the
// burst's mean MeanBurst and the gap's such that the bursts are the share
// of the time on average.
func burstAndGap(rng *rand.Rand, share float64) (busy, idle time.Duration) {
	meanGap := float64(MeanBurst) * (1 - share) / share
	return time.Duration(rng.ExpFloat64() * float64(MeanBurst)), time.Duration(rng.ExpFloat64() * meanGap)
}
