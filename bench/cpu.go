package bench

import (
	"fmt"
	"os"
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
	cores         int
}

// StartCPU starts a meter.
func StartCPU() *CPUMeter {
	m := &CPUMeter{at: time.Now()}
	m.busy0, m.total0, m.cores = machineTicks()
	m.self0 = selfCPU()
	return m
}

// CPUUse is what a meter saw.
type CPUUse struct {
	Wall time.Duration
	// Busy is the share of all cores' time spent not idle (0..1).
	Busy  float64
	Cores int
	// Self is the CPU time this process used; Others is the rest of the
	// machine's busy time (PostgreSQL, MinIO, the kernel's threads).
	Self, Others time.Duration
}

// Stop reads the meter.
func (m *CPUMeter) Stop() CPUUse {
	busy, total, _ := machineTicks()
	u := CPUUse{Wall: time.Since(m.at), Self: selfCPU() - m.self0, Cores: m.cores}
	if m.total0 > 0 && total > m.total0 {
		u.Busy = float64(busy-m.busy0) / float64(total-m.total0)
		machine := time.Duration(busy-m.busy0) * time.Second / userHZ
		u.Others = max(machine-u.Self, 0)
	}
	return u
}

// userHZ is the unit of /proc/stat's ticks (USER_HZ, 100 on Linux).
const userHZ = 100

// String is the meter's line: busy share, and the CPU seconds of this
// process and of the others against the cores' seconds.
func (u CPUUse) String() string {
	return fmt.Sprintf("machine %.0f%% busy over %v on %d cores: this process %.1f CPU-s, the others (PostgreSQL, MinIO, ...) %.1f CPU-s of %.1f",
		100*u.Busy, u.Wall.Round(time.Millisecond), u.Cores, u.Self.Seconds(), u.Others.Seconds(), u.Wall.Seconds()*float64(u.Cores))
}

// machineTicks reads the busy and total ticks of all the machine's cores
// and counts them; zero where /proc/stat cannot be read. Time stolen by a
// hypervisor is neither (it was nobody's here).
func machineTicks() (busy, total uint64, cores int) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, 0
	}
	lines := strings.Split(string(b), "\n")
	f := strings.Fields(lines[0])
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, 0
	}
	for i, s := range f[1:] {
		n, _ := strconv.ParseUint(s, 10, 64)
		if i < 7 { // user nice system idle iowait irq softirq (guest is within user)
			total += n
			if i != 3 && i != 4 { // idle and iowait are not busy
				busy += n
			}
		}
	}
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "cpu") {
			cores++
		}
	}
	return busy, total, cores
}

// selfCPU is the user and system time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
