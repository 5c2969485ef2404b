package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPUMeter measures how busy the machine and this process were over an
// interval: the machine from /proc/stat (every process: PostgreSQL,
// MinIO, this one), this process from getrusage. A figure next to "the
// machine was 97% busy" is at the machine's limit, not the design's.
type CPUMeter struct {
	machine0   machineTime
	self0, gc0 time.Duration
	cycles0    uint64
	allocs0    uint64
	at         time.Time
	cores      int
	procs0     map[int]procTicks
}

// StartCPU starts a meter.
func StartCPU() *CPUMeter {
	m := &CPUMeter{at: time.Now()}
	m.machine0, m.cores = machineTicks()
	m.self0, m.gc0, m.cycles0, m.allocs0 = selfCPU(), collectorCPU(), collections(), allocated()
	m.procs0 = readProcesses()
	return m
}

// CPUUse is what a meter saw.
type CPUUse struct {
	Wall time.Duration
	// Busy is the share of all cores' time spent not idle (0..1), of the
	// time the hypervisor let the cores run.
	Busy float64
	// Stolen is the share of all cores' time the hypervisor gave to other
	// machines while this one had work to run (/proc/stat's steal).
	Stolen float64
	Cores  int
	// Self is the CPU time this process used; Others is the rest of the
	// machine's busy time (PostgreSQL, MinIO, the kernel's threads).
	Self, Others time.Duration
	// Collector is the part of Self that Go's garbage collector used, as
	// the runtime estimates it (its marking, assists and pauses).
	Collector time.Duration
	// Collections is how many collections the collector completed, and
	// Allocated how many bytes the process allocated on its heap.
	Collections, Allocated uint64
	// Processes splits the others by who used the time (see Breakdown).
	Processes []ProcessCPU
}

// ProcessCPU is the CPU time the processes of one kind used.
type ProcessCPU struct {
	Who string
	CPU time.Duration
}

// Stop reads the meter.
func (m *CPUMeter) Stop() CPUUse {
	t, _ := machineTicks()
	u := CPUUse{Wall: time.Since(m.at), Self: selfCPU() - m.self0, Collector: collectorCPU() - m.gc0,
		Collections: collections() - m.cycles0, Allocated: allocated() - m.allocs0, Cores: m.cores}
	if m.machine0.total > 0 && t.total > m.machine0.total {
		u.Busy, u.Stolen = t.sharesSince(m.machine0)
		machine := time.Duration(t.busy-m.machine0.busy) * time.Second / userHZ
		u.Others = max(machine-u.Self, 0)
	}
	u.Processes = processesBetween(m.procs0, readProcesses())
	return u
}

// userHZ is the unit of /proc/stat's ticks (USER_HZ, 100 on Linux).
const userHZ = 100

// String is the meter's line: busy share, and the CPU seconds of this
// process and of the others against the cores' seconds.
func (u CPUUse) String() string {
	return fmt.Sprintf("machine %.0f%% busy over %v on %d cores (%.0f%% of their time stolen by the hypervisor): this process %.1f CPU-s (its collector %.1f in %s, %d MB allocated), the others (PostgreSQL, MinIO, ...) %.1f CPU-s of %.1f",
		100*u.Busy, u.Wall.Round(time.Millisecond), u.Cores, 100*u.Stolen, u.Self.Seconds(), u.Collector.Seconds(), collectionsText(u.Collections), u.Allocated/1e6, u.Others.Seconds(), u.Wall.Seconds()*float64(u.Cores))
}

// machineTime is all the machine's cores' time so far, in ticks: busy
// and total, and apart from both, the time a hypervisor stole (it was
// nobody's here).
type machineTime struct{ busy, total, steal uint64 }

// sharesSince is, between an earlier reading and this one, the busy share
// of the time the cores ran, and the stolen share of all their time.
func (t machineTime) sharesSince(earlier machineTime) (busy, stolen float64) {
	ran, stole := t.total-earlier.total, t.steal-earlier.steal
	return fraction(t.busy-earlier.busy, ran), fraction(stole, ran+stole)
}

// fraction is part of whole, 0 when whole is.
func fraction(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// machineTicks reads all the machine's cores' time and counts the cores;
// zero where /proc/stat cannot be read.
func machineTicks() (t machineTime, cores int) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineTime{}, 0
	}
	lines := strings.Split(string(b), "\n")
	f := strings.Fields(lines[0])
	if len(f) < 5 || f[0] != "cpu" {
		return machineTime{}, 0
	}
	for i, s := range f[1:] {
		n, _ := strconv.ParseUint(s, 10, 64)
		if i < 7 { // user nice system idle iowait irq softirq (guest is within user)
			t.total += n
			if i != 3 && i != 4 { // idle and iowait are not busy
				t.busy += n
			}
		}
		if i == 7 {
			t.steal = n
		}
	}
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "cpu") {
			cores++
		}
	}
	return t, cores
}

// selfCPU is the user and system time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// collectorCPU is the CPU time Go's collector has used in this process
// so far, as the runtime estimates it.
func collectorCPU() time.Duration {
	sample := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return time.Duration(sample[0].Value.Float64() * float64(time.Second))
}

// GCSettings says how this process's collector is set as the load
// starts: GOGC (which devstack/system moves with the live heap), the soft
// memory limit, and the live heap the last collection found.
func GCSettings() string {
	return fmt.Sprintf("GOGC %d, soft limit %d MiB, %d MiB live at the last collection",
		runtimeCount("/gc/gogc:percent"), runtimeCount("/gc/gomemlimit:bytes")>>20, runtimeCount("/gc/heap/live:bytes")>>20)
}

// collectionsText is "1 collection" or "n collections".
func collectionsText(n uint64) string {
	if n == 1 {
		return "1 collection"
	}
	return fmt.Sprintf("%d collections", n)
}

// allocated is how many bytes this process has allocated on its heap so
// far (every allocation, not a sample).
func allocated() uint64 { return runtimeCount("/gc/heap/allocs:bytes") }

// collections is how many collections Go's collector has completed in
// this process so far.
func collections() uint64 { return runtimeCount("/gc/cycles/total:gc-cycles") }

// runtimeCount reads one of runtime/metrics' whole-number metrics; 0 when
// this Go does not have it.
func runtimeCount(name string) uint64 {
	sample := []metrics.Sample{{Name: name}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// Breakdown is the others' line: the CPU seconds of each kind of process
// (PostgreSQL's client backends, its checkpointer, autovacuum, MinIO,
// ...), the most first, at most top of them, and what no process
// accounts for (interrupts, processes that ended unseen).
func (u CPUUse) Breakdown(top int) string {
	var b strings.Builder
	var listed time.Duration
	for i, p := range u.Processes {
		listed += p.CPU
		if i < top {
			fmt.Fprintf(&b, "%s %.1f, ", p.Who, p.CPU.Seconds())
		}
	}
	fmt.Fprintf(&b, "unaccounted %.1f (CPU-s)", max(u.Others-listed, 0).Seconds())
	return b.String()
}

// procTicks is a process's kind and its CPU ticks so far (user and
// system), with those of its children it has reaped.
type procTicks struct {
	who           string
	ticks, reaped uint64
}

// readProcesses reads every process's ticks but this one's, by pid.
func readProcesses() map[int]procTicks {
	out := map[int]procTicks{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	self := os.Getpid()
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || pid == self {
			continue
		}
		stat, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue // ended meanwhile
		}
		cmdline, _ := os.ReadFile(d + "/cmdline")
		if p, ok := parseProcess(string(stat), string(cmdline)); ok {
			out[pid] = p
		}
	}
	return out
}

// parseProcess reads /proc/<pid>/stat and names the process's kind: a
// PostgreSQL process by the title it sets (client backends together),
// any other by its command's name (kernel threads without their number).
func parseProcess(stat, cmdline string) (procTicks, bool) {
	open, end := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return procTicks{}, false
	}
	f := strings.Fields(stat[end+1:]) // from the state on: utime is the 12th
	if len(f) < 15 {
		return procTicks{}, false
	}
	n := func(i int) uint64 { v, _ := strconv.ParseUint(f[i], 10, 64); return v }
	p := procTicks{who: stat[open+1 : end], ticks: n(11) + n(12), reaped: n(13) + n(14)}
	if i := strings.IndexByte(p.who, '/'); i > 0 { // kworker/1:2
		p.who = p.who[:i]
	}
	argv0, _, _ := strings.Cut(cmdline, "\x00")
	switch title, ok := strings.CutPrefix(argv0, "postgres: "); {
	case ok && strings.HasPrefix(title, "autovacuum worker"):
		p.who = "PostgreSQL autovacuum"
	case ok && (strings.HasPrefix(title, "checkpointer") || strings.HasPrefix(title, "background writer") ||
		strings.HasPrefix(title, "walwriter") || strings.HasPrefix(title, "autovacuum launcher") ||
		strings.HasPrefix(title, "logical replication") || strings.HasPrefix(title, "archiver") || strings.HasPrefix(title, "startup")):
		p.who = "PostgreSQL " + strings.TrimSpace(title)
	case ok:
		p.who = "PostgreSQL client backends"
	case p.who == "postgres":
		p.who = "PostgreSQL postmaster"
	}
	return p, true
}

// processesBetween sums, by kind, the CPU each process used between two
// readings: a process that started meanwhile counts from zero, and a
// parent's reaped children (PostgreSQL's ended backends and autovacuum
// workers) count under "ended, by <parent>".
func processesBetween(before, after map[int]procTicks) []ProcessCPU {
	by := map[string]uint64{}
	for pid, a := range after {
		b, seen := before[pid]
		if !seen || b.who != a.who { // started meanwhile, or a pid used again
			b = procTicks{}
		}
		if a.ticks > b.ticks {
			by[a.who] += a.ticks - b.ticks
		}
		if a.reaped > b.reaped {
			by["ended, by "+a.who] += a.reaped - b.reaped
		}
	}
	out := make([]ProcessCPU, 0, len(by))
	for who, t := range by {
		out = append(out, ProcessCPU{Who: who, CPU: time.Duration(t) * time.Second / userHZ})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].CPU != out[j].CPU {
			return out[i].CPU > out[j].CPU
		}
		return out[i].Who < out[j].Who
	})
	return out
}
