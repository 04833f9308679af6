package audio

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// memFile returns an in-memory file (memfd) and a path that opens it, so
// that tests of DecodeFile write nothing to disk either.
func memFile(t *testing.T) (*os.File, string) {
	t.Helper()
	fd, err := unix.MemfdCreate("audio-test", 0)
	if err != nil {
		t.Skipf("memfd_create: %v", err)
	}
	f := os.NewFile(uintptr(fd), "memfd")
	t.Cleanup(func() { f.Close() })
	return f, "/proc/self/fd/" + strconv.Itoa(fd)
}

// An MP4 with its index (moov) after the samples cannot be read from a
// pipe; DecodeFile hands ffmpeg the file itself and decodes it.
func TestDecodeFileMoovAtEnd(t *testing.T) {
	src := corpusDir(t) + "/jfk.flac"
	ff := needFFmpeg(t)
	f, path := memFile(t)
	cmd := exec.Command(ff, "-hide_banner", "-loglevel", "error", "-t", "4", "-i", src,
		"-c:a", "aac", "-f", "mp4", "-y", "file:/dev/fd/3")
	cmd.ExtraFiles = []*os.File{f}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if i, j := bytes.Index(data, []byte("moov")), bytes.Index(data, []byte("mdat")); i < j {
		t.Fatalf("moov at %d, mdat at %d: want moov last", i, j)
	}

	a, err := DecodeFile(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("DecodeFile: %v", err)
	}
	compare(t, "m4a, moov at end", a.Mono(), ffmpegRef(t, path, nil, false)[0])

	_, err = Decode(context.Background(), bytes.NewReader(data), "x.m4a", Options{})
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("from a stream: %v, want ErrUnsupported explaining the moov atom", err)
	}
	t.Logf("from a stream: %v", err)
}

// MPEG-2 Layer III goes to ffmpeg when it is there; without it dr_mp3
// decodes it, with a few frames that differ from ffmpeg's decode.
func TestMP3LSFWithoutFFmpeg(t *testing.T) {
	path := corpusDir(t) + "/english_german.mp3"
	a, err := DecodeFile(context.Background(), path, Options{FFmpegPath: "/nonexistent/ffmpeg"})
	if err != nil {
		t.Fatal(err)
	}
	ref := ffmpegRef(t, path, nil, false)[0]
	lag := bestLag(a.Mono(), ref, 2000)
	s := snr(a.Mono(), ref, 200, 7000)
	t.Logf("dr_mp3 on MPEG-2 LSF: lag %d, SNR %.1f dB below 7 kHz", lag, s)
	if lag != 0 || s < 15 {
		t.Errorf("lag %d, SNR %.1f dB: want lag 0 and at least 15 dB", lag, s)
	}
}
