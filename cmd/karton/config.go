package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/karton-social/karton/codec"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
)

// Config is every setting, read from the environment only here.
type Config struct {
	DataDir         string // KARTON_DATA_DIR, default ./var
	HTTPAddr        string // KARTON_HTTP_ADDR, default 127.0.0.1:8080 (dev), :8080 (api)
	WorkerHTTPAddr  string // KARTON_WORKER_HTTP_ADDR: the worker's /healthz, /readyz and /metrics; default :8081
	DatabaseURL     string // DATABASE_URL; empty in dev: private cluster under ./var/pg
	TemporalAddress string // TEMPORAL_ADDRESS; empty in dev: embedded server
	TemporalNS      string // TEMPORAL_NAMESPACE, default "default"
	// TLS to Temporal (Temporal Cloud, a cluster with mTLS): files of the
	// client certificate, its key and the CA, and the server name to verify.
	TemporalTLSCert       string        // TEMPORAL_TLS_CERT
	TemporalTLSKey        string        // TEMPORAL_TLS_KEY
	TemporalTLSCA         string        // TEMPORAL_TLS_CA
	TemporalTLSServerName string        // TEMPORAL_TLS_SERVER_NAME
	S3Endpoint            string        // S3_ENDPOINT; empty in dev: local MinIO
	S3AccessKey           string        // S3_ACCESS_KEY
	S3SecretKey           string        // S3_SECRET_KEY (masked when printed)
	S3Bucket              string        // S3_BUCKET, default karton
	S3UseSSL              bool          // S3_USE_SSL
	RegistryURL           string        // KARTON_REGISTRY_URL: the X-Road security server; empty in dev: simulators
	RegistryClient        string        // KARTON_REGISTRY_CLIENT, default ME/GOV/MRSS/karton
	RegistryTimeout       time.Duration // KARTON_REGISTRY_TIMEOUT, default 10s
	SimFaults             sim.Faults    // KARTON_SIM_LATENCY, _ERROR_RATE, _HANG_RATE, _GARBAGE_RATE, KARTON_SIM_AGENCY
	DemoHouseholds        int           // KARTON_DEMO_HOUSEHOLDS, default 1000
	LogLevel              string        // KARTON_LOG_LEVEL: debug, info, warn, error; default info
	TreasuryURL           string        // KARTON_TREASURY_URL: the treasury's payment gateway; dev: the simulator
	PoliceURL             string        // KARTON_POLICE_URL: the police's endpoint for the centres' DV reports; dev: the simulator
	AgencyURL             string        // KARTON_AGENCY_URL: the Employment Agency's endpoint for activation; dev: the simulator
	ElectricityURL        string        // KARTON_ELECTRICITY_URL: the power utility's endpoint for the electricity subsidy's lists; dev: the simulator
	PayrollDay            int           // KARTON_PAYROLL_DAY: the day the monthly payroll schedule runs, default 10
	ChangesPoll           time.Duration // KARTON_CHANGES_POLL: how often the registries' feeds of changes are polled, default 1m; 0 never
	PaymentDay            int           // KARTON_PAYMENT_DAY: the day from which a month itself may be paid, default 15 (domain.DefaultPaymentDay)
	OIDCIssuer            string        // KARTON_OIDC_ISSUER; dev: the development issuer
	OIDCAudience          string        // KARTON_OIDC_AUDIENCE, default karton
	OIDCJWKSURL           string        // KARTON_OIDC_JWKS_URL; empty: discovered from the issuer
	OIDCSkew              time.Duration // KARTON_OIDC_CLOCK_SKEW, default 60s

	// The keys that encrypt Temporal's payloads, and who may decode them.
	PayloadKeysFile string         // KARTON_PAYLOAD_KEYS_FILE, default <data dir>/keys/payload.json
	PayloadKeys     *codec.KeyRing // KARTON_PAYLOAD_KEYS: the same JSON inline (from a secret store); it wins over the file
	CodecOrigins    []string       // KARTON_CODEC_ORIGINS, comma-separated: the Temporal Web UI's origins; default http://127.0.0.1:8233,http://localhost:8233
}

// Load reads the configuration; getenv is os.Getenv, or a map in tests.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		DataDir:               or(getenv("KARTON_DATA_DIR"), "var"),
		HTTPAddr:              getenv("KARTON_HTTP_ADDR"),
		WorkerHTTPAddr:        getenv("KARTON_WORKER_HTTP_ADDR"),
		DatabaseURL:           getenv("DATABASE_URL"),
		TemporalAddress:       getenv("TEMPORAL_ADDRESS"),
		TemporalNS:            or(getenv("TEMPORAL_NAMESPACE"), "default"),
		TemporalTLSCert:       getenv("TEMPORAL_TLS_CERT"),
		TemporalTLSKey:        getenv("TEMPORAL_TLS_KEY"),
		TemporalTLSCA:         getenv("TEMPORAL_TLS_CA"),
		TemporalTLSServerName: getenv("TEMPORAL_TLS_SERVER_NAME"),
		S3Endpoint:            getenv("S3_ENDPOINT"),
		S3AccessKey:           getenv("S3_ACCESS_KEY"),
		S3SecretKey:           getenv("S3_SECRET_KEY"),
		S3Bucket:              or(getenv("S3_BUCKET"), "karton"),
		RegistryURL:           getenv("KARTON_REGISTRY_URL"),
		RegistryClient:        or(getenv("KARTON_REGISTRY_CLIENT"), "ME/GOV/MRSS/karton"),
		LogLevel:              or(getenv("KARTON_LOG_LEVEL"), "info"),
		TreasuryURL:           getenv("KARTON_TREASURY_URL"),
		PoliceURL:             getenv("KARTON_POLICE_URL"),
		AgencyURL:             getenv("KARTON_AGENCY_URL"),
		ElectricityURL:        getenv("KARTON_ELECTRICITY_URL"),
		OIDCIssuer:            getenv("KARTON_OIDC_ISSUER"),
		OIDCAudience:          or(getenv("KARTON_OIDC_AUDIENCE"), "karton"),
		OIDCJWKSURL:           getenv("KARTON_OIDC_JWKS_URL"),
	}
	c.PayloadKeysFile = or(getenv("KARTON_PAYLOAD_KEYS_FILE"), filepath.Join(c.DataDir, "keys", "payload.json"))
	for _, o := range strings.Split(or(getenv("KARTON_CODEC_ORIGINS"), "http://127.0.0.1:8233,http://localhost:8233"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CodecOrigins = append(c.CodecOrigins, o)
		}
	}
	var err error
	if v := getenv("KARTON_PAYLOAD_KEYS"); v != "" {
		if c.PayloadKeys, err = codec.ParseKeyRing([]byte(v)); err != nil {
			return c, fmt.Errorf("KARTON_PAYLOAD_KEYS: %w", err)
		}
	}
	if c.S3UseSSL, err = parseBool(getenv, "S3_USE_SSL", false); err != nil {
		return c, err
	}
	if c.OIDCSkew, err = parseDuration(getenv, "KARTON_OIDC_CLOCK_SKEW", 60*time.Second); err != nil {
		return c, err
	}
	if c.RegistryTimeout, err = parseDuration(getenv, "KARTON_REGISTRY_TIMEOUT", 10*time.Second); err != nil {
		return c, err
	}
	if c.ChangesPoll, err = parseDuration(getenv, "KARTON_CHANGES_POLL", time.Minute); err != nil {
		return c, err
	}
	if c.ChangesPoll > 0 && c.ChangesPoll < time.Second {
		return c, fmt.Errorf("KARTON_CHANGES_POLL=%s: want 0 (never) or at least 1s", c.ChangesPoll)
	}
	if c.SimFaults.Latency, err = parseDuration(getenv, "KARTON_SIM_LATENCY", 20*time.Millisecond); err != nil {
		return c, err
	}
	for name, dst := range map[string]*float64{
		"KARTON_SIM_ERROR_RATE": &c.SimFaults.ErrorRate, "KARTON_SIM_HANG_RATE": &c.SimFaults.HangRate,
		"KARTON_SIM_GARBAGE_RATE": &c.SimFaults.GarbageRate,
	} {
		v := getenv(name)
		if v == "" {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			return c, fmt.Errorf("%s=%q: want a probability between 0 and 1", name, v)
		}
		*dst = f
	}
	switch v := getenv("KARTON_SIM_AGENCY"); v {
	case "", "auto":
	case "manual":
		c.SimFaults.AgencyManual = true
	default:
		return c, fmt.Errorf("KARTON_SIM_AGENCY=%q: want auto (the simulated agency answers referrals by itself) or manual (its staff do, on the agency's page)", v)
	}
	c.PayrollDay = 10
	if v := getenv("KARTON_PAYROLL_DAY"); v != "" {
		if c.PayrollDay, err = strconv.Atoi(v); err != nil || c.PayrollDay < 1 || c.PayrollDay > 28 {
			return c, fmt.Errorf("KARTON_PAYROLL_DAY=%q: want a day from 1 to 28", v)
		}
	}
	c.PaymentDay = domain.DefaultPaymentDay
	if v := getenv("KARTON_PAYMENT_DAY"); v != "" {
		if c.PaymentDay, err = strconv.Atoi(v); err != nil || c.PaymentDay < 1 || c.PaymentDay > 28 {
			return c, fmt.Errorf("KARTON_PAYMENT_DAY=%q: want a day from 1 to 28", v)
		}
	}
	if v := getenv("KARTON_DEMO_HOUSEHOLDS"); v != "" {
		if c.DemoHouseholds, err = strconv.Atoi(v); err != nil || c.DemoHouseholds < 0 || c.DemoHouseholds > sim.MaxHouseholds {
			return c, fmt.Errorf("KARTON_DEMO_HOUSEHOLDS=%q: want a whole number from 0 to %d", v, sim.MaxHouseholds)
		}
	} else {
		c.DemoHouseholds = 1000
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return c, fmt.Errorf("KARTON_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel)
	}
	return c, nil
}

// String prints the configuration with secrets masked.
func (c Config) String() string {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "****"
	}
	db := c.DatabaseURL
	if i := strings.Index(db, "@"); i > 0 {
		if j := strings.Index(db, "://"); j > 0 && j < i {
			db = db[:j+3] + "****" + db[i:]
		}
	}
	keys := c.PayloadKeysFile
	if c.PayloadKeys != nil {
		keys = "(KARTON_PAYLOAD_KEYS: " + c.PayloadKeys.String() + ")"
	}
	return fmt.Sprintf("data_dir=%s http=%s database=%s temporal=%s/%s s3=%s bucket=%s s3_key=%s s3_secret=%s registry=%s oidc=%s aud=%s payload_keys=%s codec_origins=%s sim=%+v",
		c.DataDir, c.HTTPAddr, or(db, "(private cluster)"), or(c.TemporalAddress, "(embedded)"), c.TemporalNS,
		or(c.S3Endpoint, "(local MinIO)"), c.S3Bucket, c.S3AccessKey, mask(c.S3SecretKey), or(c.RegistryURL, "(simulators)"),
		or(c.OIDCIssuer, "(development issuer)"), c.OIDCAudience, keys, strings.Join(c.CodecOrigins, ","), c.SimFaults)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func parseBool(getenv func(string) string, name string, def bool) (bool, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("%s=%q: want true or false", name, v)
	}
	return b, nil
}

func parseDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return def, fmt.Errorf("%s=%q: want a duration such as 20ms or 10s", name, v)
	}
	return d, nil
}

// devIssuerRefusal says why `karton dev`'s development issuer must grant no
// tokens, or "" when every service is karton dev's own embedded one. Its
// demo users include administrators and every centre's staff; pointed at a
// real database, Temporal, object store or registry, anyone who reaches the
// issuer could read and change real people's records.
func (c Config) devIssuerRefusal() string {
	var set []string
	for _, s := range []struct{ name, value string }{{"DATABASE_URL", c.DatabaseURL}, {"TEMPORAL_ADDRESS", c.TemporalAddress},
		{"S3_ENDPOINT", c.S3Endpoint}, {"KARTON_REGISTRY_URL", c.RegistryURL}} {
		if s.value != "" {
			set = append(set, s.name)
		}
	}
	if len(set) == 0 {
		return ""
	}
	return strings.Join(set, ", ") + " point karton dev at services that are not its own, so its development issuer grants no tokens " +
		"(no POST /dev/token, no demo-user login); unset them to use the demo users, or run `karton api` with KARTON_OIDC_ISSUER"
}
