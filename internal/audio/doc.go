// Package audio decodes audio and video files to 16 kHz float32 samples in
// memory, for speech recognition. Nothing is ever written to disk: not the
// input, not the decoded samples, not a temporary file.
//
// # Formats
//
// The format is sniffed from the content (magic bytes); a file name is only
// a hint for error messages, so a WAV file named .mp3 decodes as WAV.
// Leading ID3v2 tags are skipped. Decoded natively, in Go:
//
//   - WAV: RIFF, RIFX (big-endian), RF64/BW64, plain or
//     WAVE_FORMAT_EXTENSIBLE; 8-bit unsigned, 16/24/32-bit signed integer,
//     32/64-bit float, G.711 A-law and µ-law. Streamed WAVs whose header
//     does not know the length (0xFFFFFFFF, as ffmpeg writes to a pipe)
//     are read to the end. The parser is this package's own, streaming and
//     fuzzed; other encodings inside WAV (ADPCM, GSM, ...) go to ffmpeg.
//   - FLAC, any bit depth (github.com/mewkiz/flac).
//   - MP3, MPEG-1/2/2.5 Layer III, with dr_mp3 (miniaudio's frame decoder,
//     public domain or MIT-0, already linked in through
//     github.com/gen2brain/malgo; see package drmp3), 500x real time and
//     more on one core. Frames are found and checked here and handed to
//     the decoder one at a time as the input streams in; junk, tags and
//     frames of another layout between them are skipped. The encoder
//     delay and padding recorded in a LAME/Xing tag are removed, as ffmpeg
//     does, so sample 0 is the encoder's first input sample; the output
//     matches ffmpeg's own decode to 65-85 dB before resampling
//     (TestMP3AgainstFFmpeg). MPEG-2/2.5 (8-24 kHz) goes to ffmpeg when it
//     is installed, because a few frames of some such streams decode
//     differently; without ffmpeg dr_mp3 decodes them.
//   - Ogg Vorbis (github.com/jfreymuth/oggvorbis).
//
// Everything else (M4A/AAC, Opus, WebM/MKV/MP4 video, WMA, AMR, MP2, ...)
// is decoded by ffmpeg, when it is installed (Options.FFmpegPath, or
// "ffmpeg" in PATH); otherwise Decode returns a *MissingToolError. The
// input is piped to ffmpeg's stdin; DecodeFile instead lets ffmpeg read
// the open file through an inherited descriptor (/dev/fd/3), so that MP4
// files with their index at the end, which cannot be read from a pipe,
// work too. ffmpeg writes the first audio stream (downmixed to mono unless
// channels are kept) as float32 WAV at its own rate to its stdout, which
// this package reads, and resamples, like any WAV; FFREPORT is removed from
// its environment so that it writes no log file. ffmpeg may open nothing
// but its input: from a pipe it runs with -protocol_whitelist pipe, from a
// file with -protocol_whitelist file and a -format_whitelist of container
// demuxers (no HLS, concat or other playlists), so a crafted file cannot
// make it read another file or the network. Every decoder, ffmpeg's output
// included, stops with ErrTooLong past Options.MaxDuration (12 hours by
// default), so a small file that decodes huge cannot exhaust memory. Its stderr is summarised
// into the error when it fails, and cancelling the context kills it.
//
// # Channels
//
// The result is mono (the average of all channels) unless
// Options.KeepChannels is set and the source has exactly two channels,
// which are then kept apart (one speaker per channel in a two-person
// recording); two channels that turn out identical are returned as one.
// Sources with more than two channels are always downmixed to mono, since
// nothing says which channel carries whom.
//
// # Resampling
//
// Audio at any rate from 1 kHz to 384 kHz is converted to 16 kHz by a
// polyphase resampler with a Kaiser-windowed sinc filter, computed on the
// fly from the exact rational ratio of the two rates:
//
//   - passband flat to 0.90 of the lower Nyquist frequency (7.2 kHz when
//     downsampling to 16 kHz), stopband from the Nyquist frequency itself
//     (8 kHz), so nothing aliases below 8 kHz;
//   - 90 dB stopband attenuation (Kaiser beta 8.96), passband ripple of
//     the same order (a sine sweep comes out at about 105 dB SNR);
//   - length from Kaiser's formula: 320 taps per output sample at 44.1 kHz,
//     344 at 48 kHz, 176 at 24 kHz, 120 at 8 kHz;
//   - exact phases when the ratio needs at most 1024 of them (every common
//     rate), otherwise 512 tabulated phases with linear interpolation;
//   - zero delay: output sample k lies exactly at input time k*rate/16000,
//     so timestamps carry over; n input samples give ceil(n*16000/rate)
//     output samples. Audio already at 16 kHz passes through untouched.
//
// The inner product uses AVX2 and FMA on amd64 CPUs that have them.
//
// # Memory
//
// Decoding streams: each decoder hands on chunks of a few thousand frames,
// which are downmixed, resampled and appended to the single output slice
// per channel; no full-length copy of the source, at its own rate or
// otherwise, is ever made. The output (3.8 MB per minute of mono) is
// pre-sized from the length a header states, but a header's claim is only
// believed as far as the input's actual size can back it (otherwise up to
// about a minute), so a corrupt header claiming 4 GB allocates nothing
// like that; longer audio then grows the slice as it arrives.
//
// # Errors
//
// Errors wrap ErrEmpty, ErrCorrupt, ErrUnsupported or ErrMissingTool (or
// the context's error). When decoding fails part-way, for instance on a
// truncated file, Decode returns the audio decoded so far along with the
// error. Malformed input never panics: a panic inside a third-party
// decoder is recovered and reported as ErrCorrupt.
package audio
