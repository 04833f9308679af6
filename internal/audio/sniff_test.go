package audio

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// mp3Frame returns an MPEG-1 Layer III frame at 44.1 kHz, 128 kbit/s
// (417 bytes) with an empty body.
func mp3Frame() []byte {
	f := make([]byte, 417)
	copy(f, "\xff\xfb\x90\x64")
	return f
}

func TestSniff(t *testing.T) {
	frame := mp3Frame()
	two := append(bytes.Clone(frame), frame...)
	id3 := "ID3\x04\x00\x00\x00\x00\x00\x05hello"
	for _, c := range []struct {
		name  string
		data  string
		kind  kind
		label string
		skip  int64
	}{
		{"wav", "RIFF\x24\x00\x00\x00WAVEfmt ", kindWAV, "wav", 0},
		{"rifx", "RIFX\x00\x00\x00\x24WAVEfmt ", kindWAV, "wav", 0},
		{"rf64", "RF64\xff\xff\xff\xffWAVEds64", kindWAV, "wav", 0},
		{"avi", "RIFF\x24\x00\x00\x00AVI LIST", kindFFmpeg, "avi", 0},
		{"flac", "fLaC\x00\x00\x00\x22", kindFLAC, "flac", 0},
		{"flac after ID3", id3 + "fLaC\x00\x00\x00\x22", kindFLAC, "flac", 15},
		{"mp3", string(two), kindMP3, "mp3", 0},
		{"mp3 after ID3", id3 + string(two), kindMP3, "mp3", 15},
		{"mp3 after junk", "junk!" + string(two) + string(frame), kindMP3, "mp3", 5},
		{"mp2", "\xff\xfd\x90\x64", kindFFmpeg, "mpeg audio", 0},
		{"adts", "\xff\xf1\x50\x80", kindFFmpeg, "aac (adts)", 0},
		{"m4a", "\x00\x00\x00\x20ftypM4A ", kindFFmpeg, "mp4/m4a", 0},
		{"webm", "\x1a\x45\xdf\xa3\x9f", kindFFmpeg, "matroska/webm", 0},
		{"ogg vorbis", "OggS\x00\x02" + strings.Repeat("\x00", 20) + "\x01\x1e\x01vorbis", kindVorbis, "ogg vorbis", 0},
		{"ogg opus", "OggS\x00\x02" + strings.Repeat("\x00", 20) + "\x01\x13OpusHead", kindFFmpeg, "ogg opus", 0},
		{"ogg flac", "OggS\x00\x02" + strings.Repeat("\x00", 20) + "\x01\x33\x7fFLAC", kindFFmpeg, "ogg flac", 0},
		{"short ogg", "OggS", kindFFmpeg, "ogg", 0},
		{"aiff", "FORM\x00\x00\x00\x00AIFF", kindFFmpeg, "aiff", 0},
		{"amr", "#!AMR\n", kindFFmpeg, "amr", 0},
		{"text", "hello world", kindUnknown, "", 0},
		{"one byte", "x", kindUnknown, "", 0},
	} {
		br := bufio.NewReaderSize(strings.NewReader(c.data), 64<<10)
		f, err := sniff(br)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if f.kind != c.kind || f.label != c.label || f.skipped != c.skip {
			t.Errorf("%s: got kind %d %q skipped %d, want kind %d %q skipped %d", c.name, f.kind, f.label, f.skipped, c.kind, c.label, c.skip)
		}
	}
}

func TestMP3Info(t *testing.T) {
	// An Info frame with frame count and a LAME tag: delay 576, padding 1000.
	f := mp3Frame()
	off := 4 + 32
	copy(f[off:], "Info\x00\x00\x00\x01\x00\x00\x03\xe8")
	copy(f[off+12:], "LAME3.100")
	f[off+12+21], f[off+12+22], f[off+12+23] = 0x24, 0x03, 0xe8
	m, ok := parseMP3Info(f)
	if !ok || m.tagFrame != 417 || m.frames != 1000 || m.delay != 576 || m.padding != 1000 {
		t.Errorf("got %+v", m)
	}
	h := m.header
	if h.sampleRate() != 44100 || h.bitrate() != 128000 || h.channels() != 2 || h.frameLen() != 417 || !h.native() {
		t.Errorf("header: %d Hz, %d bit/s, %d channels, %d bytes", h.sampleRate(), h.bitrate(), h.channels(), h.frameLen())
	}
	if m, _ := parseMP3Info(mp3Frame()); m.tagFrame != 0 || m.delay != -1 {
		t.Errorf("plain frame: %+v", m)
	}
}

func TestID3Size(t *testing.T) {
	for _, c := range []struct {
		h    string
		size int64
		ok   bool
	}{
		{"ID3\x03\x00\x00\x00\x00\x01\x00", 138, true},
		{"ID3\x04\x00\x10\x00\x00\x00\x0a", 30, true}, // footer
		{"ID3\x04\x00\x00\x00\x00\x00\x80", 0, false}, // not syncsafe
		{"ID3\xff\x00\x00\x00\x00\x00\x00", 0, false},
		{"ID3\x04", 0, false},
		{"XYZ\x04\x00\x00\x00\x00\x00\x00", 0, false},
	} {
		if size, ok := id3v2Size([]byte(c.h)); size != c.size || ok != c.ok {
			t.Errorf("%q: got %d %v, want %d %v", c.h, size, ok, c.size, c.ok)
		}
	}
}

func TestFFmpegHelpers(t *testing.T) {
	env := ffmpegEnv([]string{"PATH=/bin", "FFREPORT=file=x.log", "HOME=/h"})
	if strings.Join(env, " ") != "PATH=/bin HOME=/h" {
		t.Errorf("ffmpegEnv kept %v", env)
	}
	if got := summarize("a\n\nb\nb\nc\nd\n"); got != "b; c; d" {
		t.Errorf("summarize: %q", got)
	}
	tb := &tailBuffer{max: 8}
	tb.Write([]byte("0123456789"))
	tb.Write([]byte("ab"))
	if tb.String() != "456789ab" {
		t.Errorf("tailBuffer kept %q", tb.String())
	}
}
