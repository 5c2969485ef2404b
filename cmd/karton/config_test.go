package main

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "var" || c.S3Bucket != "karton" || c.DemoHouseholds != 1000 || c.SimFaults.Latency != 20*time.Millisecond || c.RegistryTimeout != 10*time.Second {
		t.Errorf("Load() = %+v; want the documented defaults", c)
	}
}

func TestLoadRejectsNonsense(t *testing.T) {
	for _, m := range []map[string]string{
		{"KARTON_SIM_ERROR_RATE": "2"},
		{"KARTON_SIM_LATENCY": "soon"},
		{"KARTON_SIM_AGENCY": "sometimes"},
		{"KARTON_DEMO_HOUSEHOLDS": "-3"},
		{"S3_USE_SSL": "maybe"},
		{"KARTON_LOG_LEVEL": "loud"},
	} {
		if _, err := Load(env(m)); err == nil {
			t.Errorf("Load(%v) succeeded; want an error", m)
		}
	}
}

func TestConfigStringMasksSecrets(t *testing.T) {
	c, _ := Load(env(map[string]string{"DATABASE_URL": "postgres://u:hunter2@db/k", "S3_SECRET_KEY": "s3cr3t"}))
	s := c.String()
	if strings.Contains(s, "hunter2") || strings.Contains(s, "s3cr3t") {
		t.Errorf("Config.String() = %q leaks a secret", s)
	}
}

func TestUnknownCommand(t *testing.T) {
	var out strings.Builder
	if err := run([]string{"fly"}, env(nil), &out); err == nil || !strings.Contains(out.String(), "usage") {
		t.Errorf("run(fly) = %v, %q; want an error and the usage", err, out.String())
	}
}
