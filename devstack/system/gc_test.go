package system

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// TestGCPercentForKeepsTheHeadroom: the heap's goal sits gcHeadroom above
// the live heap, within Go's default and eleven times the live heap. At
// 100,000 open cases (131 MiB live) that is GOGC=300's goal, as before.
func TestGCPercentForKeepsTheHeadroom(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, maxGCPercent},
		{40 * mib, maxGCPercent}, // 1280, bounded
		{62 * mib, 825},
		{171 * mib, 299}, // 131 MiB live at 100,000 open cases, and about 40 MiB of stacks and globals
		{400 * mib, 128},
		{2048 * mib, minGCPercent}, // 25, bounded
	} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d MiB) = %d; want %d", c.live/mib, got, c.want)
		}
	}
	for live := uint64(52 * mib); live <= 512*mib; live += 7 * mib {
		goal := live + live*uint64(gcPercentFor(live))/100
		// GOGC is a whole percent: the goal falls short by less than 1% of the live heap
		if d := int64(goal) - int64(live) - gcHeadroom; d < -int64(live/100) || d > 0 {
			t.Errorf("at %d MiB live the goal is %d MiB above it; want %d MiB", live/mib, (goal-live)/mib, gcHeadroom/mib)
		}
	}
}

// TestKeepHeadroomFollowsTheLiveHeap: with 256 MiB live, GOGC comes down
// to about 200; once they are freed, it goes back up to its bound.
func TestKeepHeadroomFollowsTheLiveHeap(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		keepHeadroom(ctx, 5*time.Millisecond)
	}()
	defer func() {
		cancel()
		<-done
	}()

	held := make([][]byte, 256)
	for i := range held {
		held[i] = make([]byte, 1<<20)
	}
	runtime.GC()
	if p := waitForGOGC(t, func(p int) bool { return p < 220 }); p < 150 || p >= 220 {
		t.Errorf("with 256 MiB live GOGC = %d; want about 200", p)
	}
	runtime.KeepAlive(held)
	held = nil
	runtime.GC()
	if p := waitForGOGC(t, func(p int) bool { return p == maxGCPercent }); p != maxGCPercent {
		t.Errorf("with the heap freed GOGC = %d; want %d", p, maxGCPercent)
	}
}

// waitForGOGC returns GOGC once ok holds, or after two seconds.
func waitForGOGC(t *testing.T, ok func(int) bool) int {
	t.Helper()
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	deadline := time.Now().Add(2 * time.Second)
	for {
		metrics.Read(s)
		p := int(s[0].Value.Uint64())
		if ok(p) || time.Now().After(deadline) {
			return p
		}
		time.Sleep(5 * time.Millisecond)
	}
}
