package tray_test

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes a helper server exit when the test process dies, even when it is killed.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
