//go:build desktop

package app

import (
	"context"
	"errors"
	"sync"

	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"
)

// WailsRuntime is the Runtime of the desktop build: Wails events and native dialogs. It works once
// App.Startup has handed it Wails' context; events sent before that are dropped.
type WailsRuntime struct {
	mu  sync.Mutex
	ctx context.Context
}

// NewWailsRuntime returns a WailsRuntime waiting for its context.
func NewWailsRuntime() *WailsRuntime { return &WailsRuntime{} }

// SetContext hands over the Wails runtime context (App.Startup calls it).
func (r *WailsRuntime) SetContext(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctx = ctx
}

func (r *WailsRuntime) context() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ctx
}

// Emit sends an event to the page.
func (r *WailsRuntime) Emit(event string, data any) {
	if ctx := r.context(); ctx != nil {
		wruntime.EventsEmit(ctx, event, data)
	}
}

func filters(fs []FileFilter) []wruntime.FileFilter {
	out := make([]wruntime.FileFilter, len(fs))
	for i, f := range fs {
		out[i] = wruntime.FileFilter{DisplayName: f.Name, Pattern: f.Pattern}
	}
	return out
}

// OpenFiles shows the native open dialog.
func (r *WailsRuntime) OpenFiles(opt DialogOptions) ([]string, error) {
	ctx := r.context()
	if ctx == nil {
		return nil, nil
	}
	o := wruntime.OpenDialogOptions{Title: opt.Title, Filters: filters(opt.Filters), DefaultFilename: opt.DefaultName}
	if opt.Multiple {
		return wruntime.OpenMultipleFilesDialog(ctx, o)
	}
	p, err := wruntime.OpenFileDialog(ctx, o)
	if err != nil || p == "" {
		return nil, err
	}
	return []string{p}, nil
}

// SaveFile shows the native save dialog.
func (r *WailsRuntime) SaveFile(opt DialogOptions) (string, error) {
	ctx := r.context()
	if ctx == nil {
		return "", nil
	}
	return wruntime.SaveFileDialog(ctx, wruntime.SaveDialogOptions{
		Title: opt.Title, DefaultFilename: opt.DefaultName, Filters: filters(opt.Filters), CanCreateDirectories: true,
	})
}

// SetClipboard puts text on the system clipboard (quick recordings' text).
func (r *WailsRuntime) SetClipboard(text string) error {
	ctx := r.context()
	if ctx == nil {
		return errors.New("clipboard: the window has not started")
	}
	return wruntime.ClipboardSetText(ctx, text)
}
