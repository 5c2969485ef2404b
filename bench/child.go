package bench

import (
	"os"
	"os/exec"
	"syscall"
)

// SelfChild is a command that runs the benchmark's own executable again,
// with env added to this process's environment, as a child that dies with
// its parent (not left spinning, serving or loading if the benchmark
// dies). Its stderr is this process's; the caller sets its stdin and
// stdout. The child tells what it is to be from env (MaybeBurn,
// MaybeServeAPI, and the benchmarks' own).
func SelfChild(env ...string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd, nil
}
