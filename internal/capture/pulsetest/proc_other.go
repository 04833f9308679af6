//go:build !linux

package pulsetest

import "os/exec"

func dieWithParent(cmd *exec.Cmd) {}
