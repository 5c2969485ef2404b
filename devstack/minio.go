package devstack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// MinIO is a local MinIO server: a real S3 implementation with SigV4,
// presigned URLs and bucket policies.
type MinIO struct {
	Binary    string // path to the minio binary; empty: ./bin/minio, then PATH
	Dir       string
	Addr      string // host:port for the S3 API
	AccessKey string
	SecretKey string
	LogFile   string

	cmd *exec.Cmd
}

// FindMinIO looks for the minio binary in ./bin, the folders above the
// working directory's bin (for tests run from a package folder), and PATH.
func FindMinIO() (string, error) {
	wd, _ := os.Getwd()
	for dir := wd; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "bin", "minio")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	return "", errors.New("no minio binary in ./bin or on PATH: run `make bin/minio` (go install from the module proxy), or set S3_ENDPOINT")
}

// Start launches the server and waits until it is live.
func (m *MinIO) Start(ctx context.Context) error {
	if err := m.Launch(); err != nil {
		return err
	}
	return m.WaitLive(ctx)
}

// Launch starts the server's process without waiting for it: its address
// is known at once, and the server takes a second or more to come up
// (WaitLive waits for it).
func (m *MinIO) Launch() error {
	if m.Binary == "" {
		b, err := FindMinIO()
		if err != nil {
			return err
		}
		m.Binary = b
	}
	if err := os.MkdirAll(m.Dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", m.Dir, err)
	}
	if m.Addr == "" {
		port, err := FreePort()
		if err != nil {
			return err
		}
		m.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	}
	console, err := FreePort()
	if err != nil {
		return err
	}
	m.cmd = exec.Command(m.Binary, "server", m.Dir, "--address", m.Addr,
		"--console-address", fmt.Sprintf("127.0.0.1:%d", console), "--quiet")
	m.cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+m.AccessKey, "MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CALLHOME_ENABLE=off")
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if m.LogFile != "" {
		f, err := os.OpenFile(m.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("open minio log: %w", err)
		}
		m.cmd.Stdout, m.cmd.Stderr = f, f
	}
	if err := m.cmd.Start(); err != nil {
		return fmt.Errorf("start minio: %w", err)
	}
	return nil
}

// WaitLive waits until the launched server is live and initialised; it
// stops the server when it is not within 30 seconds.
func (m *MinIO) WaitLive(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		// Live, and past initialisation: an unsigned S3 request is refused
		// (403) rather than answered "not initialized yet" (503).
		if status("http://"+m.Addr+"/minio/health/cluster") == http.StatusOK && status("http://"+m.Addr+"/") == http.StatusForbidden {
			return nil
		}
		if time.Now().After(deadline) {
			_ = m.Stop()
			return fmt.Errorf("minio at %s not live after 30s", m.Addr)
		}
		select {
		case <-ctx.Done():
			_ = m.Stop()
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func status(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Endpoint is the S3 endpoint (host:port).
func (m *MinIO) Endpoint() string { return m.Addr }

// Stop ends the server.
func (m *MinIO) Stop() error {
	if m.cmd == nil || m.cmd.Process == nil {
		return nil
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- m.cmd.Wait() }()
	select {
	case _ = <-done: // the exit status after SIGTERM says nothing
	case <-time.After(10 * time.Second):
		_ = m.cmd.Process.Kill()
		_ = <-done
	}
	m.cmd = nil
	return nil
}
