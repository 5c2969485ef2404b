package bench

import (
	"fmt"
	"os"
	"runtime"
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
	busy0, total0 uint64
	self0         time.Duration
	at            time.Time
}

// StartCPU starts a meter.
func StartCPU() *CPUMeter {
	m := &CPUMeter{at: time.Now()}
	m.busy0, m.total0 = machineTicks()
	m.self0 = selfCPU()
	return m
}

// CPUUse is what a meter saw.
type CPUUse struct {
	Wall time.Duration
	// Busy is the share of all cores' time spent not idle (0..1).
	Busy float64
	// Self is the CPU time this process used; Others is the rest of the
	// machine's busy time (PostgreSQL, MinIO, the kernel's threads).
	Self, Others time.Duration
}

// Stop reads the meter.
func (m *CPUMeter) Stop() CPUUse {
	busy, total := machineTicks()
	u := CPUUse{Wall: time.Since(m.at), Self: selfCPU() - m.self0}
	if total > m.total0 {
		u.Busy = float64(busy-m.busy0) / float64(total-m.total0)
	}
	machine := time.Duration(u.Busy * float64(u.Wall) * float64(runtime.NumCPU()))
	u.Others = max(machine-u.Self, 0)
	return u
}

// String is the meter's line: busy share, and the CPU seconds of this
// process and of the others against the cores' seconds.
func (u CPUUse) String() string {
	return fmt.Sprintf("machine %.0f%% busy over %v on %d cores: this process %.1f CPU-s, the others (PostgreSQL, MinIO, ...) %.1f CPU-s of %.1f",
		100*u.Busy, u.Wall.Round(time.Millisecond), runtime.NumCPU(), u.Self.Seconds(), u.Others.Seconds(), u.Wall.Seconds()*float64(runtime.NumCPU()))
}

// machineTicks reads the busy and total ticks of all cores; zero where
// /proc/stat cannot be read.
func machineTicks() (busy, total uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0
	}
	for i, s := range f[1:] {
		n, _ := strconv.ParseUint(s, 10, 64)
		if i < 8 { // user nice system idle iowait irq softirq steal (guest is within user)
			total += n
			if i != 3 && i != 4 { // idle and iowait are not busy
				busy += n
			}
		}
	}
	return busy, total
}

// selfCPU is the user and system time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
