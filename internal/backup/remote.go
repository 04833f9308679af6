package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/hushscribe/hushscribe/internal/backupserver/api"
)

// maxObjectSize bounds the objects this client downloads.
const maxObjectSize = 64 << 20

// maxJSONResponse bounds JSON responses.
const maxJSONResponse = 8 << 20

// StatusError is an unexpected HTTP answer from the server.
type StatusError struct {
	Status  int
	Code    string
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("backup server: %d %s: %s", e.Status, e.Code, e.Message)
}

// conflictError is a 409 answer to an object PUT or DELETE.
type conflictError struct{ current int64 }

func (e *conflictError) Error() string {
	return fmt.Sprintf("version conflict (current %d)", e.current)
}

var errObjectGone = errors.New("object not found")

// remote is the HTTP side of the protocol (package api).
type remote struct {
	base   string
	client *http.Client
	token  string
}

func (r *remote) do(ctx context.Context, method, path string, header map[string]string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("backup request: %w", err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %v", ErrOffline, err)
	}
	return resp, nil
}

// statusError turns a non-2xx response into an error, consuming the body.
func statusError(resp *http.Response, signIn bool) error {
	var e api.Error
	json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
	switch {
	case resp.StatusCode == http.StatusUnauthorized && signIn:
		return ErrWrongPassword
	case resp.StatusCode == http.StatusUnauthorized:
		return ErrSignedOut
	case resp.StatusCode == http.StatusConflict && e.Code == api.CodeExists,
		resp.StatusCode == http.StatusForbidden && e.Code == api.CodeSignUpRefused:
		return ErrAccountExists
	case resp.StatusCode == http.StatusRequestEntityTooLarge && e.Code == api.CodeQuota:
		return ErrQuota
	case resp.StatusCode == http.StatusConflict:
		return &conflictError{current: e.Version}
	case resp.StatusCode == http.StatusTooManyRequests && e.Code == api.CodeLockedOut:
		return ErrLockedOut
	case resp.StatusCode == http.StatusTooManyRequests:
		return ErrRateLimited
	case resp.StatusCode == http.StatusNotFound:
		return errObjectGone
	}
	return &StatusError{Status: resp.StatusCode, Code: e.Code, Message: e.Message}
}

// call sends a JSON request and decodes a JSON answer into out (unless nil).
func (r *remote) call(ctx context.Context, method, path string, in, out any, signIn bool) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("encode %s: %w", path, err)
		}
	}
	resp, err := r.do(ctx, method, path, map[string]string{"Content-Type": "application/json"}, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return statusError(resp, signIn)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONResponse)).Decode(out); err != nil {
		return fmt.Errorf("%w: decode %s answer: %v", ErrOffline, path, err)
	}
	return nil
}

func (r *remote) changes(ctx context.Context, since string) (api.Changes, error) {
	var c api.Changes
	err := r.call(ctx, "GET", "/v1/changes?since="+url.QueryEscape(since), nil, &c, false)
	return c, err
}

func (r *remote) put(ctx context.Context, id string, base int64, data []byte) (api.Object, error) {
	h := sha256.Sum256(data)
	resp, err := r.do(ctx, "PUT", "/v1/objects/"+id, map[string]string{
		api.HeaderIfMatch:       strconv.FormatInt(base, 10),
		api.HeaderContentSHA256: hex.EncodeToString(h[:]),
		"Content-Type":          "application/octet-stream",
	}, data)
	if err != nil {
		return api.Object{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return api.Object{}, statusError(resp, false)
	}
	var o api.Object
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONResponse)).Decode(&o); err != nil {
		return api.Object{}, fmt.Errorf("%w: decode upload answer: %v", ErrOffline, err)
	}
	return o, nil
}

// get downloads an object and checks it against the hash the server states.
func (r *remote) get(ctx context.Context, id string) ([]byte, int64, error) {
	resp, err := r.do(ctx, "GET", "/v1/objects/"+id, nil, nil)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, statusError(resp, false)
	}
	version, err := strconv.ParseInt(resp.Header.Get(api.HeaderVersion), 10, 64)
	if err != nil || version < 1 {
		return nil, 0, fmt.Errorf("%w: object %s: bad version header", ErrTampered, id)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxObjectSize+1))
	if err != nil {
		return nil, 0, fmt.Errorf("%w: download %s: %v", ErrOffline, id, err)
	}
	if len(data) > maxObjectSize {
		return nil, 0, fmt.Errorf("%w: object %s is larger than %d bytes", ErrTampered, id, maxObjectSize)
	}
	h := sha256.Sum256(data)
	if hex.EncodeToString(h[:]) != resp.Header.Get(api.HeaderContentSHA256) {
		return nil, 0, fmt.Errorf("%w: download %s: content hash mismatch", ErrOffline, id)
	}
	return data, version, nil
}

func (r *remote) del(ctx context.Context, id string, base int64) (api.Object, error) {
	resp, err := r.do(ctx, "DELETE", "/v1/objects/"+id, map[string]string{api.HeaderIfMatch: strconv.FormatInt(base, 10)}, nil)
	if err != nil {
		return api.Object{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return api.Object{}, statusError(resp, false)
	}
	var o api.Object
	json.NewDecoder(io.LimitReader(resp.Body, maxJSONResponse)).Decode(&o)
	return o, nil
}
