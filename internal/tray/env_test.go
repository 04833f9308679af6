package tray_test

import (
	"bufio"
	"github.com/hushscribe/hushscribe/internal/testgate"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// sessionBus makes sure the test has a D-Bus session bus: the one in DBUS_SESSION_BUS_ADDRESS (as
// testdata/run-tray-test.sh provides through dbus-run-session), or a private dbus-daemon started
// for this test. It skips the test when neither is possible.
func sessionBus(t *testing.T) {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return
	}
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		testgate.Missing(t, "no D-Bus session bus and no dbus-daemon to start one (apt-get install dbus); "+
			"or run internal/tray/testdata/run-tray-test.sh")
	}
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		testgate.Missing(t, "cannot start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			testgate.Missing(t, "dbus-daemon printed no address")
		}
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", a)
	case <-time.After(10 * time.Second):
		testgate.Missing(t, "dbus-daemon did not start in 10 s")
	}
}

// xDisplay makes sure the test has an X display: DISPLAY (as xvfb-run provides), or an Xvfb
// started for this test. It skips the test when neither is possible.
func xDisplay(t *testing.T) {
	t.Helper()
	if os.Getenv("DISPLAY") != "" {
		return
	}
	if _, err := exec.LookPath("Xvfb"); err != nil {
		testgate.Missing(t, "no DISPLAY and no Xvfb to start one (apt-get install xvfb); or run internal/tray/testdata/run-tray-test.sh")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "320x240x24")
	cmd.ExtraFiles = []*os.File{w}
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		testgate.Missing(t, "cannot start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
	}()
	select {
	case n := <-num:
		if n == "" {
			testgate.Missing(t, "Xvfb did not start")
		}
		t.Setenv("DISPLAY", ":"+n)
		t.Setenv("XDG_SESSION_TYPE", "x11")
	case <-time.After(15 * time.Second):
		testgate.Missing(t, "Xvfb did not start in 15 s")
	}
}
