package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hajimehoshi/go-mp3"
)

// mp3Layouts are the MP3 layouts go-mp3 decodes, as ffmpeg arguments.
var mp3Layouts = map[string][]string{
	"128 kbps stereo 44.1 kHz": {"-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k"},
	"32 kbps mono":             {"-ac", "1", "-c:a", "libmp3lame", "-b:a", "32k"},
	"VBR mono 48 kHz":          {"-ac", "1", "-ar", "48000", "-c:a", "libmp3lame", "-q:a", "6"},
	"MPEG-2 22.05 kHz":         {"-ar", "22050", "-c:a", "libmp3lame", "-b:a", "48k"},
}

// longMP3 encodes 44 s of speech (jfk.flac, looped) in one of mp3Layouts.
func longMP3(t testing.TB, layout string) []byte {
	t.Helper()
	needFFmpeg(t)
	args := append([]string{"-stream_loop", "3", "-i", filepath.Join(corpusDir(t), "jfk.flac")}, mp3Layouts[layout]...)
	return ffmpegRun(t, nil, append(args, "-f", "mp3", "-")...)
}

// frames strips what precedes the first MPEG frame (an ID3 tag) and a Xing/Info frame, as decodeMP3
// does, and returns the frames with the first frame's header.
func frames(t testing.TB, b []byte) ([]byte, mp3Header) {
	t.Helper()
	i, ok := findMP3Sync(b)
	if !ok {
		t.Fatal("no MPEG frames")
	}
	b = b[i:]
	info, ok := parseMP3Info(b)
	if !ok {
		t.Fatal("bad first frame")
	}
	b = b[info.tagFrame:]
	return b, mp3Header(binary.BigEndian.Uint32(b))
}

func serialPCM(data []byte) ([]byte, error) {
	d, err := mp3.NewDecoder(noSeek{bytes.NewReader(data)})
	if err != nil {
		return nil, err
	}
	return io.ReadAll(d)
}

// TestMP3ParallelIsExact: the chunks decoded side by side give go-mp3's own output, sample for
// sample, however the stream is cut.
func TestMP3ParallelIsExact(t *testing.T) {
	for name := range mp3Layouts {
		data, first := frames(t, longMP3(t, name))
		want, err := serialPCM(data)
		if err != nil {
			t.Fatalf("%s: serial: %v", name, err)
		}
		for _, c := range []struct{ workers, chunk int }{{2, mp3MinChunkFrames}, {4, 20}, {3, 7}} {
			p := newParallelMP3(context.Background(), data, first, c.workers, c.chunk)
			if p == nil {
				t.Fatalf("%s: not split", name)
			}
			got, err := io.ReadAll(p)
			p.Close()
			if err != nil {
				t.Fatalf("%s %+v: %v", name, c, err)
			}
			if p.serial != nil {
				t.Errorf("%s %+v: fell back to the serial decoder", name, c)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %+v: %d bytes differ from go-mp3's %d (first difference at %d)", name, c, len(got), len(want), firstDiff(got, want))
			}
		}
	}
}

// A damaged chunk makes the reader fall back to one decoder over the whole stream: the result is
// what that decoder gives, error included.
func TestMP3ParallelFallsBack(t *testing.T) {
	data, first := frames(t, longMP3(t, "128 kbps stereo 44.1 kHz"))
	offsets, _ := mp3Frames(data, first)
	bad := bytes.Clone(data)
	// Break the sync word of a frame in the third chunk (of 20 frames): the frame scan stops there,
	// so the last chunk holds junk that its decoder must get through the way go-mp3 does serially.
	at := offsets[55]
	bad[at], bad[at+1] = 0x12, 0x34
	for _, in := range [][]byte{bad, data[:len(data)*2/3+7]} { // damaged; cut mid-frame
		want, wantErr := serialPCM(in)
		p := newParallelMP3(context.Background(), in, first, 4, 20)
		got, err := io.ReadAll(p)
		p.Close()
		if (err != nil) != (wantErr != nil) {
			t.Errorf("error %v, serial decoder's %v", err, wantErr)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d bytes, serial decoder gave %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
		}
	}

	// A chunk whose decoder fails: the serial decoder takes over where the chunks stopped.
	p := newParallelMP3(context.Background(), data, first, 4, 20)
	p.forceFail = 3
	got, err := io.ReadAll(p)
	p.Close()
	want, _ := serialPCM(data)
	if err != nil || p.serial == nil || !bytes.Equal(got, want) {
		t.Errorf("forced failure: err %v, serial %v, %d bytes of %d (first difference at %d)", err, p.serial != nil, len(got), len(want), firstDiff(got, want))
	}
}

func TestMP3ParallelCancel(t *testing.T) {
	data, first := frames(t, longMP3(t, "32 kbps mono"))
	ctx, cancel := context.WithCancel(context.Background())
	p := newParallelMP3(ctx, data, first, 4, 20)
	buf := make([]byte, 1000)
	if _, err := p.Read(buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err := io.ReadAll(p)
	p.Close()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v", err)
	}
}

// Decode gives the same samples on one core and on several.
func TestMP3DecodeSameOnAnyCores(t *testing.T) {
	b := longMP3(t, "VBR mono 48 kHz")
	decode := func(procs int) *Audio {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		a, err := Decode(context.Background(), bytes.NewReader(b), "x.mp3", Options{FFmpegPath: "/nonexistent"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	one, many := decode(1), decode(4)
	if !equalFloat32(one.Mono(), many.Mono()) {
		t.Error("the parallel decode differs from the serial one")
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// BenchmarkMP3Parallel compares one go-mp3 decoder with the chunked decode on all cores, side by
// side in one run (the ratio is what counts on a noisy machine).
func BenchmarkMP3Parallel(b *testing.B) {
	data, first := frames(b, longMP3(b, "128 kbps stereo 44.1 kHz"))
	seconds := float64(len(data)) * 8 / 128000
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := serialPCM(data); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
	})
	b.Run("parallel", func(b *testing.B) {
		for b.Loop() {
			p := newParallelMP3(context.Background(), data, first, runtime.GOMAXPROCS(0), mp3MinChunkFrames)
			if _, err := io.ReadAll(p); err != nil {
				b.Fatal(err)
			}
			p.Close()
		}
		b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
	})
}

// FuzzMP3Parallel: on any input that parses as a run of frames, the chunked decode gives what one
// decoder gives, samples and whether it fails.
func FuzzMP3Parallel(f *testing.F) {
	needFFmpeg(f)
	for _, layout := range []string{"32 kbps mono", "MPEG-2 22.05 kHz"} {
		args := append([]string{"-t", "3", "-i", filepath.Join(corpusDir(f), "jfk.flac")}, mp3Layouts[layout]...)
		b := ffmpegRun(f, nil, append(args, "-f", "mp3", "-")...)
		i, _ := findMP3Sync(b)
		f.Add(b[i:])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		first := mp3Header(binary.BigEndian.Uint32(data))
		if !first.valid() || first.layer() != 3 {
			return
		}
		want, wantErr := safeSerialPCM(data)
		p := newParallelMP3(context.Background(), data, first, 3, 7)
		if p == nil {
			return
		}
		got, err := safeReadAll(p)
		p.Close()
		if errors.Is(wantErr, errPanic) || errors.Is(err, errPanic) {
			// go-mp3 panics on some damaged input (decodeMP3 turns that into ErrCorrupt); what a
			// panicking decoder had produced is lost, so only the failure can be compared.
			if !errors.Is(err, errPanic) || !errors.Is(wantErr, errPanic) {
				t.Fatalf("chunked: err %v; serial: err %v", err, wantErr)
			}
			return
		}
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("chunked: %d bytes, err %v; serial: %d bytes, err %v (first difference at %d)", len(got), err, len(want), wantErr, firstDiff(got, want))
		}
	})
}

var errPanic = errors.New("panic")

func safeSerialPCM(data []byte) (pcm []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errPanic
		}
	}()
	return serialPCM(data)
}

func safeReadAll(r io.Reader) (b []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errPanic
		}
	}()
	return io.ReadAll(r)
}
