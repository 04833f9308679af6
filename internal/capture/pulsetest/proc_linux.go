package pulsetest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the daemon exit when the test process dies, even when it is killed.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
