// Package app is the desktop application's Go side: the methods the window's JavaScript calls (bound
// to the webview by Wails, or served over HTTP by the e2e test server), the transcription job queue,
// user settings and the streaming of original recordings for playback.
//
// App knows nothing of Wails. It reaches the outside world only through the interfaces in deps.go,
// which Deps carries: the library, the vault, the model manager, the decoder, the engine, the
// exporters, the wiper and the Runtime (events, native dialogs). package app/wire builds the real ones;
// the tests use in-memory fakes.
//
// Every bound method returns (T, error) or error. Progress and state changes go out as events
// (see the Event* constants), never as return values, so the window stays responsive while a job runs.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"time"
)

// Event names sent through Runtime.Emit.
const (
	EventJob            = "job"             // payload Job: a job was added or changed
	EventJobRemoved     = "job:removed"     // payload string: the job id
	EventLibrary        = "library:changed" // payload string: the changed transcript id ("" for many)
	EventVault          = "vault"           // payload VaultStatus: locked, unlocked, password set
	EventModel          = "model"           // payload ModelProgress: a download's progress
	EventModelsChanged  = "models:changed"  // payload nil: the installed set or the default changed
	EventSettings       = "settings"        // payload Settings
	EventDataDeleted    = "data:deleted"    // payload nil: everything was wiped
	EventFilesRequested = "files:requested" // payload []string: files passed on the command line were queued (QueueFiles)
	EventBackup         = "backup"          // payload BackupStatus: cloud backup state or sync progress
	EventQuickRecord    = "quickrecord"     // payload QuickRecordState: quick recording state and input level
	EventShowTranscript = "transcript:show" // payload string: the transcript id the window should open
	EventSystem         = "system"          // payload SystemInfo: it changed (e.g. the hotkey was registered)
	EventDictation      = "dictation"       // payload DictationState: dictation phase, level and problems
)

// Unbound names the exported methods of App that are not for the page: the Wails lifecycle hooks.
// Wails leaves them out of the bindings because they are passed as OnStartup and OnShutdown.
var Unbound = []string{"Startup", "Shutdown"}

// EventPayloads are values of the types sent as event payloads, for the page's type declarations.
var EventPayloads = []any{Job{}, ModelProgress{}, VaultStatus{}, Settings{}, BackupStatus{}, QuickRecordState{}, SystemInfo{}, DeviceFallback{}, DictationState{}}

// Deps are the App's collaborators. Library, Runtime and Settings are required; a nil Engines,
// Decoder, Models, Exporter, Wiper or Backup makes the methods that need it fail with ErrUnavailable.
type Deps struct {
	Library  Library
	Vault    Vault
	Models   Models
	Engines  Engines
	Decoder  Decoder
	Exporter Exporter
	// ExportSealer password-protects exported files; nil makes ExportToFileProtected unavailable.
	ExportSealer ExportSealer
	Wiper        Wiper
	Backup       Backup
	Runtime      Runtime
	// QuickRecord is the microphone quick recording; nil hides it (QuickRecordStatus().Available).
	QuickRecord QuickRecorder
	// Dictation is push-to-talk dictation into other apps; nil hides it.
	Dictation Dictation
	Settings  *SettingsFile

	// Sources remembers where each transcript's original recording lives, for playback. Nil keeps
	// them in memory only.
	Sources *SourceIndex

	// Workers is the number of jobs transcribed at once (default 1: one engine uses every core).
	Workers int
	// Backend names the compute backend the engine was built with ("cpu", "cuda", ...), for display.
	Backend string
	// Devices lists the compute devices for Settings; nil makes ComputeDevices fail with ErrUnavailable.
	Devices Devices
	// Logger receives what the user should also find in the log (a GPU fallback); nil discards.
	Logger *slog.Logger
	// Version is the product version, for display.
	Version string
	// Build describes the binary for the About box (commit, whisper.cpp version, compute backends).
	Build BuildInfo
	// DataDir is where everything lives, for display.
	DataDir string
	// Now is the clock (default time.Now).
	Now func() time.Time

	// BackupInterval is how often cloud backup syncs while on (default DefaultBackupInterval);
	// BackupDebounce is how long after the last library change it syncs (DefaultBackupDebounce).
	BackupInterval time.Duration
	BackupDebounce time.Duration
}

// App is the desktop app's Go side. Create it with New, then call Startup before use and Shutdown
// at the end; everything else is a bound method.
type App struct {
	d     Deps
	media *mediaHandler

	mu      sync.Mutex
	ctx     context.Context // set by Startup; cancelled by Shutdown
	cancel  context.CancelFunc
	started bool
	jobs    *queue
	engines *enginePool
	dl      map[string]context.CancelFunc // model downloads in flight
	bk      *backupRunner
	qrPhase string // the last quick recording phase sent to the page
	hotkey  string // the registered quick recording hotkey (SetHotkey)
	wg      sync.WaitGroup
}

// New checks d and returns an App that does nothing until Startup.
func New(d Deps) (*App, error) {
	switch {
	case d.Library == nil:
		return nil, errors.New("app: Deps.Library is nil")
	case d.Runtime == nil:
		return nil, errors.New("app: Deps.Runtime is nil")
	case d.Settings == nil:
		return nil, errors.New("app: Deps.Settings is nil")
	}
	if d.Workers <= 0 {
		d.Workers = 1
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Sources == nil {
		d.Sources = NewSourceIndex("")
	}
	if d.Backend == "" {
		d.Backend = "cpu"
	}
	if d.BackupInterval <= 0 {
		d.BackupInterval = DefaultBackupInterval
	}
	if d.BackupDebounce <= 0 {
		d.BackupDebounce = DefaultBackupDebounce
	}
	a := &App{d: d, dl: map[string]context.CancelFunc{}, bk: newBackupRunner()}
	a.jobs = newQueue(d.Now)
	a.engines = newEnginePool(d.Engines)
	a.media = &mediaHandler{sources: d.Sources}
	return a, nil
}

// Startup starts the job workers and, where the Runtime wants it, hands it ctx (Wails passes its
// runtime context here: pass this method value as options.App.OnStartup, which also keeps it out of
// the bindings).
func (a *App) Startup(ctx context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.started {
		return
	}
	a.started = true
	if s, ok := a.d.Runtime.(interface{ SetContext(context.Context) }); ok {
		s.SetContext(ctx)
	}
	a.ctx, a.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for i := 0; i < a.d.Workers; i++ {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.worker(a.ctx)
		}()
	}
	if a.d.Dictation != nil {
		a.d.Dictation.Listen(func(s DictationState) { a.emit(EventDictation, s) })
	}
	if a.d.QuickRecord != nil {
		a.d.QuickRecord.Listen(a.quickRecordChanged)
	}
	if a.d.Backup != nil {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.backupLoop(a.ctx)
		}()
	}
}

// Shutdown cancels running jobs and downloads, waits for the workers and closes the engines. Pass
// this method value as options.App.OnShutdown.
func (a *App) Shutdown(ctx context.Context) {
	a.mu.Lock()
	cancel := a.cancel
	a.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	a.jobs.close()
	a.wg.Wait()
	a.engines.closeAll()
}

// MediaHandler returns the handler that streams a's original recordings for playback; mount it as
// the Wails AssetServer handler (it answers paths under MediaPrefix and 404s everything else). It is a
// function, not a method, so that it is not bound to the page.
func MediaHandler(a *App) http.Handler { return a.media }

// emit sends an event; a Runtime without a window drops it. A library change also schedules a
// cloud backup sync.
func (a *App) emit(name string, data any) {
	a.d.Runtime.Emit(name, data)
	if name == EventLibrary {
		a.backupChanged()
	}
}

// background returns the context long work runs under.
func (a *App) background() context.Context {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ctx == nil {
		return context.Background()
	}
	return a.ctx
}

// SystemInfo describes this installation for the settings view.
type SystemInfo struct {
	Version  string    `json:"version"`
	Build    BuildInfo `json:"build"`
	Backend  string    `json:"backend"` // compute backend of the engine build ("cpu", "cuda", "metal", ...)
	MaxCPU   int       `json:"maxCpu"`  // logical CPUs, the upper bound for Settings.Threads
	DataDir  string    `json:"dataDir"`
	HasVault bool      `json:"hasVault"`
	OS       string    `json:"os"`
	// Hotkey is the global shortcut that starts and stops a quick recording ("" = none registered).
	Hotkey string `json:"hotkey"`
}

// BuildInfo is what `hushscribe version` prints, for the About box in Settings.
type BuildInfo struct {
	Commit   string   `json:"commit"`
	Modified bool     `json:"modified"`
	Whisper  string   `json:"whisper"`  // the whisper.cpp version the process loaded
	Backends []string `json:"backends"` // the compute devices the loaded backends found
}

// SystemInfo returns facts about this installation.
func (a *App) SystemInfo() (SystemInfo, error) {
	return SystemInfo{
		Version:  a.d.Version,
		Build:    a.d.Build,
		Backend:  a.d.Backend,
		MaxCPU:   runtime.NumCPU(),
		DataDir:  a.d.DataDir,
		HasVault: a.d.Vault != nil,
		OS:       runtime.GOOS,
		Hotkey:   a.hotkeyName(),
	}, nil
}

func (a *App) hotkeyName() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hotkey
}

// SetHotkey records the global shortcut the desktop shell registered for quick recording ("" when
// none could be), and tells the page. A function, not a method, so that it is not bound.
func SetHotkey(a *App, combo string) {
	a.mu.Lock()
	a.hotkey = combo
	a.mu.Unlock()
	if info, err := a.SystemInfo(); err == nil {
		a.emit(EventSystem, info)
	}
}

// unavailable is the error for a missing optional dependency.
func unavailable(what string) error { return fmt.Errorf("%s: %w", what, ErrUnavailable) }
