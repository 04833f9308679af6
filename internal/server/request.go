package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

const (
	taskTranscribe = "transcribe"
	taskTranslate  = "translate"

	maxParts      = 64       // multipart parts in one request
	maxFieldBytes = 16 << 10 // one non-file form field
)

// params are a transcription request's fields, parsed and checked.
type params struct {
	model       *model
	language    string // "" = detect
	prompt      string
	format      string
	temperature float64
	fallback    bool // temperature=0 was sent explicitly
	words       bool // timestamp_granularities[] includes "word"
	segments    bool // timestamp_granularities[] includes "segment" (or nothing was asked)
	keepResult  bool
	stream      bool   // stream=true: answer with server-sent events (stream.go)
	task        string // job API only: "transcribe" or "translate"
	fileName    string
	data        []byte
}

// parseUpload reads a multipart/form-data request into memory, never onto disk, within the body
// limit. jobAPI enables the job API's extra fields (keep_result, task).
func (s *Server) parseUpload(w http.ResponseWriter, r *http.Request, jobAPI bool) (*params, *Error) {
	limit := s.cfg.MaxUploadBytes
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badRequest("", "invalid_request", "expected a multipart/form-data body: "+err.Error())
	}
	fields := map[string][]string{}
	p := &params{}
	haveFile := false
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bodyError(err, limit)
		}
		if n >= maxParts {
			return nil, badRequest("", "too_many_fields", "too many form fields")
		}
		name := part.FormName()
		if name == "file" {
			if haveFile {
				return nil, badRequest("file", "invalid_request", "send one file per request")
			}
			haveFile = true
			p.fileName = part.FileName()
			var buf bytes.Buffer
			if r.ContentLength > 0 {
				buf.Grow(int(r.ContentLength)) // one allocation instead of doubling
			}
			if _, err := buf.ReadFrom(part); err != nil {
				return nil, bodyError(err, limit)
			}
			p.data = buf.Bytes()
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return nil, bodyError(err, limit)
		}
		if len(v) > maxFieldBytes {
			return nil, badRequest(name, "field_too_long", "form field "+strconv.Quote(name)+" is too long")
		}
		fields[name] = append(fields[name], string(v))
	}
	if !haveFile {
		return nil, badRequest("file", "missing_file", "a multipart field named \"file\" with the audio is required")
	}
	if len(p.data) == 0 {
		return nil, badRequest("file", "invalid_file", "the uploaded file is empty")
	}
	if e := s.parseFields(p, fields, jobAPI); e != nil {
		return nil, e
	}
	return p, nil
}

func bodyError(err error, limit int64) *Error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(limit)
	}
	return badRequest("", "invalid_request", "read request body: "+err.Error())
}

func (s *Server) parseFields(p *params, fields map[string][]string, jobAPI bool) *Error {
	one := func(name string) string {
		if v := fields[name]; len(v) > 0 {
			return strings.TrimSpace(v[len(v)-1])
		}
		return ""
	}

	name := one("model")
	if name == "" || name == "whisper-1" {
		name = s.cfg.DefaultModel
	}
	p.model = s.models[name]
	if p.model == nil {
		if name == "" {
			return badRequest("model", "model_not_found", "no model given and the server has no default model; see GET /v1/models")
		}
		return badRequest("model", "model_not_found", "unknown model "+strconv.Quote(name)+"; see GET /v1/models")
	}

	p.language = strings.ToLower(one("language"))
	if p.language == "auto" {
		p.language = ""
	}
	if _, ok := languageNames[p.language]; p.language != "" && !ok {
		return badRequest("language", "unsupported_language", "unsupported language "+strconv.Quote(p.language)+"; use an ISO 639-1 code such as \"en\"")
	}
	if v := fields["prompt"]; len(v) > 0 {
		p.prompt = v[len(v)-1]
	}

	p.format = strings.ToLower(one("response_format"))
	if p.format == "" {
		p.format = formatJSON
	}
	if !validFormat(p.format) {
		return badRequest("response_format", "invalid_response_format", "response_format must be json, text, srt, vtt or verbose_json")
	}

	if t := one("temperature"); t != "" {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return badRequest("temperature", "invalid_temperature", "temperature must be a number between 0 and 1")
		}
		p.temperature, p.fallback = f, f == 0
	}

	grans := append(fields["timestamp_granularities[]"], fields["timestamp_granularities"]...)
	for _, g := range grans {
		for _, g := range strings.Split(g, ",") {
			switch strings.TrimSpace(g) {
			case "word":
				p.words = true
			case "segment":
				p.segments = true
			default:
				return badRequest("timestamp_granularities", "invalid_timestamp_granularity", "timestamp_granularities[] must be \"word\" or \"segment\"")
			}
		}
	}
	if len(grans) == 0 {
		p.segments = true
	}
	if len(grans) > 0 && p.format != formatVerboseJSON && !jobAPI {
		return badRequest("timestamp_granularities", "invalid_request", "timestamp_granularities[] needs response_format=verbose_json")
	}

	if v := one("stream"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest("stream", "invalid_request", "stream must be true or false")
		}
		p.stream = b
	}
	if p.stream && (jobAPI || p.format != formatJSON && p.format != formatText) {
		return badRequest("stream", "invalid_request", "stream=true answers with server-sent events; use it with response_format json or text (the job API streams at GET /v1/jobs/{id}/events)")
	}

	if jobAPI {
		if k := one("keep_result"); k != "" {
			b, err := strconv.ParseBool(k)
			if err != nil {
				return badRequest("keep_result", "invalid_request", "keep_result must be true or false")
			}
			p.keepResult = b
		}
		switch p.task = one("task"); p.task {
		case "":
			p.task = taskTranscribe
		case taskTranscribe, taskTranslate:
		default:
			return badRequest("task", "invalid_request", "task must be \"transcribe\" or \"translate\"")
		}
	}
	return nil
}
