package server

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// uploads bounds the uploads being read at once, overall and per API key, so that slow clients
// can neither hold every queue slot (an upload is read before its job takes a slot) nor crowd out
// other keys.
type uploads struct {
	mu     sync.Mutex
	total  int
	perKey map[int]int
	max    int // Config.MaxUploads
	maxKey int // Config.MaxUploadsPerKey
}

func newUploads(max, maxKey int) *uploads {
	return &uploads{perKey: map[int]int{}, max: max, maxKey: maxKey}
}

// start counts an upload by owner (the API key's index, -1 without keys), or says why it may not
// start now. The caller must call done when the body has been read (or abandoned).
func (u *uploads) start(owner int) *Error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.perKey[owner] >= u.maxKey {
		return errTooManyUploads
	}
	if u.total >= u.max {
		return errUploadsBusy
	}
	u.total++
	u.perKey[owner]++
	return nil
}

func (u *uploads) done(owner int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.total--
	if u.perKey[owner]--; u.perKey[owner] <= 0 {
		delete(u.perKey, owner)
	}
}

func (u *uploads) counts() (total int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.total
}

// pacedBody enforces a minimum transfer rate on a request body through the connection's read
// deadline: after a grace period, the body must keep arriving at Config.MinUploadRate bytes per
// second on average, or the read fails and the upload is answered with 408.
type pacedBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	rate  int64
	n     int64
	slow  bool // the deadline passed
}

func (s *Server) pace(w http.ResponseWriter, r *http.Request) *pacedBody {
	return &pacedBody{ReadCloser: r.Body, rc: http.NewResponseController(w), start: time.Now(),
		grace: s.cfg.UploadGrace, rate: s.cfg.MinUploadRate}
}

func (p *pacedBody) Read(b []byte) (int, error) {
	deadline := p.start.Add(p.grace + time.Duration(p.n)*time.Second/time.Duration(p.rate))
	_ = p.rc.SetReadDeadline(deadline) // not supported by every ResponseWriter (tests' recorders)
	n, err := p.ReadCloser.Read(b)
	p.n += int64(n)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		p.slow = true
	}
	return n, err
}

// finish lifts the deadline once the body is read: a synchronous request then waits for its
// result on the same connection.
func (p *pacedBody) finish() { _ = p.rc.SetReadDeadline(time.Time{}) }
