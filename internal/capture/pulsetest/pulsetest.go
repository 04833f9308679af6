// Package pulsetest runs a private PulseAudio server for tests: a user-mode daemon in its own
// XDG_RUNTIME_DIR with one null sink, so that whatever a test plays into the sink can be captured
// from the sink's monitor source, like a microphone with known input.
//
// Start points the test process at the server (PULSE_SERVER, XDG_RUNTIME_DIR) with t.Setenv, so
// tests using it cannot run in parallel.
package pulsetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/hushscribe/hushscribe/internal/testgate"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// SinkName is the null sink every Server has; its monitor source is SinkName + ".monitor".
const SinkName = "hushscribe_test"

// Server is a running private PulseAudio daemon.
type Server struct {
	Dir     string // private runtime and home directory
	Sink    string // the null sink
	Monitor string // its monitor source: capture from it to hear what is played into Sink
	// Cookie is the PulseAudio client authentication cookie (PULSE_COOKIE). libpulse opens it
	// read-write in every client, so tests that watch for file writes must allow this one path.
	Cookie string
	env    []string
	log    *syncBuffer
}

// Start runs a PulseAudio daemon for the test and stops it at cleanup. It skips the test, saying
// why, when pulseaudio or pactl is missing or the daemon does not come up.
func Start(t testing.TB) *Server {
	t.Helper()
	for _, tool := range []string{"pulseaudio", "pactl", "paplay"} {
		if _, err := exec.LookPath(tool); err != nil {
			testgate.Missing(t, "pulsetest: %s not installed (apt-get install pulseaudio pulseaudio-utils): %v", tool, err)
		}
	}
	// Unix socket paths are limited to 108 bytes, and t.TempDir can be long: use a short dir.
	dir, err := os.MkdirTemp("", "hs-pulse-")
	if err != nil {
		t.Fatalf("pulsetest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	run, home := filepath.Join(dir, "run"), filepath.Join(dir, "home")
	for _, d := range []string{run, home} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatalf("pulsetest: %v", err)
		}
	}
	socket := filepath.Join(run, "pulse", "native")
	s := &Server{
		Dir:     dir,
		Sink:    SinkName,
		Monitor: SinkName + ".monitor",
		Cookie:  filepath.Join(home, "cookie"),
		log:     &syncBuffer{},
	}
	cookie := make([]byte, 256)
	rand.Read(cookie)
	if err := os.WriteFile(s.Cookie, cookie, 0o600); err != nil {
		t.Fatalf("pulsetest: %v", err)
	}
	s.env = append(filteredEnv(), "HOME="+home, "XDG_RUNTIME_DIR="+run, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"PULSE_SERVER=unix:"+socket, "PULSE_COOKIE="+s.Cookie)

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "pulseaudio",
		"--daemonize=no", "--exit-idle-time=-1", "-n", "--use-pid-file=no", "--system=no",
		"--log-target=stderr", "--disable-shm=yes",
		"-L", "module-null-sink sink_name="+SinkName+" rate=16000 channels=1 sink_properties=device.description=Hushscribe-test",
		"-L", "module-native-protocol-unix auth-anonymous=1 socket="+socket,
	)
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = s.log, s.log
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		cancel()
		testgate.Missing(t, "pulsetest: cannot start pulseaudio: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel() // kills the daemon we started (its pid only)
		<-exited
	})

	deadline := time.Now().Add(15 * time.Second)
	for {
		out, err := s.Command(context.Background(), "pactl", "list", "short", "sources").CombinedOutput()
		if err == nil && strings.Contains(string(out), s.Monitor) {
			break
		}
		select {
		case <-exited:
			testgate.Missing(t, "pulsetest: pulseaudio exited at start:\n%s", s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			testgate.Missing(t, "pulsetest: pulseaudio did not come up in 15 s (pactl: %v %s); its log:\n%s", err, out, s.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Setenv("PULSE_SERVER", "unix:"+socket)
	t.Setenv("XDG_RUNTIME_DIR", run)
	t.Setenv("PULSE_COOKIE", s.Cookie) // keep the real user's cookie out of it
	return s
}

// filteredEnv is the process environment without the variables that would point PulseAudio
// clients and the daemon at the user's real session.
func filteredEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE", "DBUS_SESSION_BUS_ADDRESS":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// MonitorID is the capture.Malgo device ID of the monitor source (miniaudio's PulseAudio device
// ids are source names).
func (s *Server) MonitorID() string { return hex.EncodeToString([]byte(s.Monitor)) }

// Command returns a command that talks to this server (its environment is set).
func (s *Server) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = s.env
	return cmd
}

// PlayFile plays an audio file into the sink in real time and returns when it has been played.
// ffmpeg (any format it reads) converts it to the sink's 16 kHz mono s16 first and plays it with
// a short buffer; without ffmpeg, paplay plays what libsndfile reads (WAV, FLAC, Ogg).
func (s *Server) PlayFile(ctx context.Context, path string) error {
	var cmd *exec.Cmd
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		cmd = s.Command(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-i", path,
			"-ac", "1", "-ar", "16000", "-sample_fmt", "s16", "-f", "pulse", "-buffer_duration", "50",
			"-device", s.Sink, "hushscribe-test")
	} else {
		cmd = s.Command(ctx, "paplay", "--device="+s.Sink, path)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("play %s: %w: %s", filepath.Base(path), err, out)
	}
	return nil
}

// Speak synthesises text with espeak-ng and plays it into the sink (espeak-ng --stdout | paplay).
// It returns when playback has finished.
func (s *Server) Speak(ctx context.Context, text string) error {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		return fmt.Errorf("speak: espeak-ng not installed: %w", err)
	}
	wav, err := s.Command(ctx, "espeak-ng", "--stdout", text).Output()
	if err != nil {
		return fmt.Errorf("speak: espeak-ng: %w", err)
	}
	play := s.Command(ctx, "paplay", "--device="+s.Sink)
	play.Stdin = bytes.NewReader(wav)
	if out, err := play.CombinedOutput(); err != nil {
		return fmt.Errorf("speak: paplay: %w: %s", err, out)
	}
	return nil
}

// RemoveSink unloads the null sink, so that its monitor source disappears like an unplugged
// microphone.
func (s *Server) RemoveSink(ctx context.Context) error {
	if out, err := s.Command(ctx, "pactl", "unload-module", "module-null-sink").CombinedOutput(); err != nil {
		return fmt.Errorf("pactl unload-module: %w: %s", err, out)
	}
	return nil
}

// Log returns what the daemon printed so far.
func (s *Server) Log() string { return s.log.String() }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
