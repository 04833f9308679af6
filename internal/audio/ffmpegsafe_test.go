package audio

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFFmpegProtocolWhitelist checks ffmpeg's command line: reading from a pipe it may use only the
// pipe protocol; reading the file itself only the file protocol and container demuxers (no
// playlists). A stand-in ffmpeg prints the arguments it got.
func TestFFmpegProtocolWhitelist(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "ffmpeg")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"ARGS $*\" >&2\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	unknown := []byte("definitely not audio, but long enough to be handed to ffmpeg")
	path := filepath.Join(dir, "x.bin")
	if err := os.WriteFile(path, unknown, 0o600); err != nil {
		t.Fatal(err)
	}
	_, pipeErr := Decode(context.Background(), bytes.NewReader(unknown), "x.bin", Options{FFmpegPath: fake})
	_, fileErr := DecodeFile(context.Background(), path, Options{FFmpegPath: fake})
	for _, c := range []struct {
		name string
		err  error
		want []string
	}{
		{"pipe", pipeErr, []string{"-protocol_whitelist pipe -i pipe:0"}},
		{"file", fileErr, []string{"-protocol_whitelist file -format_whitelist " + ffmpegFormats + " -i file:/dev/fd/3"}},
	} {
		if c.err == nil {
			t.Fatalf("%s: the stand-in ffmpeg failed, Decode did not", c.name)
		}
		for _, w := range c.want {
			if !strings.Contains(c.err.Error(), w) {
				t.Errorf("%s: ffmpeg's arguments lack %q: %v", c.name, w, c.err)
			}
		}
	}
	for _, f := range strings.Split(ffmpegFormats, ",") {
		switch f {
		case "hls", "applehttp", "concat", "dash", "image2", "tee", "ffmetadata", "subfile":
			t.Errorf("format whitelist allows %s, which opens other files", f)
		}
	}
}

// TestFFmpegPlaylistCannotReadFiles decodes hostile playlists that point at another file on the
// machine (an HLS M3U8 and an ffconcat list) from a pipe and from a file: each must fail, not
// decode the other file's audio.
func TestFFmpegPlaylistCannotReadFiles(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.mp3")
	src := filepath.Join(corpusDir(t), "jfk.flac")
	if err := os.WriteFile(secret, ffmpegRun(t, nil, "-t", "2", "-i", src, "-c:a", "libmp3lame", "-f", "mp3", "-"), 0o600); err != nil {
		t.Fatal(err)
	}
	lists := map[string]string{
		"hls.m3u8":        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\n%s\n#EXT-X-ENDLIST\n",
		"hls-url.m3u8":    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\nfile:%s\n#EXT-X-ENDLIST\n",
		"list.ffconcat":   "ffconcat version 1.0\nfile %s\n",
		"relative.m3u8":   "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2.0,\nsecret.mp3\n#EXT-X-ENDLIST\n",
		"relative.concat": "ffconcat version 1.0\nfile secret.mp3\n",
	}
	for name, tmpl := range lists {
		body := []byte(tmpl)
		if strings.Contains(tmpl, "%s") {
			body = []byte(fmt.Sprintf(tmpl, secret))
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, body, 0o600); err != nil {
			t.Fatal(err)
		}
		if a, err := DecodeFile(context.Background(), path, Options{}); err == nil || a != nil {
			t.Errorf("%s from a file: decoded %v (err %v); want an error and no audio", name, a != nil, err)
		}
		if a, err := Decode(context.Background(), bytes.NewReader(body), name, Options{}); err == nil || a != nil {
			t.Errorf("%s from a pipe: decoded %v (err %v); want an error and no audio", name, a != nil, err)
		}
	}
}

// TestDecodeFileFormats decodes, from files, the formats that go to ffmpeg: every one of them must
// pass the demuxer whitelist.
func TestDecodeFileFormats(t *testing.T) {
	src := filepath.Join(corpusDir(t), "jfk.flac")
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
	}{
		{"x.opus", []string{"-c:a", "libopus", "-f", "ogg"}},
		{"x.m4a", []string{"-c:a", "aac", "-f", "mp4"}}, // index at the end
		{"x.3gp", []string{"-c:a", "aac", "-f", "3gp"}},
		{"x.aac", []string{"-c:a", "aac", "-f", "adts"}},
		{"x.webm", []string{"-c:a", "libopus", "-f", "webm"}},
		{"x.mka", []string{"-c:a", "libopus", "-f", "matroska"}},
		{"x.mp2", []string{"-c:a", "mp2", "-f", "mp2"}},
		{"x.ac3", []string{"-c:a", "ac3", "-f", "ac3"}},
		{"x.wma", []string{"-c:a", "wmav2", "-f", "asf"}},
		{"x.aiff", []string{"-c:a", "pcm_s16be", "-f", "aiff"}},
		{"x.caf", []string{"-c:a", "pcm_s16le", "-f", "caf"}},
		{"x.wav (IMA ADPCM)", []string{"-c:a", "adpcm_ima_wav", "-f", "wav"}},
		{"x.mp3 (MPEG-2)", []string{"-c:a", "libmp3lame", "-ar", "22050", "-f", "mp3"}},
		{"x.avi", []string{"-c:a", "pcm_s16le", "-f", "avi"}},
		{"x.ts", []string{"-c:a", "mp2", "-f", "mpegts"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.Fields(c.name)[0])
			args := append([]string{"-y", "-t", "3", "-i", src}, c.args...)
			ffmpegRun(t, nil, append(args, path)...)
			a, err := DecodeFile(context.Background(), path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d := a.Duration().Seconds(); d < 2.5 || d > 3.5 {
				t.Errorf("decoded %.2f s, want 3", d)
			}
		})
	}
}
