package bench

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestParseProcessNamesPostgresByTitle(t *testing.T) {
	// The command's name may hold spaces and parentheses; the ticks are
	// the 14th to 17th fields.
	const stat = "4242 (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 1 0 100 1000 10 18446744073709551615"
	cases := []struct{ cmdline, who string }{
		{"postgres: karton karton 127.0.0.1(5432) COPY\x00", "PostgreSQL client backends"},
		{"postgres: checkpointer \x00", "PostgreSQL checkpointer"},
		{"postgres: autovacuum worker karton\x00", "PostgreSQL autovacuum"},
		{"/usr/bin/minio\x00server\x00", "odd) name"},
	}
	for _, c := range cases {
		p, ok := parseProcess(stat, c.cmdline)
		if !ok || p.who != c.who || p.ticks != 300 || p.reaped != 10 {
			t.Errorf("parseProcess(%q) = %+v, %v; want %q with 300 ticks, 10 reaped", c.cmdline, p, ok, c.who)
		}
	}
	if p, _ := parseProcess("7 (kworker/1:2-events) I 2 0 0 0 -1 0 0 0 0 0 4 5 0 0 20 0 1 0 9 0 0 0", ""); p.who != "kworker" || p.ticks != 9 {
		t.Errorf("kernel thread = %+v; want kworker with 9 ticks", p)
	}
	if _, ok := parseProcess("garbage", ""); ok {
		t.Error("a line without a command's name was read")
	}
}

func TestBreakdownCountsABusyProcess(t *testing.T) {
	m := StartCPU()
	busy := exec.Command("sh", "-c", "while :; do :; done")
	if err := busy.Start(); err != nil {
		t.Skip("no sh:", err)
	}
	time.Sleep(600 * time.Millisecond)
	u := m.Stop()
	_ = busy.Process.Kill()
	_ = busy.Wait()
	var sh time.Duration
	for _, p := range u.Processes {
		if p.Who == "sh" {
			sh += p.CPU
		}
	}
	if sh < 50*time.Millisecond {
		t.Fatalf("a shell spinning for 600 ms used %v by the breakdown: %s", sh, u.Breakdown(10))
	}
	if !strings.Contains(u.Breakdown(10), "sh ") {
		t.Errorf("breakdown %q does not name the shell", u.Breakdown(10))
	}
}

func TestTheMeterSeesTheCollectorsCPU(t *testing.T) {
	m := StartCPU()
	var keep [][]byte
	for i := range 2000 {
		keep = append(keep, make([]byte, 64<<10))
		if i%200 == 0 {
			runtime.GC()
			keep = keep[:0]
		}
	}
	u := m.Stop()
	if u.Collector <= 0 {
		t.Errorf("the collector ran ten times and the meter saw %v of its CPU", u.Collector)
	}
	if u.Allocated < 2000*64<<10 {
		t.Errorf("the loop allocated 2,000 blocks of 64 KiB and the meter saw %d bytes", u.Allocated)
	}
	if u.Collections < 10 {
		t.Errorf("the collector ran ten times and the meter counted %d collections", u.Collections)
	}
	if g := GCSettings(); !strings.HasPrefix(g, "GOGC ") || strings.Contains(g, "GOGC 0,") {
		t.Errorf("GCSettings = %q", g)
	}
	if !strings.Contains(u.String(), "its collector") {
		t.Errorf("the cpu line does not give the collector's share: %s", u)
	}
}

// TestSharesSinceSplitsStolenTimeFromBusy: busy is a share of the time the
// cores ran; stolen is a share of all their time, ran or stolen.
func TestSharesSinceSplitsStolenTimeFromBusy(t *testing.T) {
	earlier := machineTime{busy: 100, total: 200, steal: 10}
	busy, stolen := machineTime{busy: 160, total: 300, steal: 110}.sharesSince(earlier)
	if busy != 0.6 || stolen != 0.5 {
		t.Errorf("sharesSince = %v busy, %v stolen; want 0.6, 0.5", busy, stolen)
	}
	if busy, stolen := earlier.sharesSince(earlier); busy != 0 || stolen != 0 {
		t.Errorf("no time between the readings: %v, %v; want 0, 0", busy, stolen)
	}
}
