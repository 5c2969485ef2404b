package cluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Proc is one supervised process: started again RestartDelay after it
// exits, whatever the reason, until the cluster stops, as Kubernetes
// restarts a pod's container. Its stdout and stderr go to LogFile.
type Proc struct {
	Name         string
	Path         string
	Args         []string
	Env          []string // added to the supervisor's environment
	LogFile      string
	RestartDelay time.Duration

	mu       sync.Mutex
	cmd      *exec.Cmd
	starts   int
	stopping bool
	started  time.Time
	done     chan struct{} // closed when the supervising goroutine returns
	say      func(format string, args ...any)
}

// start launches the process and a goroutine that restarts it when it
// exits.
func (p *Proc) start() error {
	p.done = make(chan struct{})
	if err := p.launch(); err != nil {
		close(p.done)
		return err
	}
	go p.supervise()
	return nil
}

// errStopping says the cluster is stopping: nothing is started again.
var errStopping = errors.New("stopping")

func (p *Proc) launch() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping {
		return errStopping
	}
	log, err := os.OpenFile(p.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s: open log: %w", p.Name, err)
	}
	cmd := exec.Command(p.Path, p.Args...)
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group, so that Ctrl-C reaches the supervisor alone
	// and the supervisor stops each process in order; Pdeathsig stops it
	// if the supervisor itself is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p.starts++
	fmt.Fprintf(log, "--- cluster: start %d of %s at %s\n", p.starts, p.Name, time.Now().UTC().Format(time.RFC3339Nano))
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return fmt.Errorf("%s: start %s: %w", p.Name, p.Path, err)
	}
	_ = log.Close() // the child holds its own descriptor
	p.cmd, p.started = cmd, time.Now()
	return nil
}

func (p *Proc) supervise() {
	defer close(p.done)
	for {
		p.mu.Lock()
		cmd := p.cmd
		p.mu.Unlock()
		err := cmd.Wait()
		p.mu.Lock()
		stopping := p.stopping
		p.mu.Unlock()
		if stopping {
			return
		}
		if p.say != nil {
			p.say("%s (pid %d) exited: %v; restarting in %s", p.Name, cmd.Process.Pid, err, p.RestartDelay)
		}
		time.Sleep(p.RestartDelay)
		for {
			err := p.launch()
			if err == nil {
				break
			}
			if errors.Is(err, errStopping) {
				return
			}
			if p.say != nil {
				p.say("%v; trying again in %s", err, p.RestartDelay)
			}
			time.Sleep(p.RestartDelay)
		}
	}
}

// Pid is the running process's id.
func (p *Proc) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Starts counts the times the process was started.
func (p *Proc) Starts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts
}

// Kill sends SIGKILL to the running process (kill -9), which the
// supervisor then restarts; it returns the pid it killed.
func (p *Proc) Kill() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0, fmt.Errorf("%s is not running", p.Name)
	}
	return p.cmd.Process.Pid, p.cmd.Process.Signal(syscall.SIGKILL)
}

// stop ends the process for good: SIGTERM, then SIGKILL after grace.
func (p *Proc) stop(grace time.Duration) {
	p.mu.Lock()
	p.stopping = true
	cmd := p.cmd
	p.mu.Unlock()
	if cmd == nil || p.done == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.mu.Lock()
		cmd = p.cmd
		p.mu.Unlock()
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}
