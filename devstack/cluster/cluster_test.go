package cluster

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// TestTemporalVersionAgrees: the binaries the Makefile installs, the schema
// folder the package reads and the server module of go.mod are one
// version.
func TestTemporalVersionAgrees(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`go\.temporal\.io/server (v\S+)`).FindSubmatch(mod); m == nil || string(m[1]) != TemporalVersion {
		t.Errorf("go.mod's go.temporal.io/server is %q; TemporalVersion is %s", m, TemporalVersion)
	}
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^TEMPORAL_VERSION := (\S+)`).FindSubmatch(mk); m == nil || string(m[1]) != TemporalVersion {
		t.Errorf("the Makefile's TEMPORAL_VERSION is %q; TemporalVersion is %s", m, TemporalVersion)
	}
}

// TestTemporalConfig: the generated configuration is YAML with the four
// services on distinct ports, PostgreSQL stores and the shard count.
func TestTemporalConfig(t *testing.T) {
	c := &Cluster{o: Options{Dir: "/x", Base: 18000, HistoryShards: 16}}
	var conf struct {
		Persistence struct {
			NumHistoryShards int `yaml:"numHistoryShards"`
			Datastores       map[string]struct {
				SQL struct {
					PluginName   string `yaml:"pluginName"`
					DatabaseName string `yaml:"databaseName"`
					ConnectAddr  string `yaml:"connectAddr"`
				} `yaml:"sql"`
			} `yaml:"datastores"`
		} `yaml:"persistence"`
		Services map[string]struct {
			RPC struct {
				GRPCPort       int `yaml:"grpcPort"`
				MembershipPort int `yaml:"membershipPort"`
			} `yaml:"rpc"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(c.temporalConfig()), &conf); err != nil {
		t.Fatalf("config: %v\n%s", err, c.temporalConfig())
	}
	if conf.Persistence.NumHistoryShards != 16 || len(conf.Persistence.Datastores) != 2 {
		t.Errorf("persistence = %+v", conf.Persistence)
	}
	for name, d := range conf.Persistence.Datastores {
		if d.SQL.PluginName != "postgres12" || d.SQL.ConnectAddr != "127.0.0.1:18032" {
			t.Errorf("datastore %s = %+v", name, d.SQL)
		}
	}
	ports := map[int]bool{}
	for _, s := range temporalServices {
		r := conf.Services[s].RPC
		if r.GRPCPort == 0 || ports[r.GRPCPort] || ports[r.MembershipPort] {
			t.Errorf("service %s: ports %+v missing or shared", s, r)
		}
		ports[r.GRPCPort], ports[r.MembershipPort] = true, true
	}
	if c.FrontendAddress() != "127.0.0.1:18233" {
		t.Errorf("frontend at %s", c.FrontendAddress())
	}
	var dyn map[string]any
	if err := yaml.Unmarshal([]byte(dynamicConfig), &dyn); err != nil || len(dyn) == 0 {
		t.Errorf("dynamic config: %v %v", dyn, err)
	}
}

// TestProxy: requests alternate between the backends; a backend that
// refuses connections is skipped, the request (body included) served by
// the other; none reachable is a 503.
func TestProxy(t *testing.T) {
	hit := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			_, _ = io.WriteString(w, name+":"+string(b))
		}))
	}
	a, b := hit("a"), hit("b")
	defer a.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	p := &Proxy{Backends: []string{a.URL, b.URL}, CheckEvery: 20 * time.Millisecond}
	ctx := t.Context()
	p.Start(ctx)
	front := httptest.NewServer(p)
	defer front.Close()
	post := func() string {
		resp, err := http.Post(front.URL+"/x", "text/plain", strings.NewReader("body"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return string(out)
	}
	// Round robin once both backends have passed a health check (the first
	// check may not have seen both yet): each answers within a few rounds.
	got := map[string]bool{}
	for deadline := time.Now().Add(2 * time.Second); !(got["a:body"] && got["b:body"]) && time.Now().Before(deadline); {
		got[post()] = true
	}
	if !got["a:body"] || !got["b:body"] {
		t.Errorf("two requests went to %v; want one to each backend", got)
	}
	b.Close()
	for i := 0; i < 4; i++ {
		if s := post(); s != "a:body" {
			t.Fatalf("with b gone: %q; want a to answer", s)
		}
	}
	p2 := &Proxy{Backends: []string{dead}}
	p2.Start(ctx)
	front2 := httptest.NewServer(p2)
	defer front2.Close()
	resp, err := http.Get(front2.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("no backend: %d; want 503", resp.StatusCode)
	}
}
