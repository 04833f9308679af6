//go:build !linux

package tray_test

import "os/exec"

func dieWithParent(cmd *exec.Cmd) {}
