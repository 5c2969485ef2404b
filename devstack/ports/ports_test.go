package ports

import (
	"net"
	"strconv"
	"testing"
)

// The ports lie below the ephemeral range, where outgoing connections are
// placed, and each can be listened on when returned.
func TestFreePortsLieBelowTheEphemeralRange(t *testing.T) {
	high := ephemeralStart()
	for range 50 {
		port, err := Free("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if port < lowest || port >= high {
			t.Fatalf("port %d outside [%d, %d)", port, lowest, high)
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("port %d was returned free but cannot be listened on: %v", port, err)
		}
		_ = l.Close()
	}
}

// A port some other server holds is skipped for the next one drawn, and
// so is a port given before.
func TestPickSkipsAPortInUseAndOneGiven(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	inUse := held.Addr().(*net.TCPAddr).Port
	given.Lock()
	defer given.Unlock()
	free, err := kernelPort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	draws := []int{inUse, free, free}
	next := func() int { p := draws[0]; draws = draws[1:]; return p }
	if port, err := pick("127.0.0.1", next); err != nil || port != free {
		t.Fatalf("pick past a port in use = %d, %v; want %d", port, err, free)
	}
	if port, err := pick("127.0.0.1", func() int { return free }); err == nil {
		t.Fatalf("pick of a port given before = %d; want none", port)
	}
}

func TestParseRangeStart(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"32768\t60999\n", 32768, true},
		{"1024 65535", 1024, true},
		{"", 0, false},
		{"32768", 0, false},
		{"x 60999", 0, false},
		{"0 60999", 0, false},
	} {
		got, ok := parseRangeStart(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("parseRangeStart(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// A port returned once is not returned again in this process, even after
// nothing holds it any more: the server it was meant for may not listen yet.
func TestFreeNeverReturnsAPortTwice(t *testing.T) {
	seen := map[int]bool{}
	for range 300 {
		port, err := Free("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if seen[port] {
			t.Fatalf("port %d returned twice", port)
		}
		seen[port] = true
	}
}
