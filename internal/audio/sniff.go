package audio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

type kind int

const (
	kindUnknown kind = iota // let ffmpeg probe it
	kindFFmpeg              // recognised, decoded by ffmpeg
	kindWAV
	kindFLAC
	kindMP3
	kindVorbis
)

// format is the result of sniffing.
type format struct {
	kind    kind
	label   string  // for messages: "wav", "mp4/m4a", ...
	mp3     mp3Info // first frame, for kindMP3
	skipped int64   // bytes of ID3v2 tags and junk dropped before the audio
}

// sniffLen is how much of the input sniff looks at.
const sniffLen = 8 << 10

// sniff identifies the format of the stream in br from its first bytes. It
// drops leading ID3v2 tags (and, for MP3, junk before the first frame), so
// br is left at the start of the audio stream proper.
func sniff(br *bufio.Reader) (format, error) {
	var f format
	if _, err := br.Peek(1); err != nil {
		if err == io.EOF {
			return f, ErrEmpty
		}
		return f, err
	}
	// ID3v2 tags in front of MP3 (and sometimes FLAC or WAV). Their size
	// can be anything up to 256 MB; they are skipped, never buffered.
	for range 16 {
		h, _ := br.Peek(10)
		size, ok := id3v2Size(h)
		if !ok {
			break
		}
		n, err := br.Discard(int(size))
		f.skipped += int64(n)
		if err != nil {
			return f, fmt.Errorf("%w: truncated ID3 tag", ErrCorrupt)
		}
	}
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return f, err
	}
	if len(head) == 0 {
		return f, fmt.Errorf("%w: ID3 tag without audio", ErrEmpty)
	}
	f.kind, f.label = sniffMagic(head)
	switch f.kind {
	case kindMP3:
		f.mp3, _ = parseMP3Info(head)
		return f, nil
	case kindUnknown:
		// MP3 streams may start with junk (a cut stream, an unknown tag);
		// accept them when two consecutive frame headers follow.
		if off, ok := findMP3Sync(head); ok {
			info, _ := parseMP3Info(head[off:])
			if info.native() {
				if _, err := br.Discard(off); err != nil {
					return f, err
				}
				f.skipped += int64(off)
				f.kind, f.label, f.mp3 = kindMP3, "mp3", info
			}
		}
	}
	return f, nil
}

// sniffMagic names the format that head starts with.
func sniffMagic(b []byte) (kind, string) {
	has := func(off int, magic string) bool {
		return len(b) >= off+len(magic) && string(b[off:off+len(magic)]) == magic
	}
	switch {
	case (has(0, "RIFF") || has(0, "RIFX") || has(0, "RF64") || has(0, "BW64")) && has(8, "WAVE"):
		return kindWAV, "wav"
	case has(0, "RIFF") && has(8, "AVI "):
		return kindFFmpeg, "avi"
	case has(0, "fLaC"):
		return kindFLAC, "flac"
	case has(0, "OggS"):
		return sniffOgg(b)
	case has(4, "ftyp"):
		return kindFFmpeg, "mp4/m4a"
	case has(0, "\x1a\x45\xdf\xa3"):
		return kindFFmpeg, "matroska/webm"
	case has(0, "FORM") && (has(8, "AIFF") || has(8, "AIFC")):
		return kindFFmpeg, "aiff"
	case has(0, "caff"):
		return kindFFmpeg, "caf"
	case has(0, "#!AMR"):
		return kindFFmpeg, "amr"
	case has(0, "\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
		return kindFFmpeg, "asf/wma"
	case has(0, ".snd"):
		return kindFFmpeg, "au"
	case len(b) >= 2 && b[0] == 0xff && b[1]&0xf6 == 0xf0:
		return kindFFmpeg, "aac (adts)"
	}
	if len(b) >= 4 {
		if h := mp3Header(binary.BigEndian.Uint32(b)); h.valid() {
			if h.native() {
				return kindMP3, "mp3"
			}
			return kindFFmpeg, "mpeg audio"
		}
	}
	return kindUnknown, ""
}

// sniffOgg looks at the first packet of an Ogg stream to tell the codec.
func sniffOgg(b []byte) (kind, string) {
	if len(b) < 27 {
		return kindFFmpeg, "ogg"
	}
	start := 27 + int(b[26])
	has := func(magic string) bool {
		return len(b) >= start+len(magic) && string(b[start:start+len(magic)]) == magic
	}
	switch {
	case has("\x01vorbis"):
		return kindVorbis, "ogg vorbis"
	case has("OpusHead"):
		return kindFFmpeg, "ogg opus"
	case has("\x7fFLAC"):
		return kindFFmpeg, "ogg flac"
	case has("Speex   "):
		return kindFFmpeg, "ogg speex"
	}
	return kindFFmpeg, "ogg"
}

// id3v2Size returns the total size of the ID3v2 tag that h starts with.
func id3v2Size(h []byte) (int64, bool) {
	if len(h) < 10 || !bytes.HasPrefix(h, []byte("ID3")) || h[3] == 0xff || h[4] == 0xff {
		return 0, false
	}
	var size int64
	for _, c := range h[6:10] {
		if c&0x80 != 0 {
			return 0, false
		}
		size = size<<7 | int64(c)
	}
	size += 10
	if h[3] >= 4 && h[5]&0x10 != 0 { // footer present
		size += 10
	}
	return size, true
}
