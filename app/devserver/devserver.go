// Package devserver serves the desktop app's page to an ordinary browser, for end-to-end tests and
// front-end work: the same bound methods of app.App over HTTP/JSON, its events over Server-Sent
// Events, and a shim script that gives the page the window.go and window.runtime objects Wails would,
// so that the page's own code (frontend/src/lib/api) runs unchanged.
//
// Routes:
//
//	GET  /                       the page (index.html with the shim injected), and its assets
//	POST /api/call/{Method}      body: JSON array of arguments; reply {"result": ...} or {"error": "..."}
//	GET  /api/events             text/event-stream of {"name": ..., "data": ...}
//	POST /api/test/drop          body: JSON array of paths; the page receives them as a file drop
//	POST /api/test/dialog/open   body: JSON array of paths; the next open dialog answers them
//	POST /api/test/dialog/save   body: JSON string; the next save dialog answers it
//	POST /api/test/show          body: JSON string; app.ShowTranscript (the tray's "last transcript")
//	GET  /api/test/desktop       {"clipboard": "...", "notifications": [{"title", "body"}]}: what the
//	                             Go side put on the clipboard and notified (Runtime.SetClipboard, Notify)
//	GET  /media/{id}             the original recording (app.MediaHandler)
//
// The server is for tests on the loopback interface only: it has no authentication.
package devserver

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
)

//go:embed shim.js
var shim []byte

// Runtime is the app.Runtime of the dev server: events go to every connected page, dialogs are
// answered by the test through /api/test/dialog/*.
type Runtime struct {
	*apptest.Runtime
	mu   sync.Mutex
	subs map[chan []byte]struct{}

	desk desktop
}

// Notification is one desktop notification the app showed.
type Notification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// desktop is what the app did to the desktop: the clipboard and notifications.
type desktop struct {
	Clipboard     string         `json:"clipboard"`
	Notifications []Notification `json:"notifications"`
}

// SetClipboard keeps text as the clipboard's content (the desktop shell's Clipboard hook).
func (r *Runtime) SetClipboard(text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.desk.Clipboard = text
	return nil
}

// Notify records a notification (a quickrecord.Notifier).
func (r *Runtime) Notify(_ context.Context, title, body string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.desk.Notifications = append(r.desk.Notifications, Notification{title, body})
	return nil
}

func (r *Runtime) desktop() desktop {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.desk
	d.Notifications = append([]Notification{}, d.Notifications...)
	return d
}

// NewRuntime returns a Runtime with no page connected.
func NewRuntime() *Runtime {
	r := &Runtime{Runtime: apptest.NewRuntime(), subs: map[chan []byte]struct{}{}}
	r.Runtime.Listener = r.broadcast
	return r
}

func (r *Runtime) broadcast(name string, data any) {
	b, err := json.Marshal(struct {
		Name string `json:"name"`
		Data any    `json:"data"`
	}{name, data})
	if err != nil {
		return
	}
	r.send(b)
}

func (r *Runtime) send(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.subs {
		select {
		case c <- b:
		default: // a stalled page loses events rather than stalling the app
		}
	}
}

func (r *Runtime) subscribe() (chan []byte, func()) {
	c := make(chan []byte, 1024)
	r.mu.Lock()
	r.subs[c] = struct{}{}
	r.mu.Unlock()
	return c, func() {
		r.mu.Lock()
		delete(r.subs, c)
		r.mu.Unlock()
	}
}

// Handler serves the app a (whose Runtime must be rt) and the built page in dist.
func Handler(a *app.App, rt *Runtime, dist fs.FS) http.Handler {
	s := &server{a: a, rt: rt, dist: dist, methods: map[string]reflect.Value{}}
	v := reflect.ValueOf(a)
	skip := map[string]bool{}
	for _, n := range app.Unbound {
		skip[n] = true
	}
	for i := 0; i < v.NumMethod(); i++ {
		name := v.Type().Method(i).Name
		if !skip[name] {
			s.methods[name] = v.Method(i)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/call/{method}", s.call)
	mux.HandleFunc("GET /api/events", s.events)
	mux.HandleFunc("POST /api/test/drop", s.drop)
	mux.HandleFunc("POST /api/test/dialog/open", s.answerOpen)
	mux.HandleFunc("POST /api/test/dialog/save", s.answerSave)
	mux.HandleFunc("POST /api/test/show", func(w http.ResponseWriter, r *http.Request) {
		var id string
		if err := json.NewDecoder(r.Body).Decode(&id); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		app.ShowTranscript(a, id)
		writeJSON(w, http.StatusOK, map[string]any{"result": true})
	})
	mux.HandleFunc("GET /api/test/desktop", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, rt.desktop())
	})
	mux.HandleFunc("GET /devshim.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(shim)
	})
	mux.Handle(app.MediaPrefix, app.MediaHandler(a))
	mux.HandleFunc("/", s.static)
	return mux
}

type server struct {
	a       *app.App
	rt      *Runtime
	dist    fs.FS
	methods map[string]reflect.Value
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

var errType = reflect.TypeOf((*error)(nil)).Elem()

func (s *server) call(w http.ResponseWriter, r *http.Request) {
	m, ok := s.methods[r.PathValue("method")]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such method"})
		return
	}
	var raw []json.RawMessage
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&raw); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "arguments: " + err.Error()})
		return
	}
	mt := m.Type()
	if len(raw) != mt.NumIn() {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("want %d arguments, got %d", mt.NumIn(), len(raw))})
		return
	}
	args := make([]reflect.Value, len(raw))
	for i, rm := range raw {
		p := reflect.New(mt.In(i))
		if err := json.Unmarshal(rm, p.Interface()); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("argument %d: %v", i+1, err)})
			return
		}
		args[i] = p.Elem()
	}
	out := m.Call(args)
	var result any
	for _, o := range out {
		if o.Type() == errType {
			if !o.IsNil() {
				// Wails rejects the promise with the error's text; so do we.
				writeJSON(w, http.StatusOK, map[string]string{"error": o.Interface().(error).Error()})
				return
			}
			continue
		}
		result = o.Interface()
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": result})
}

func (s *server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	c, done := s.rt.subscribe()
	defer done()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, ": connected\n\n")
	fl.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case b := <-c:
			fmt.Fprintf(w, "data: %s\n\n", b)
			fl.Flush()
		}
	}
}

func (s *server) drop(w http.ResponseWriter, r *http.Request) {
	var paths []string
	if err := json.NewDecoder(r.Body).Decode(&paths); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	// Wails delivers a native drop as the "wails:file-drop" event with (x, y, paths).
	b, _ := json.Marshal(map[string]any{"name": "wails:file-drop", "data": []any{0, 0, paths}})
	s.rt.send(b)
	writeJSON(w, http.StatusOK, map[string]any{"result": len(paths)})
}

func (s *server) answerOpen(w http.ResponseWriter, r *http.Request) {
	var paths []string
	if err := json.NewDecoder(r.Body).Decode(&paths); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	s.rt.AnswerOpen(paths...)
	writeJSON(w, http.StatusOK, map[string]any{"result": true})
}

func (s *server) answerSave(w http.ResponseWriter, r *http.Request) {
	var path string
	if err := json.NewDecoder(r.Body).Decode(&path); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	s.rt.AnswerSave(path)
	writeJSON(w, http.StatusOK, map[string]any{"result": true})
}

// static serves dist, injecting the shim into index.html (where Wails injects its runtime).
func (s *server) static(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" {
		name = "index.html"
	}
	if name != "index.html" {
		if _, err := fs.Stat(s.dist, name); err == nil {
			http.FileServerFS(s.dist).ServeHTTP(w, r)
			return
		}
	}
	b, err := fs.ReadFile(s.dist, "index.html")
	if errors.Is(err, fs.ErrNotExist) {
		http.Error(w, "frontend/dist/index.html is missing: run npm run build in frontend/", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	b = bytes.Replace(b, []byte("<head>"), []byte(`<head><script src="/devshim.js"></script>`), 1)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}
