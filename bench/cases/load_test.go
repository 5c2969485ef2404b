package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestServeLoadSendsTheLoadOnGo: a load child warms its route up (a
// second's worth of requests), says "warm", sends nothing more until
// "go", then sends the load with the bearer token it was given and
// writes every request's latency and start.
func TestServeLoadSendsTheLoadOnGo(t *testing.T) {
	var hits, unauthorized atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer t0k" {
			unauthorized.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"items":[]}`)
	}))
	defer srv.Close()
	spec, _ := json.Marshal(loadSpec{URL: srv.URL, Token: "t0k", Rate: 200, N: 50})
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serveLoad(inR, outW); _ = outW.Close() }()
	if _, err := fmt.Fprintf(inW, "%s\n", spec); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(outR, buf); err != nil || string(buf) != "warm\n" {
		t.Fatalf("the child said %q (%v); want warm", buf, err)
	}
	warm := hits.Load()
	if want := int64(201 + warmBurst); warm != want { // one call, a second at the rate, a burst
		t.Errorf("%d requests to warm up; want %d", warm, want)
	}
	if _, err := io.WriteString(inW, "go\n"); err != nil {
		t.Fatal(err)
	}
	var res loadResult
	if err := json.NewDecoder(outR).Decode(&res); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(res.Lat) != 50 || len(res.Began) != 50 || res.Errs != 0 || hits.Load()-warm != 50 || unauthorized.Load() != 0 {
		t.Errorf("the load: %d latencies, %d starts, %d errors, %d requests, %d without the token; want 50, 50, 0, 50, 0",
			len(res.Lat), len(res.Began), res.Errs, hits.Load()-warm, unauthorized.Load())
	}
	if res.Began[49] < res.Began[0] || res.Lat[0] <= 0 {
		t.Errorf("starts %v … %v, first latency %v: want increasing starts and a latency", res.Began[0], res.Began[49], res.Lat[0])
	}
}

func TestServeLoadRefusesALoadOfNothing(t *testing.T) {
	err := serveLoad(strings.NewReader(`{"URL":"http://127.0.0.1:1","Rate":0,"N":0}`+"\n"), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no rate") {
		t.Errorf("serveLoad(rate 0) = %v; want the load refused", err)
	}
}
