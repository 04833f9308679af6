package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ModelProgress is the payload of EventModel while a model downloads.
type ModelProgress struct {
	Name    string `json:"name"`
	Done    int64  `json:"done"`
	Total   int64  `json:"total"` // 0 while unknown
	Percent int    `json:"percent"`
	State   string `json:"state"` // "downloading", "done", "failed", "cancelled"
	Error   string `json:"error"`
}

func (a *App) models() (Models, error) {
	if a.d.Models == nil {
		return nil, unavailable("model manager")
	}
	return a.d.Models, nil
}

// ListModels returns the installed and the downloadable models.
func (a *App) ListModels() ([]Model, error) {
	m, err := a.models()
	if err != nil {
		return nil, err
	}
	ms, err := m.List(a.background())
	if err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	if ms == nil {
		ms = []Model{}
	}
	return ms, nil
}

// DownloadModel starts downloading a known model in the background; watch EventModel. Starting a
// download that is already running does nothing.
func (a *App) DownloadModel(name string) error {
	m, err := a.models()
	if err != nil {
		return err
	}
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("download model: %w: no name", ErrInvalid)
	}
	a.mu.Lock()
	if _, busy := a.dl[name]; busy {
		a.mu.Unlock()
		return nil
	}
	base := a.ctx
	if base == nil {
		base = context.Background()
	}
	ctx, cancel := context.WithCancel(base)
	a.dl[name] = cancel
	a.wg.Add(1)
	a.mu.Unlock()

	go func() {
		defer a.wg.Done()
		defer func() {
			a.mu.Lock()
			delete(a.dl, name)
			a.mu.Unlock()
			cancel()
		}()
		var mu sync.Mutex
		last := time.Time{}
		lastPct := -1
		a.emit(EventModel, ModelProgress{Name: name, State: "downloading"})
		err := m.Download(ctx, name, func(done, total int64) {
			mu.Lock()
			defer mu.Unlock()
			pct := 0
			if total > 0 {
				pct = int(done * 100 / total)
			}
			now := time.Now()
			if pct == lastPct && now.Sub(last) < 250*time.Millisecond {
				return
			}
			last, lastPct = now, pct
			a.emit(EventModel, ModelProgress{Name: name, Done: done, Total: total, Percent: pct, State: "downloading"})
		})
		switch {
		case err == nil:
			a.emit(EventModel, ModelProgress{Name: name, Percent: 100, State: "done"})
			a.emit(EventModelsChanged, nil)
		case errors.Is(err, context.Canceled) || ctx.Err() != nil:
			a.emit(EventModel, ModelProgress{Name: name, State: "cancelled"})
		default:
			a.emit(EventModel, ModelProgress{Name: name, State: "failed", Error: err.Error()})
		}
	}()
	return nil
}

// CancelDownload stops a running model download.
func (a *App) CancelDownload(name string) error {
	a.mu.Lock()
	cancel := a.dl[name]
	a.mu.Unlock()
	if cancel == nil {
		return fmt.Errorf("cancel download %s: %w", name, ErrNotFound)
	}
	cancel()
	return nil
}

// ImportModel asks for a model file with the native open dialog and adds it to the installed
// models. It returns the zero Model when the user cancels.
func (a *App) ImportModel() (Model, error) {
	if _, err := a.models(); err != nil {
		return Model{}, err
	}
	paths, err := a.d.Runtime.OpenFiles(DialogOptions{
		Title:   "Import a whisper.cpp model file",
		Filters: []FileFilter{{Name: "ggml model", Pattern: "*.bin;*.gguf"}, {Name: "All files", Pattern: "*"}},
	})
	if err != nil {
		return Model{}, fmt.Errorf("open dialog: %w", err)
	}
	if len(paths) == 0 {
		return Model{}, nil
	}
	return a.ImportModelFile(paths[0], "")
}

// ImportModelFile adds the model file at path under name ("" derives it from the file name).
func (a *App) ImportModelFile(path, name string) (Model, error) {
	m, err := a.models()
	if err != nil {
		return Model{}, err
	}
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		name = strings.TrimPrefix(name, "ggml-")
	}
	md, err := m.Import(a.background(), path, name)
	if err != nil {
		return Model{}, fmt.Errorf("import model: %w", err)
	}
	a.emit(EventModelsChanged, nil)
	return md, nil
}

// DeleteModel removes an installed model.
func (a *App) DeleteModel(name string) error {
	m, err := a.models()
	if err != nil {
		return err
	}
	if err := m.Delete(a.background(), name); err != nil {
		return fmt.Errorf("delete model: %w", err)
	}
	a.emit(EventModelsChanged, nil)
	return nil
}

// SetDefaultModel makes name the model new jobs use unless they name another.
func (a *App) SetDefaultModel(name string) error {
	m, err := a.models()
	if err != nil {
		return err
	}
	if err := m.SetDefault(a.background(), name); err != nil {
		return fmt.Errorf("set default model: %w", err)
	}
	a.emit(EventModelsChanged, nil)
	return nil
}

// DeleteAllData removes every transcript, model, setting and key this app stored on the device.
// confirm must be the word DELETE, typed by the user. It signs this device out of cloud backup but
// leaves the backup on the server, restorable by signing in again (the page says so);
// DeleteAllDataAndBackup deletes that too.
func (a *App) DeleteAllData(confirm string) error {
	if confirm != "DELETE" {
		return fmt.Errorf("delete all data: %w", ErrConfirmation)
	}
	if a.d.Wiper == nil {
		return unavailable("delete all data")
	}
	for _, j := range a.jobs.list() {
		if !j.State.finished() {
			_ = a.CancelJob(j.ID)
		}
	}
	a.waitIdle(10 * time.Second)
	a.engines.closeAll()
	if err := a.d.Wiper.Wipe(a.background()); err != nil {
		return fmt.Errorf("delete all data: %w", err)
	}
	a.d.Sources.Reset()
	_, _ = a.ClearFinished()
	a.resetBackup()
	a.emit(EventDataDeleted, nil)
	return nil
}

// DeleteAllDataAndBackup is DeleteAllData that first deletes the cloud backup account, with every
// transcript backed up under it, from the server (checking backupPassword) and signs out. If the
// account cannot be deleted (wrong password: ErrWrongPass; server unreachable: ErrOffline), nothing
// is deleted, here or there. With backup off it is DeleteAllData.
func (a *App) DeleteAllDataAndBackup(confirm, backupPassword string) error {
	if confirm != "DELETE" {
		return fmt.Errorf("delete all data: %w", ErrConfirmation)
	}
	if a.d.Wiper == nil {
		return unavailable("delete all data")
	}
	if a.d.Backup != nil {
		info, err := a.d.Backup.Info(a.background())
		if err != nil {
			return fmt.Errorf("delete all data: %w", err)
		}
		if info.Enabled {
			if _, err := a.DeleteBackupAccount(backupPassword); err != nil {
				return fmt.Errorf("delete all data: nothing was deleted: %w", err)
			}
		}
	}
	return a.DeleteAllData(confirm)
}

// waitIdle waits up to d for running jobs to stop.
func (a *App) waitIdle(d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		a.jobs.mu.Lock()
		busy := a.jobs.active > 0
		a.jobs.mu.Unlock()
		if !busy {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
