package server

import (
	"bytes"
	"compress/zlib"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// The response formats of OpenAI's audio API.
const (
	formatJSON        = "json"
	formatText        = "text"
	formatSRT         = "srt"
	formatVTT         = "vtt"
	formatVerboseJSON = "verbose_json"
)

func validFormat(f string) bool {
	switch f {
	case formatJSON, formatText, formatSRT, formatVTT, formatVerboseJSON:
		return true
	}
	return false
}

// result is what a finished job hands to the formatters.
type result struct {
	task     string // "transcribe" or "translate"
	t        *transcript.Transcript
	audio    time.Duration // decoded audio length
	temp     float64       // the temperature the request asked for
	words    bool          // verbose_json: include "words"
	segments bool          // verbose_json: include "segments"
}

// writeResult answers with r in the given format. Serialisation happens in memory first so a
// formatting error becomes a clean 500 rather than a truncated 200.
func writeResult(w http.ResponseWriter, r result, format string) {
	var (
		buf   bytes.Buffer
		ctype string
	)
	switch format {
	case formatJSON:
		writeJSON(w, http.StatusOK, struct {
			Text  string    `json:"text"`
			Usage usageJSON `json:"usage"`
		}{r.t.Text(), usageJSON{"duration", seconds(r.audio)}})
		return
	case formatVerboseJSON:
		writeJSON(w, http.StatusOK, verbose(r))
		return
	case formatText:
		buf.WriteString(r.t.Text())
		buf.WriteByte('\n')
		ctype = "text/plain; charset=utf-8"
	case formatSRT, formatVTT:
		ctype = "text/plain; charset=utf-8" // OpenAI serves SRT as text/plain
		if format == formatVTT {
			ctype = "text/vtt; charset=utf-8"
		}
		f := export.SRT
		if format == formatVTT {
			f = export.VTT
		}
		if err := export.Write(&buf, r.t, f, export.Options{}); err != nil {
			writeError(w, serverError("format result: "+err.Error()))
			return
		}
	default:
		writeError(w, badRequest("response_format", "invalid_response_format", "unknown response_format "+strconv.Quote(format)))
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

// verboseJSON is OpenAI's verbose_json transcription object.
type verboseJSON struct {
	Task     string            `json:"task"`
	Language string            `json:"language"`
	Duration float64           `json:"duration"`
	Text     string            `json:"text"`
	Segments *[]verboseSegment `json:"segments,omitempty"`
	Words    *[]verboseWord    `json:"words,omitempty"`
	Usage    usageJSON         `json:"usage"`
}

// verboseSegment mirrors OpenAI's segment object. whisper.cpp does not expose what some fields
// measure, so they are derived: seek is the start of the segment's 30 s window in 10 ms frames,
// tokens is always empty, avg_logprob is the mean log of the word probabilities (0 without
// words), compression_ratio is computed from the text with zlib like Whisper does, and
// no_speech_prob is 0.
type verboseSegment struct {
	ID               int     `json:"id"`
	Seek             int     `json:"seek"`
	Start            float64 `json:"start"`
	End              float64 `json:"end"`
	Text             string  `json:"text"`
	Tokens           []int   `json:"tokens"`
	Temperature      float64 `json:"temperature"`
	AvgLogprob       float64 `json:"avg_logprob"`
	CompressionRatio float64 `json:"compression_ratio"`
	NoSpeechProb     float64 `json:"no_speech_prob"`
	Speaker          string  `json:"speaker,omitempty"`
}

type verboseWord struct {
	Word  string  `json:"word"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

func verbose(r result) verboseJSON {
	v := verboseJSON{
		Task:     r.task,
		Language: languageName(r.t.Language),
		Duration: seconds(r.audio),
		Text:     r.t.Text(),
		Usage:    usageJSON{"duration", seconds(r.audio)},
	}
	if r.segments || !r.words {
		segs := make([]verboseSegment, 0, len(r.t.Segments))
		for i, s := range r.t.Segments {
			segs = append(segs, verboseSegment{
				ID:               i,
				Seek:             int(s.Start/(30*time.Second)) * 3000,
				Start:            seconds(s.Start),
				End:              seconds(s.End),
				Text:             s.Text,
				Tokens:           []int{},
				Temperature:      r.temp,
				AvgLogprob:       avgLogprob(s.Words),
				CompressionRatio: compressionRatio(s.Text),
				Speaker:          s.Speaker,
			})
		}
		v.Segments = &segs
	}
	if r.words {
		words := []verboseWord{}
		for _, s := range r.t.Segments {
			for _, w := range s.Words {
				txt := strings.TrimSpace(w.Text)
				if txt == "" {
					continue
				}
				words = append(words, verboseWord{Word: txt, Start: seconds(w.Start), End: seconds(w.End)})
			}
		}
		v.Words = &words
	}
	return v
}

// seconds converts d to seconds rounded to the millisecond.
func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

func avgLogprob(words []transcript.Word) float64 {
	if len(words) == 0 {
		return 0
	}
	var sum float64
	for _, w := range words {
		sum += math.Log(max(float64(w.Probability), 1e-6))
	}
	return math.Round(sum/float64(len(words))*1e4) / 1e4
}

func compressionRatio(text string) float64 {
	if text == "" {
		return 0
	}
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write([]byte(text))
	zw.Close()
	return math.Round(float64(len(text))/float64(b.Len())*1e4) / 1e4
}
