// Package wire builds the desktop app's real dependencies (the SQLite library and its vault, the
// model manager, whisper.cpp, the audio decoder, the exporters, the wiper and the opt-in cloud
// backup client) and adapts them to the interfaces package app consumes. The desktop binary and the
// e2e dev server both use it.
//
// The library needs go-sqlite3 with FTS5: build with -tags sqlite_fts5.
package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/dictation"
	"github.com/hushscribe/hushscribe/internal/keychain"
	"github.com/hushscribe/hushscribe/internal/modelmgr"
	"github.com/hushscribe/hushscribe/internal/paths"
	"github.com/hushscribe/hushscribe/internal/quickrecord"
	"github.com/hushscribe/hushscribe/internal/store"
)

// Config says where the data lives and what the backend may use.
type Config struct {
	Dirs    paths.Dirs
	Runtime app.Runtime
	// HTTPClient downloads models; nil disables downloads (import still works).
	HTTPClient *http.Client
	// ModelBaseURL overrides the model download server ("" = the official one).
	ModelBaseURL string
	// Keychain keeps the remembered vault key; nil uses the OS keychain (keychain.Keyring).
	Keychain Keychain
	// FFmpegPath is passed to the decoder ("" = look up ffmpeg in PATH).
	FFmpegPath string
	// Backend names the whisper.cpp compute backend, for display ("" = "cpu").
	Backend string
	// Logger gets what the log should say (a compute device fallback); nil discards.
	Logger  *slog.Logger
	Version string
	// Build describes the binary (the About box).
	Build   app.BuildInfo
	Workers int
	// Backup tunes the opt-in cloud backup client (tests lower its key derivation cost).
	Backup BackupOptions

	// Capture is the microphone (capture.NewMalgo); nil leaves quick recording out.
	Capture capture.Backend
	// Clipboard puts quick recordings' text on the clipboard; nil never copies.
	Clipboard func(text string) error
	// Notifier tells the user a quick recording is done; nil shows no notification.
	Notifier quickrecord.Notifier
	// TextInput opens the inserter that types dictations into other apps (textinput.New); nil
	// leaves dictation out (it also needs Capture). Hotkeys registers its keys (nil = the tray's).
	TextInput TextInput
	Hotkeys   dictation.Hotkeys

	// idleTick is how often the idle lock checks the library (0 = defaultIdleTick); tests lower it.
	idleTick time.Duration
}

// defaultIdleTick is how often the idle lock checks by default.
const defaultIdleTick = 5 * time.Second

// Keychain is the OS credential store: what the library remembers keys in and what the wiper clears.
type Keychain interface {
	store.SecretStore
	DeleteAll() error
}

// Backend is an opened set of real dependencies.
type Backend struct {
	Deps app.Deps
	// QuickRecord is the quick recording (also Deps.QuickRecord); nil without Config.Capture.
	QuickRecord *QuickRecord
	// Dictation is push-to-talk dictation (also Deps.Dictation); nil without Config.Capture and
	// Config.TextInput. Call its Start once the desktop's main loop runs.
	Dictation *Dictation
	lib       *library
}

// Open opens the library and the model manager under cfg.Dirs and returns the app's Deps.
func Open(cfg Config) (*Backend, error) {
	if cfg.Runtime == nil {
		return nil, errors.New("wire: Config.Runtime is nil")
	}
	if cfg.Keychain == nil {
		cfg.Keychain = keychain.Keyring{}
	}
	if err := os.MkdirAll(cfg.Dirs.Root, 0o700); err != nil {
		return nil, fmt.Errorf("wire: data folder: %w", err)
	}
	lib, err := openLibrary(cfg)
	if err != nil {
		return nil, err
	}
	mm, err := modelmgr.New(modelmgr.Config{Dir: cfg.Dirs.Models, BaseURL: cfg.ModelBaseURL, HTTPClient: cfg.HTTPClient})
	if err != nil {
		lib.close()
		return nil, fmt.Errorf("wire: %w", err)
	}
	backend := cfg.Backend
	if backend == "" {
		backend = "cpu"
	}
	b := &Backend{lib: lib}
	b.Deps = app.Deps{
		Library:      lib,
		Vault:        lib,
		Models:       &modelManager{m: mm, canDownload: cfg.HTTPClient != nil},
		Engines:      newSharedEngines(engines{}), // file jobs and the quick recording share a loaded model
		Decoder:      decoder{ffmpeg: cfg.FFmpegPath},
		Exporter:     exporter{},
		ExportSealer: exportSealer{},
		Wiper:        &wiper{cfg: cfg, lib: lib},
		Backup:       newCloudBackup(cfg, lib),
		Runtime:      cfg.Runtime,
		Settings:     app.NewSettingsFile(cfg.Dirs.Settings),
		Sources:      app.NewSourceIndex(filepath.Join(cfg.Dirs.Root, "sources.json")),
		Workers:      cfg.Workers,
		Backend:      backend,
		Devices:      computeDevices{},
		Logger:       cfg.Logger,
		Version:      cfg.Version,
		Build:        cfg.Build,
		DataDir:      cfg.Dirs.Root,
	}
	if cfg.Capture != nil {
		q, err := newQuickRecord(quickRecordConfig{
			Backend: cfg.Capture, Settings: b.Deps.Settings, Models: b.Deps.Models, Engines: b.Deps.Engines,
			Saver: lib, Clipboard: cfg.Clipboard, Notifier: cfg.Notifier,
		})
		if err != nil {
			lib.close()
			return nil, err
		}
		b.QuickRecord, b.Deps.QuickRecord = q, q
		// The idle lock, like App.Lock, drops the last quick recording's text from memory.
		lib.setOnLock(q.ForgetLast)
	}
	if cfg.Capture != nil && cfg.TextInput != nil {
		d, err := newDictation(dictationConfig{
			Backend: cfg.Capture, Settings: b.Deps.Settings, Models: b.Deps.Models, Engines: b.Deps.Engines,
			Saver: lib, Clipboard: cfg.Clipboard, Notifier: cfg.Notifier, TextInput: cfg.TextInput, Hotkeys: cfg.Hotkeys,
		})
		if err != nil {
			if b.QuickRecord != nil {
				b.QuickRecord.close()
			}
			lib.close()
			return nil, err
		}
		b.Dictation, b.Deps.Dictation = d, d
	}
	return b, nil
}

// Close stops the quick recording and closes the library.
func (b *Backend) Close() error {
	var err error
	if b.Dictation != nil {
		err = b.Dictation.close()
	}
	if b.QuickRecord != nil {
		err = errors.Join(err, b.QuickRecord.close())
	}
	return errors.Join(err, b.lib.close())
}

// vaultPrefs are the vault choices the store does not keep itself.
type vaultPrefs struct {
	IdleMinutes int  `json:"idleMinutes"`
	Remember    bool `json:"remember"`
}

// DefaultIdleMinutes is how long the vault stays unlocked without use until someone chooses
// otherwise: medical and legal transcripts should not stay open on an unattended machine.
const DefaultIdleMinutes = 15

func defaultVaultPrefs() vaultPrefs { return vaultPrefs{IdleMinutes: DefaultIdleMinutes} }

// library adapts *store.Library to app.Library and app.Vault, and adds the idle lock whose timeout
// the user can change while the app runs.
type library struct {
	cfg       Config
	prefsPath string

	mu       sync.Mutex
	l        *store.Library
	prefs    vaultPrefs
	lastUse  time.Time
	stopIdle chan struct{}
	idleDone chan struct{}
	// onLock runs after the idle lock has locked the vault; nil does nothing.
	onLock func()
}

// setOnLock sets the function that runs after every idle lock.
func (x *library) setOnLock(f func()) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.onLock = f
}

func openLibrary(cfg Config) (*library, error) {
	x := &library{cfg: cfg, prefsPath: filepath.Join(cfg.Dirs.Root, "vault.json"), prefs: defaultVaultPrefs()}
	if b, err := os.ReadFile(x.prefsPath); err == nil {
		_ = json.Unmarshal(b, &x.prefs)
	}
	if err := x.open(); err != nil {
		return nil, err
	}
	return x, nil
}

// open opens the store (after start or a wipe) and starts the idle lock.
func (x *library) open() error {
	l, err := store.Open(x.cfg.Dirs.Library, store.Options{Keychain: x.cfg.Keychain})
	if err != nil {
		return fmt.Errorf("wire: open library: %w", err)
	}
	if x.prefs.Remember {
		_ = l.UnlockRemembered(context.Background()) // no key: stay locked
	}
	x.mu.Lock()
	x.l = l
	x.lastUse = time.Now()
	x.stopIdle, x.idleDone = make(chan struct{}), make(chan struct{})
	stop, done := x.stopIdle, x.idleDone
	x.mu.Unlock()
	go x.idleLoop(stop, done)
	return nil
}

func (x *library) close() error {
	x.mu.Lock()
	l, stop, done := x.l, x.stopIdle, x.idleDone
	x.l, x.stopIdle, x.idleDone = nil, nil, nil // a second close does nothing
	x.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	if l == nil {
		return nil
	}
	return l.Close()
}

// store returns the open store. It does not count as use for the idle lock: listing the library
// and reading the vault's status are also what the page does on its own after a background sync
// or a finished job, and only the user's actions may keep the vault open (use counts).
func (x *library) store() (*store.Library, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.l == nil {
		return nil, fmt.Errorf("library: %w", app.ErrUnavailable)
	}
	return x.l, nil
}

// use is store for the user's own actions (open, save, delete, change level, search, unlock): it
// counts as use for the idle lock.
func (x *library) use() (*store.Library, error) {
	l, err := x.store()
	if err == nil {
		x.touch()
	}
	return l, err
}

// touch counts now as use for the idle lock.
func (x *library) touch() {
	x.mu.Lock()
	x.lastUse = time.Now()
	x.mu.Unlock()
}

func (x *library) idleLoop(stop, done chan struct{}) {
	defer close(done)
	tick := x.cfg.idleTick
	if tick <= 0 {
		tick = defaultIdleTick
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			x.mu.Lock()
			l, idle, last, onLock := x.l, time.Duration(x.prefs.IdleMinutes)*time.Minute, x.lastUse, x.onLock
			x.mu.Unlock()
			if l == nil || idle <= 0 || l.Locked() || now.Sub(last) < idle {
				continue
			}
			l.Lock()
			if onLock != nil {
				onLock()
			}
			if st, err := x.Status(context.Background()); err == nil {
				x.cfg.Runtime.Emit(app.EventVault, st)
				x.cfg.Runtime.Emit(app.EventLibrary, "")
			}
		}
	}
}

func (x *library) savePrefs(p vaultPrefs) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	tmp := x.prefsPath + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("save vault preferences: %w", err)
	}
	if err := os.Rename(tmp, x.prefsPath); err != nil {
		return fmt.Errorf("save vault preferences: %w", err)
	}
	x.mu.Lock()
	x.prefs = p
	x.mu.Unlock()
	return nil
}

func (x *library) currentPrefs() vaultPrefs {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.prefs
}

// libErr maps the store's errors to the app's.
func libErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: %w", app.ErrNotFound, err)
	case errors.Is(err, store.ErrLocked), errors.Is(err, store.ErrNoPassword):
		return fmt.Errorf("%w: %w", app.ErrLocked, err)
	case errors.Is(err, store.ErrWrongPassword):
		return fmt.Errorf("%w: %w", app.ErrWrongPass, err)
	case errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrPasswordSet):
		return fmt.Errorf("%w: %w", app.ErrInvalid, err)
	}
	return err
}
