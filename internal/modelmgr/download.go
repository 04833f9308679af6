package modelmgr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hushscribe/hushscribe/models"
)

// Download fetches a catalogue model into the models directory and returns
// its path. It resumes an earlier partial download with an HTTP Range
// request, verifies the digest over the whole file, and only then moves it
// into place atomically. progress, if not nil, is called with the bytes
// on disk so far and the total size.
//
// A model that is already installed with the right size is not fetched
// again. Concurrent calls for the same model wait for each other.
//
// Errors: ErrUnknownModel; ErrNoNetwork; ErrChecksum when the server's
// file is not the catalogue's (a partial file that fails verification is
// deleted); ErrInterrupted when the transfer stops early (the partial file
// is kept and the next call resumes it; on cancellation the error also
// wraps ctx.Err()); *StatusError for other HTTP answers (ErrNotFound for
// 404).
func (m *Manager) Download(ctx context.Context, name string, progress func(done, total int64)) (string, error) {
	e, ok := models.Lookup(m.catalog, name)
	if !ok {
		return "", fmt.Errorf("download %q: %w", name, ErrUnknownModel)
	}
	if m.client == nil {
		return "", fmt.Errorf("download %s: %w", e.Name, ErrNoNetwork)
	}
	if progress == nil {
		progress = func(int64, int64) {}
	}
	unlock, err := m.lock(ctx, e.File)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", e.Name, err)
	}
	defer unlock()

	final := filepath.Join(m.dir, e.File)
	if fi, err := os.Stat(final); err == nil && fi.Mode().IsRegular() && fi.Size() == e.Size {
		progress(e.Size, e.Size)
		return final, nil
	}

	part := filepath.Join(m.partial, e.File+".part")
	meta := filepath.Join(m.partial, e.File+".meta")
	if err := m.fetch(ctx, e, part, meta, progress); err != nil {
		return "", fmt.Errorf("download %s: %w", e.Name, err)
	}
	if err := verifyFile(ctx, part, e); err != nil {
		if errors.Is(err, ErrChecksum) {
			os.Remove(part)
			os.Remove(meta)
		}
		return "", fmt.Errorf("download %s: %w", e.Name, err)
	}
	if err := os.Rename(part, final); err != nil {
		return "", fmt.Errorf("download %s: install: %w", e.Name, err)
	}
	os.Remove(meta)
	if err := syncDir(m.dir); err != nil {
		return "", fmt.Errorf("download %s: %w", e.Name, err)
	}
	return final, nil
}

// partMeta records the validators of the response a partial file came
// from, so a resumed request can ask for "the rest of the same file".
type partMeta struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// ifRange returns the value for an If-Range header: a strong ETag, else
// Last-Modified, else "" (then only the Content-Range and the final digest
// protect against mixing two versions of a file).
func (pm partMeta) ifRange() string {
	if pm.ETag != "" && !strings.HasPrefix(pm.ETag, "W/") {
		return pm.ETag
	}
	return pm.LastModified
}

// fetch brings the partial file to e.Size bytes, resuming when it can.
func (m *Manager) fetch(ctx context.Context, e models.Entry, part, metaPath string, progress func(done, total int64)) error {
	src := m.base.JoinPath(e.File)
	if e.URL != "" && !m.mirror {
		// ONNX models are not on whisper.cpp's host; a configured mirror still serves everything.
		if u, err := url.Parse(e.URL); err == nil {
			src = u
		}
	}
	u := src.String()
	var pm partMeta
	if data, err := os.ReadFile(metaPath); err == nil {
		_ = json.Unmarshal(data, &pm) // unreadable meta: resume without validators
	}
	if pm.URL != u {
		pm = partMeta{URL: u} // validators from another server mean nothing here
	}

	// A 416 or an unusable 206 discards the partial and retries once.
	for attempt := 0; attempt < 2; attempt++ {
		have := int64(0)
		if fi, err := os.Stat(part); err == nil {
			have = fi.Size()
		}
		if have > e.Size {
			have = 0
		}
		if have == e.Size {
			progress(have, e.Size)
			return nil
		}

		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return fmt.Errorf("request %s: %w", src.Redacted(), err)
		}
		// Byte offsets must refer to the file itself, not a compressed form.
		req.Header.Set("Accept-Encoding", "identity")
		if have > 0 {
			req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
			if v := pm.ifRange(); v != "" {
				req.Header.Set("If-Range", v)
			}
		}
		resp, err := m.client.Do(req)
		if err != nil {
			return interrupted(ctx, err)
		}

		offset := int64(0)
		switch resp.StatusCode {
		case http.StatusPartialContent:
			start, _, total, err := parseContentRange(resp.Header.Get("Content-Range"))
			if err == nil && total >= 0 && total != e.Size {
				resp.Body.Close()
				return fmt.Errorf("%w: server has %d bytes, catalogue says %d", ErrChecksum, total, e.Size)
			}
			if err != nil || start != have {
				resp.Body.Close()
				if err := removeIfExists(part); err != nil {
					return err
				}
				pm = partMeta{URL: u}
				continue
			}
			offset = have
		case http.StatusOK:
			// Full body: the server ignored the range, or If-Range found
			// the file changed. Start over.
			if resp.ContentLength >= 0 && resp.ContentLength != e.Size {
				resp.Body.Close()
				return fmt.Errorf("%w: server has %d bytes, catalogue says %d", ErrChecksum, resp.ContentLength, e.Size)
			}
		case http.StatusRequestedRangeNotSatisfiable:
			resp.Body.Close()
			if err := removeIfExists(part); err != nil {
				return err
			}
			pm = partMeta{URL: u}
			continue
		default:
			resp.Body.Close()
			return &StatusError{URL: src.Redacted(), StatusCode: resp.StatusCode, Status: resp.Status}
		}

		if offset == 0 || pm.ifRange() == "" {
			pm.ETag = resp.Header.Get("ETag")
			pm.LastModified = resp.Header.Get("Last-Modified")
		}
		err = m.receive(ctx, resp.Body, part, metaPath, pm, offset, e.Size, progress)
		resp.Body.Close()
		return err
	}
	return fmt.Errorf("%w: server rejected resuming %s twice", ErrInterrupted, src.Redacted())
}

// receive appends body to the partial file from offset until it holds
// size bytes. Whatever arrived is synced to disk, even on error, so the
// next call can resume from there.
func (m *Manager) receive(ctx context.Context, body io.Reader, part, metaPath string, pm partMeta, offset, size int64, progress func(done, total int64)) error {
	if err := os.MkdirAll(m.partial, 0o700); err != nil {
		return fmt.Errorf("create partial dir: %w", err)
	}
	flags := os.O_CREATE | os.O_WRONLY
	if offset == 0 {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(part, flags, 0o600)
	if err != nil {
		return fmt.Errorf("open partial file: %w", err)
	}
	if offset > 0 {
		// Drop anything past offset (cannot happen unless the file changed
		// under us) and append from there.
		if err := f.Truncate(offset); err != nil {
			f.Close()
			return fmt.Errorf("partial file: %w", err)
		}
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("partial file: %w", err)
	}
	if data, err := json.Marshal(pm); err == nil {
		if err := writeFileAtomic(m.partial, filepath.Base(metaPath), data); err != nil {
			f.Close()
			return fmt.Errorf("write partial metadata: %w", err)
		}
	}

	done := offset
	progress(done, size)
	buf := make([]byte, 256<<10)
	var copyErr error
	for done < size {
		want := int64(len(buf))
		if rest := size - done; rest < want {
			want = rest
		}
		n, rerr := body.Read(buf[:want])
		if n > 0 {
			if _, werr := f.Write(buf[:n]); werr != nil {
				copyErr = fmt.Errorf("write partial file: %w", werr)
				break
			}
			done += int64(n)
			progress(done, size)
		}
		if rerr == io.EOF {
			if done < size {
				copyErr = interrupted(ctx, io.ErrUnexpectedEOF)
			}
			break
		}
		if rerr != nil {
			copyErr = interrupted(ctx, rerr)
			break
		}
	}
	// Keep what arrived, durably, for the next attempt.
	serr := f.Sync()
	cerr := f.Close()
	if copyErr != nil {
		return copyErr
	}
	if serr != nil {
		return fmt.Errorf("sync partial file: %w", serr)
	}
	if cerr != nil {
		return fmt.Errorf("close partial file: %w", cerr)
	}
	return nil
}

// interrupted wraps a transfer error with ErrInterrupted, and with
// ctx.Err() when the context ended (the transport's error then is often a
// less precise "use of closed connection").
func interrupted(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w: %w", ErrInterrupted, cerr)
	}
	return fmt.Errorf("%w: %w", ErrInterrupted, err)
}

func removeIfExists(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("discard partial file: %w", err)
	}
	return nil
}

// errContentRange reports a malformed Content-Range header.
var errContentRange = errors.New("malformed Content-Range")

// parseContentRange parses a Content-Range response header of the form
// "bytes first-last/complete" (complete may be "*", returned as -1). The
// unsatisfied form "bytes */complete" is an error here: it never comes
// with a 206.
func parseContentRange(s string) (first, last, complete int64, err error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "bytes ")
	if !ok {
		return 0, 0, 0, errContentRange
	}
	rng, total, ok := strings.Cut(strings.TrimSpace(rest), "/")
	if !ok {
		return 0, 0, 0, errContentRange
	}
	a, b, ok := strings.Cut(rng, "-")
	if !ok {
		return 0, 0, 0, errContentRange
	}
	if first, err = parseOffset(a); err != nil {
		return 0, 0, 0, err
	}
	if last, err = parseOffset(b); err != nil {
		return 0, 0, 0, err
	}
	if last < first {
		return 0, 0, 0, errContentRange
	}
	if total == "*" {
		return first, last, -1, nil
	}
	if complete, err = parseOffset(total); err != nil {
		return 0, 0, 0, err
	}
	if last >= complete {
		return 0, 0, 0, errContentRange
	}
	return first, last, complete, nil
}

// parseOffset parses a non-negative decimal without sign or spaces.
func parseOffset(s string) (int64, error) {
	if s == "" || len(s) > 19 {
		return 0, errContentRange
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errContentRange
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errContentRange
	}
	return n, nil
}
