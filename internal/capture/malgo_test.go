package capture_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/capture/pulsetest"
	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/testtrace"
)

const sentence = "The quick brown fox jumps over the lazy dog, twice, for a test of the microphone."

func pulseBackend(t *testing.T) *capture.Malgo {
	t.Helper()
	m, err := capture.NewMalgo(capture.MalgoConfig{Backends: []string{"pulseaudio"}, Logf: t.Logf})
	if err != nil {
		t.Fatalf("PulseAudio is running but miniaudio cannot use it: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestMalgoDevices(t *testing.T) {
	srv := pulsetest.Start(t)
	m := pulseBackend(t)
	devs, err := m.Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, d := range devs {
		t.Logf("device %+v", d)
		if d.ID == srv.MonitorID() {
			found = true
		}
	}
	if !found {
		t.Fatalf("monitor source %s (id %s) not listed", srv.Monitor, srv.MonitorID())
	}
	_, err = capture.Start(context.Background(), m, capture.Config{DeviceID: "6e6f7065"})
	if !errors.Is(err, capture.ErrNoDevice) {
		t.Errorf("unknown device: %v, want ErrNoDevice", err)
	}
	if _, err := capture.NewMalgo(capture.MalgoConfig{Backends: []string{"nonsense"}}); err == nil {
		t.Error("unknown backend name accepted")
	}
}

// TestHelperCapture is not a test: TestMalgoRecordsSpeech runs the test binary again with
// HUSHSCRIBE_CAPTURE_HELPER set, under strace. It records from the device in
// HUSHSCRIBE_CAPTURE_DEVICE, says "recording" on stdout, stops when stdin closes and prints the
// recording's statistics as JSON.
func TestHelperCapture(t *testing.T) {
	if os.Getenv("HUSHSCRIBE_CAPTURE_HELPER") != "1" {
		t.Skip("helper process")
	}
	m, err := capture.NewMalgo(capture.MalgoConfig{Backends: []string{"pulseaudio"}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	rec, err := capture.Start(context.Background(), m, capture.Config{DeviceID: os.Getenv("HUSHSCRIBE_CAPTURE_DEVICE")})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("recording")
	io.Copy(io.Discard, os.Stdin)
	res := rec.Stop()
	json.NewEncoder(os.Stdout).Encode(statsOf(res))
	res.Wipe()
}

type stats struct {
	Samples       int
	RMS, Peak     float64
	ActiveSeconds float64 // from the first to the last 20 ms frame above -40 dBFS
	Err           string
}

func statsOf(res capture.Result) stats {
	st := stats{Samples: len(res.Samples)}
	st.RMS, st.Peak = capture.Measure(res.Samples)
	const frame = 320
	first, last := -1, -1
	for i := 0; i+frame <= len(res.Samples); i += frame {
		if rms, _ := capture.Measure(res.Samples[i : i+frame]); rms > -40 {
			if first < 0 {
				first = i
			}
			last = i + frame
		}
	}
	if first >= 0 {
		st.ActiveSeconds = float64(last-first) / capture.SampleRate
	}
	if res.Err != nil {
		st.Err = res.Err.Error()
	}
	return st
}

// TestMalgoRecordsSpeech plays an espeak-ng sentence into a null sink and records its monitor with
// the real miniaudio backend in a separate process traced by strace: the recorded buffer must
// carry the sentence (energy and length) and the process must not create or write any file.
func TestMalgoRecordsSpeech(t *testing.T) {
	if testing.Short() {
		t.Skip("plays a few seconds of audio in real time")
	}
	testgate.Tool(t, "espeak-ng")
	srv := pulsetest.Start(t)
	wav, err := srv.Command(context.Background(), "espeak-ng", "--stdout", sentence).Output()
	if err != nil {
		t.Fatalf("espeak-ng: %v", err)
	}
	speechSeconds := wavSeconds(t, wav)

	root := t.TempDir()
	home, tmp, work := filepath.Join(root, "home"), filepath.Join(root, "tmp"), filepath.Join(root, "work")
	for _, d := range []string{home, tmp, work} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{os.Args[0], "-test.run=^TestHelperCapture$", "-test.count=1"}
	trace := filepath.Join(t.TempDir(), "strace.log")
	traced := false
	if _, err := exec.LookPath("strace"); err == nil {
		args = testtrace.Command(t, trace, args[0], args[1:]...).Args
		traced = true
	} else {
		t.Log("strace not installed: checking the folders only")
	}
	before := testtrace.Snapshot(home, tmp, work, srv.Dir)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "HUSHSCRIBE_CAPTURE_HELPER=1", "HUSHSCRIBE_CAPTURE_DEVICE="+srv.MonitorID(),
		"HOME="+home, "TMPDIR="+tmp, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	out := bufio.NewReader(stdout)
	var lines []string
	for {
		line, err := out.ReadString('\n')
		lines = append(lines, line)
		if strings.TrimSpace(line) == "recording" {
			break
		}
		if err != nil {
			cmd.Wait()
			t.Fatalf("helper did not start recording: %v\n%s\n%s", err, strings.Join(lines, ""), stderr.String())
		}
	}
	time.Sleep(300 * time.Millisecond) // some silence first
	if err := srv.Speak(context.Background(), sentence); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	stdin.Close()
	rest, _ := io.ReadAll(out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper failed: %v\n%s\n%s", err, rest, stderr.String())
	}
	var st stats
	jsonLine := rest
	if i := strings.Index(string(rest), "{"); i >= 0 {
		jsonLine = rest[i:]
	}
	if err := json.NewDecoder(strings.NewReader(string(jsonLine))).Decode(&st); err != nil {
		t.Fatalf("helper output %q: %v", rest, err)
	}
	t.Logf("speech %.2f s; recorded %+v", speechSeconds, st)

	recorded := float64(st.Samples) / capture.SampleRate
	if st.Err != "" {
		t.Errorf("recording error: %s", st.Err)
	}
	if recorded < speechSeconds+0.3 || recorded > speechSeconds+10 {
		t.Errorf("recorded %.2f s for %.2f s of speech played", recorded, speechSeconds)
	}
	if st.RMS < -35 || st.Peak < -15 {
		t.Errorf("recording too quiet for speech: RMS %.1f peak %.1f dBFS", st.RMS, st.Peak)
	}
	if st.ActiveSeconds < 0.7*speechSeconds || st.ActiveSeconds > speechSeconds+0.5 {
		t.Errorf("active audio %.2f s, want about the %.2f s of speech", st.ActiveSeconds, speechSeconds)
	}

	after := testtrace.Snapshot(home, tmp, work, srv.Dir)
	for p, mod := range after {
		if old, ok := before[p]; !ok || !old.Equal(mod) {
			t.Errorf("file created or changed while recording: %s", p)
		}
	}
	if traced {
		testtrace.Check(t, trace, testtrace.Rules{SharedMemory: true, Allowed: []string{srv.Cookie}})
	}
}

// wavSeconds returns the duration of a canonical PCM WAV file (as espeak-ng writes it).
func wavSeconds(t *testing.T, wav []byte) float64 {
	t.Helper()
	if len(wav) < 44 || string(wav[:4]) != "RIFF" || string(wav[8:12]) != "WAVE" {
		t.Fatal("espeak-ng did not write a WAV file")
	}
	channels := binary.LittleEndian.Uint16(wav[22:24])
	rate := binary.LittleEndian.Uint32(wav[24:28])
	bits := binary.LittleEndian.Uint16(wav[34:36])
	data := len(wav) - 44 // espeak-ng streams: its header sizes are placeholders
	return float64(data) / float64(rate) / float64(channels) / float64(bits/8)
}

// TestMalgoDeviceLost removes the null sink while its monitor is being recorded: the recording must
// end with ErrDeviceLost and keep what it had.
func TestMalgoDeviceLost(t *testing.T) {
	if testing.Short() {
		t.Skip("plays audio in real time")
	}
	srv := pulsetest.Start(t)
	m := pulseBackend(t)
	rec, err := capture.Start(context.Background(), m, capture.Config{DeviceID: srv.MonitorID(), StallTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Stop()
	if err := srv.Speak(context.Background(), "one two three"); err != nil {
		t.Fatal(err)
	}
	before := rec.Elapsed()
	if err := srv.RemoveSink(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rec.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("recording did not notice the device was removed")
	}
	res := rec.Wait()
	t.Logf("after removal: %v; kept %v (had %v before)", res.Err, res.Duration(), before)
	if res.Reason != capture.StoppedDeviceLost || !errors.Is(res.Err, capture.ErrDeviceLost) {
		t.Fatalf("reason %v err %v, want device lost", res.Reason, res.Err)
	}
	if res.Duration() < before {
		t.Errorf("kept %v, less than the %v recorded before the removal", res.Duration(), before)
	}
	if rms, _ := capture.Measure(res.Samples); rms < -45 {
		t.Errorf("kept audio has no speech: RMS %.1f dBFS", rms)
	}
	if !strings.Contains(res.Err.Error(), "Monitor") && !strings.Contains(res.Err.Error(), pulsetest.SinkName) {
		t.Logf("message does not name the device: %v", res.Err)
	}
}
