package devstack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/karton-social/karton/devstack/ports"
)

// Postgres is a private PostgreSQL cluster in a folder of its own.
type Postgres struct {
	Dir  string
	Port int
	// Fast turns off fsync and synchronous commit: for tests, never for data
	// anyone keeps.
	Fast bool

	bin     string
	cred    *syscall.Credential
	started bool // by us, so Stop stops it
}

// PostgresUser is the system user the cluster runs as when Karton runs as
// root: PostgreSQL refuses to run as root.
const PostgresUser = "postgres"

// FindPostgresBin returns the folder holding initdb and pg_ctl: PATH first,
// then Debian's /usr/lib/postgresql/<version>/bin, newest version first.
func FindPostgresBin() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	best, bestV := "", -1
	for _, m := range matches {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(m))))
		if err == nil && v > bestV {
			best, bestV = filepath.Dir(m), v
		}
	}
	if best == "" {
		return "", errors.New("no PostgreSQL server binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql/*/bin: install them, e.g. `apt-get install -y postgresql`, or set DATABASE_URL")
	}
	return best, nil
}

// Start creates the cluster on first use and starts it, or reuses a
// cluster already running in Dir. It returns when the server accepts
// connections.
func (p *Postgres) Start(ctx context.Context) error {
	bin, err := FindPostgresBin()
	if err != nil {
		return err
	}
	p.bin = bin
	if p.Dir, err = filepath.Abs(p.Dir); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup(PostgresUser)
		if err != nil {
			return fmt.Errorf("running as root, PostgreSQL needs the unprivileged system user %q (created by the postgresql package): %w", PostgresUser, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", p.Dir, err)
	}
	if p.cred != nil {
		if err := os.Chown(p.Dir, int(p.cred.Uid), int(p.cred.Gid)); err != nil {
			return fmt.Errorf("chown %s: %w", p.Dir, err)
		}
		if err := openPath(p.Dir); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(p.Dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := p.run(ctx, "initdb", "-D", p.Dir, "-U", "karton", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"); err != nil {
			return fmt.Errorf("initdb: %w", err)
		}
	}
	if p.running(ctx) {
		port, err := p.runningPort()
		if err != nil {
			return err
		}
		p.Port = port
		return p.waitReady(ctx)
	}
	if p.Port == 0 {
		if p.Port, err = FreePort(); err != nil {
			return err
		}
	}
	// A payroll copies millions of rows into indexed tables and reads as
	// many rights (issue 24): shared buffers of 512 MB instead of the
	// default 128 MB keep the indexes being extended and the rights' pages
	// in PostgreSQL's own cache, and checkpoints every 4 GB of WAL instead
	// of 1 GB write each page's full image less often. Neither changes
	// what a commit guarantees (fsync and full-page writes stay on).
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=512MB -c max_wal_size=4GB",
		p.Port, p.Dir)
	if p.Fast {
		opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	if err := p.run(ctx, "pg_ctl", "-D", p.Dir, "-l", filepath.Join(p.Dir, "server.log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		return fmt.Errorf("pg_ctl start (see %s): %w", filepath.Join(p.Dir, "server.log"), err)
	}
	p.started = true
	return p.waitReady(ctx)
}

// openPath lets the unprivileged server user traverse the folders above
// dir. It only adds the search bit, and only below the temporary folder or
// the working directory (t.TempDir() makes 0700 folders); elsewhere a
// folder it cannot traverse is reported.
func openPath(dir string) error {
	wd, _ := os.Getwd()
	for d := filepath.Dir(dir); d != filepath.Dir(d); d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 != 0 {
			continue
		}
		inTemp := strings.HasPrefix(d+"/", filepath.Clean(os.TempDir())+"/")
		inWork := wd != "" && strings.HasPrefix(d+"/", wd+"/")
		if !inTemp && !inWork {
			return fmt.Errorf("the PostgreSQL user %q cannot reach %s: %s is not searchable by others", PostgresUser, dir, d)
		}
		if err := os.Chmod(d, fi.Mode().Perm()|0o001); err != nil {
			return fmt.Errorf("open %s to the PostgreSQL user: %w", d, err)
		}
	}
	return nil
}

// URL is the connection string of database db.
func (p *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://karton@127.0.0.1:%d/%s?sslmode=disable", p.Port, db)
}

// Stop stops the cluster if Start started it.
func (p *Postgres) Stop() error {
	if !p.started {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return p.run(ctx, "pg_ctl", "-D", p.Dir, "-m", "fast", "-w", "stop")
}

// CreateDatabase creates db if it does not exist.
func (p *Postgres) CreateDatabase(ctx context.Context, db string) error {
	var out bytes.Buffer
	cmd := p.command(ctx, "psql", "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "-U", "karton", "-d", "postgres", "-tAc",
		fmt.Sprintf("SELECT 1 FROM pg_database WHERE datname = '%s'", strings.ReplaceAll(db, "'", "")))
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("look up database %s: %w", db, err)
	}
	if strings.TrimSpace(out.String()) == "1" {
		return nil
	}
	return p.run(ctx, "createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "-U", "karton", db)
}

func (p *Postgres) running(ctx context.Context) bool {
	return p.command(ctx, "pg_ctl", "-D", p.Dir, "status").Run() == nil
}

// runningPort reads the port from postmaster.pid (line 4).
func (p *Postgres) runningPort() (int, error) {
	b, err := os.ReadFile(filepath.Join(p.Dir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("read postmaster.pid: %w", err)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, errors.New("postmaster.pid has no port line")
	}
	return strconv.Atoi(strings.TrimSpace(lines[3]))
}

func (p *Postgres) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		if p.command(ctx, "pg_isready", "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port)).Run() == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres on port %d not ready after 60s", p.Port)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (p *Postgres) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(p.bin, name), args...)
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "PGCONNECT_TIMEOUT=5")
	// Our own process group: Ctrl-C on the terminal reaches karton, which
	// stops the server in order, and not the server first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if p.cred != nil {
		cmd.SysProcAttr.Credential = p.cred
	}
	return cmd
}

func (p *Postgres) run(ctx context.Context, name string, args ...string) error {
	var out bytes.Buffer
	cmd := p.command(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// FreePort returns a free TCP port on 127.0.0.1, below the kernel's
// ephemeral range (see package ports).
func FreePort() (int, error) { return ports.Free("127.0.0.1") }
