// Package ports finds free TCP ports for the servers the dev stack starts.
//
// A port the kernel hands out for ":0" comes from the ephemeral range, the
// same range it draws from for every outgoing connection. Between closing
// the probe and the server's own listen, a connection to PostgreSQL or
// MinIO can take that port; Temporal's services then fail to listen, and
// its worker service serves a nil listener and panics. The ports found
// here lie below the ephemeral range, where no outgoing connection is ever
// placed, so only another server choosing the same port at the same moment
// could take one.
package ports

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// lowest is the first port considered: above the well-known and the most
// common registered ports of local services.
const lowest = 20000

// rangeFile holds the kernel's ephemeral range, "low\thigh".
const rangeFile = "/proc/sys/net/ipv4/ip_local_port_range"

// fallbackEphemeral is where the ephemeral range begins when the kernel
// does not say (Linux's default; IANA's range begins higher still).
const fallbackEphemeral = 32768

// attempts bounds the search; a machine with this many ports taken below
// its ephemeral range has something else wrong.
const attempts = 200

// given holds every port this process has returned: a server started from
// one port must not be handed the same port again before it listens.
var given = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// Free returns a port on host that nothing listens on, below the kernel's
// ephemeral range, and never one it returned before in this process.
func Free(host string) (int, error) {
	given.Lock()
	defer given.Unlock()
	high := ephemeralStart()
	if high <= lowest+1 {
		return kernelPort(host)
	}
	port, err := pick(host, func() int { return lowest + rand.IntN(high-lowest) })
	if err != nil {
		return 0, fmt.Errorf("find a free port on %s below %d: %w", host, high, err)
	}
	return port, nil
}

// pick tries the ports next draws until one was not given before and can
// be listened on, and remembers it. The caller holds given.
func pick(host string, next func() int) (int, error) {
	last := fmt.Errorf("%d ports drawn, each given before", attempts)
	for range attempts {
		port := next()
		if given.ports[port] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			last = err
			continue
		}
		_ = l.Close()
		given.ports[port] = true
		return port, nil
	}
	return 0, last
}

// ephemeralStart reads where the kernel's ephemeral range begins.
func ephemeralStart() int {
	b, err := os.ReadFile(rangeFile)
	if err != nil {
		return fallbackEphemeral
	}
	low, ok := parseRangeStart(string(b))
	if !ok {
		return fallbackEphemeral
	}
	return low
}

// parseRangeStart reads the first number of "low\thigh\n".
func parseRangeStart(s string) (int, bool) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return 0, false
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil || low < 1 || low > 65535 {
		return 0, false
	}
	return low, true
}

// kernelPort is the kernel's choice, for a machine whose ephemeral range
// leaves no room below it.
func kernelPort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port on %s: %w", host, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
