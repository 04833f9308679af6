package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// Sentinel errors. An *Error answering a request wraps one of them, so callers of the Go API and
// tests can use errors.Is; HTTP clients see the OpenAI-style JSON body instead.
var (
	ErrBadRequest   = errors.New("bad request")
	ErrUnauthorized = errors.New("unauthorized")
	ErrNotFound     = errors.New("not found")
	ErrTooLarge     = errors.New("request too large")
	// ErrAudioTooLong means the upload decodes to more audio than Config.MaxAudioDuration (a
	// decompression bomb, or just too long): 413. AudioDecoder wraps audio.ErrTooLong with it.
	ErrAudioTooLong = errors.New("audio too long")
	ErrQueueFull    = errors.New("queue full")
	// ErrTooSlow means an upload arrived slower than Config.MinUploadRate (after UploadGrace): 408.
	ErrTooSlow      = errors.New("upload too slow")
	ErrShuttingDown = errors.New("server shutting down")
	ErrNoKeys       = errors.New("server: no API keys configured (set AllowUnauthenticated to run without)")
	// ErrUnavailable marks a server-side failure the client cannot fix (for example the decoder's
	// external tool is missing). A Decoder returns it wrapped to turn a 400 into a 500.
	ErrUnavailable = errors.New("server: unavailable")
	// ErrCancelled is the outcome of a job cancelled with DELETE /v1/jobs/{id}.
	ErrCancelled = errors.New("job cancelled")
)

// Error is an API error: an HTTP status and the fields of OpenAI's error object.
type Error struct {
	Status  int
	Message string
	Type    string // "invalid_request_error", "rate_limit_error", "server_error", ...
	Param   string // the offending request field, or ""
	Code    string // a machine-readable code, or ""
	Err     error  // the sentinel it wraps
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

func badRequest(param, code, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Message: msg, Type: "invalid_request_error", Param: param, Code: code, Err: ErrBadRequest}
}

func serverError(msg string) *Error {
	return &Error{Status: http.StatusInternalServerError, Message: msg, Type: "server_error", Code: "internal_error"}
}

var (
	errMissingKey = &Error{Status: http.StatusUnauthorized, Type: "invalid_request_error", Code: "missing_api_key", Err: ErrUnauthorized,
		Message: "You didn't provide an API key. Send it in an Authorization header: Authorization: Bearer YOUR_KEY."}
	errWrongKey = &Error{Status: http.StatusUnauthorized, Type: "invalid_request_error", Code: "invalid_api_key", Err: ErrUnauthorized,
		Message: "Incorrect API key provided."}
	errQueueFull = &Error{Status: http.StatusTooManyRequests, Type: "rate_limit_error", Code: "queue_full", Err: ErrQueueFull,
		Message: "The transcription queue is full; retry later."}
	errTooManyJobs = &Error{Status: http.StatusTooManyRequests, Type: "rate_limit_error", Code: "too_many_jobs", Err: ErrQueueFull,
		Message: "Too many stored jobs; fetch or delete finished jobs, or retry later."}
	errTooManyUploads = &Error{Status: http.StatusTooManyRequests, Type: "rate_limit_error", Code: "too_many_uploads", Err: ErrQueueFull,
		Message: "Too many uploads in progress with this API key; wait for one to finish."}
	errUploadsBusy = &Error{Status: http.StatusTooManyRequests, Type: "rate_limit_error", Code: "uploads_busy", Err: ErrQueueFull,
		Message: "Too many uploads in progress; retry later."}
	errUploadTooSlow = &Error{Status: http.StatusRequestTimeout, Type: "invalid_request_error", Param: "file", Code: "upload_too_slow", Err: ErrTooSlow,
		Message: "The upload arrived too slowly and was dropped."}
	errShutdown = &Error{Status: http.StatusServiceUnavailable, Type: "server_error", Code: "shutting_down", Err: ErrShuttingDown,
		Message: "The server is shutting down; retry on another instance or later."}
	errCancelled = &Error{Status: http.StatusConflict, Type: "invalid_request_error", Code: "job_cancelled", Err: ErrCancelled,
		Message: "The job was cancelled."}
)

func tooLarge(limit int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Param: "file", Code: "file_too_large", Err: ErrTooLarge,
		Message: "Maximum request size is " + strconv.FormatInt(limit, 10) + " bytes."}
}

func audioTooLong(err error) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Param: "file", Code: "audio_too_long", Err: ErrAudioTooLong,
		Message: "The audio is too long for this server: " + err.Error()}
}

func notFound(what string) *Error {
	return &Error{Status: http.StatusNotFound, Type: "invalid_request_error", Code: "not_found", Err: ErrNotFound, Message: what}
}

// errorBody is OpenAI's error JSON: {"error":{"message","type","param","code"}}, param and code
// being null when absent.
type errorBody struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, e *Error) {
	var body errorBody
	body.Error.Message, body.Error.Type = e.Message, e.Type
	if e.Param != "" {
		body.Error.Param = &e.Param
	}
	if e.Code != "" {
		body.Error.Code = &e.Code
	}
	switch e.Status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusRequestTimeout:
		w.Header().Set("Retry-After", "5")
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="hushscribe"`)
	}
	writeJSON(w, e.Status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only for programming errors: every value written here is plain data
		http.Error(w, `{"error":{"message":"encode response","type":"server_error","param":null,"code":null}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
