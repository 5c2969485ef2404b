package cluster

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Proxy is a small load balancer in front of the API processes: each
// request goes to the next healthy backend in turn; a backend is healthy
// while GET /readyz answers 200 (asked every CheckEvery). A request whose
// connection is refused (the process is gone) is sent to the next backend,
// so that a killed API process costs a client nothing but the requests it
// was serving at that moment; those get a 502.
type Proxy struct {
	Backends   []string // http://host:port
	CheckEvery time.Duration

	next    atomic.Uint64
	mu      sync.Mutex
	healthy map[string]bool
	rp      *httputil.ReverseProxy
}

type backendKey struct{}

// maxBody bounds the request bodies the proxy keeps to send again
// (evidence uploads are smaller).
const maxBody = 32 << 20

// Start begins the health checks; they end with ctx.
func (p *Proxy) Start(ctx context.Context) {
	p.healthy = map[string]bool{}
	if p.CheckEvery == 0 {
		p.CheckEvery = 500 * time.Millisecond
	}
	tr := &http.Transport{DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			u := r.In.Context().Value(backendKey{}).(*url.URL)
			r.SetURL(u)
			r.Out.Host = r.In.Host
			r.SetXForwarded()
		},
		Transport:     tr,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "the API process did not answer: "+err.Error(), http.StatusBadGateway)
		},
	}
	check := &http.Client{Timeout: time.Second}
	go func() {
		t := time.NewTicker(p.CheckEvery)
		defer t.Stop()
		for {
			for _, b := range p.Backends {
				resp, err := check.Get(b + "/readyz")
				ok := err == nil && resp.StatusCode == http.StatusOK
				if resp != nil {
					resp.Body.Close()
				}
				p.setHealthy(b, ok)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (p *Proxy) setHealthy(b string, ok bool) {
	p.mu.Lock()
	p.healthy[b] = ok
	p.mu.Unlock()
}

// pick returns the backends to try, healthy ones first in round-robin
// order; when none is healthy, all of them.
func (p *Proxy) pick() []string {
	n := len(p.Backends)
	start := int(p.next.Add(1)) % n
	p.mu.Lock()
	defer p.mu.Unlock()
	var good, bad []string
	for i := 0; i < n; i++ {
		b := p.Backends[(start+i)%n]
		if p.healthy[b] {
			good = append(good, b)
		} else {
			bad = append(bad, b)
		}
	}
	return append(good, bad...)
}

// ServeHTTP sends the request to a backend.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1)); err != nil {
			http.Error(w, "reading the request: "+err.Error(), http.StatusBadRequest)
			return
		}
		if len(body) > maxBody {
			http.Error(w, "request body over 32 MiB", http.StatusRequestEntityTooLarge)
			return
		}
	}
	for _, b := range p.pick() {
		u, _ := url.Parse(b)
		// First a bare connection: a refused one marks the backend down and
		// the next is tried, before anything is sent.
		c, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err != nil {
			if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
				p.setHealthy(b, false)
				continue
			}
		} else {
			_ = c.Close()
		}
		r2 := r.WithContext(context.WithValue(r.Context(), backendKey{}, u))
		r2.Body = io.NopCloser(bytes.NewReader(body))
		r2.ContentLength = int64(len(body))
		p.rp.ServeHTTP(w, r2)
		return
	}
	http.Error(w, "no API process is reachable", http.StatusServiceUnavailable)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
