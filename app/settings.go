package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Settings are the user's remembered choices.
type Settings struct {
	// Defaults for new jobs.
	Model             string           `json:"model"`    // "" = the model manager's default
	Language          string           `json:"language"` // "auto" or an ISO 639-1 code
	Translate         bool             `json:"translate"`
	Level             transcript.Level `json:"level"`
	SpeakerPerChannel bool             `json:"speakerPerChannel"`

	// Engine.
	Threads int  `json:"threads"` // 0 = all cores
	UseGPU  bool `json:"useGpu"`  // used only while Device is "" (settings from before Device)
	// Device is the compute device: "auto" (the best GPU that works, else the CPU), "cpu", or a
	// device ID from ComputeDevices ("Vulkan0", "CUDA0"). A chosen GPU that fails falls back to the
	// CPU with a reason (EventDeviceFallback, Job.DeviceNote).
	Device string `json:"device"`

	// Export menu defaults.
	ExportFormat  string        `json:"exportFormat"`
	ExportOptions ExportOptions `json:"exportOptions"`

	// Quick recording (the tray, the hotkey and the Transcribe view's record button).
	InputDevice string `json:"inputDevice"` // InputDevice.ID; "" = the system default input
	// QuickSilenceSeconds stops a quick recording after this much silence; 0 = only on request.
	QuickSilenceSeconds int  `json:"quickSilenceSeconds"`
	QuickCopy           bool `json:"quickCopy"` // copy the text to the clipboard
	QuickSave           bool `json:"quickSave"` // save the transcript to the library at Level
	// QuickPreview shows partial text while recording (a sliding window over the recording, which
	// costs CPU or GPU time while recording).
	QuickPreview bool `json:"quickPreview"`

	// Dictation: the push-to-talk shortcut types the text into the focused app (app/dictation.go).
	Dictation DictationSettings `json:"dictation"`

	// Network: everything that could leave the machine, off by default.
	CloudBackup bool `json:"cloudBackup"`

	// UILanguage is the window's language: one of UILanguages, or "" to follow the system.
	UILanguage string `json:"uiLanguage"`
}

// UILanguages are the languages the window is translated into.
var UILanguages = []string{"en", "de", "fr", "es", "it", "pt"}

// DefaultSettings are the settings of a fresh installation.
func DefaultSettings() Settings {
	return Settings{
		Language:      "auto",
		Level:         transcript.Standard,
		UseGPU:        true,
		Device:        DeviceAuto,
		ExportFormat:  "txt",
		ExportOptions: ExportOptions{Timestamps: true, Speakers: true},
		QuickCopy:     true,
		QuickSave:     true,
		QuickPreview:  true,
		Dictation:     DefaultDictationSettings(),
	}
}

// MaxQuickSilenceSeconds bounds Settings.QuickSilenceSeconds.
const MaxQuickSilenceSeconds = 600

func (s Settings) validate() error {
	if s.UILanguage != "" && !slices.Contains(UILanguages, s.UILanguage) {
		return fmt.Errorf("%w: window language %q (choose one of %s, or none to follow the system)", ErrInvalid, s.UILanguage, strings.Join(UILanguages, ", "))
	}
	if !s.Level.Valid() {
		return fmt.Errorf("%w: privacy level %q", ErrInvalid, s.Level)
	}
	if s.Threads < 0 || s.Threads > 1024 {
		return fmt.Errorf("%w: threads %d", ErrInvalid, s.Threads)
	}
	if s.QuickSilenceSeconds < 0 || s.QuickSilenceSeconds > MaxQuickSilenceSeconds {
		return fmt.Errorf("%w: silence timeout %d s", ErrInvalid, s.QuickSilenceSeconds)
	}
	if !validDevice(s.Device) {
		return fmt.Errorf("%w: compute device %q", ErrInvalid, s.Device)
	}
	if len(s.InputDevice) > 1024 {
		return fmt.Errorf("%w: input device id too long", ErrInvalid)
	}
	if s.Language == "" || len(s.Language) > 8 || strings.ContainsAny(s.Language, " /\\") {
		return fmt.Errorf("%w: language %q", ErrInvalid, s.Language)
	}
	return s.Dictation.validate()
}

// SettingsFile keeps Settings in a JSON file, written atomically. Keys it does not know (written by
// a newer version or another part of the product) survive a save.
type SettingsFile struct {
	path string
	mu   sync.Mutex
	mem  *Settings // the settings when path is ""
}

// NewSettingsFile returns the settings kept at path; the file need not exist. An empty path keeps
// settings in memory (tests).
func NewSettingsFile(path string) *SettingsFile { return &SettingsFile{path: path} }

// Load returns the saved settings over the defaults. A damaged file yields the defaults and an error
// that wraps ErrInvalid, so the caller can still run.
func (f *SettingsFile) Load() (Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, _, err := f.load()
	return s, err
}

func (f *SettingsFile) load() (Settings, map[string]json.RawMessage, error) {
	s := DefaultSettings()
	raw := map[string]json.RawMessage{}
	if f.path == "" {
		if f.mem != nil {
			s = *f.mem
		}
		return s, raw, nil
	}
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, raw, nil
	}
	if err != nil {
		return s, raw, fmt.Errorf("read settings: %w", err)
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return DefaultSettings(), map[string]json.RawMessage{}, fmt.Errorf("read settings %s: %w: %v", f.path, ErrInvalid, err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return DefaultSettings(), raw, fmt.Errorf("read settings %s: %w: %v", f.path, ErrInvalid, err)
	}
	if _, ok := raw["device"]; !ok {
		s.Device = "" // a file from before the device choice: UseGPU decides (DeviceChoice)
	}
	if s.validate() != nil {
		def := DefaultSettings()
		if !s.Level.Valid() {
			s.Level = def.Level
		}
		if s.Language == "" {
			s.Language = def.Language
		}
		if s.Threads < 0 {
			s.Threads = 0
		}
		if s.QuickSilenceSeconds < 0 || s.QuickSilenceSeconds > MaxQuickSilenceSeconds {
			s.QuickSilenceSeconds = def.QuickSilenceSeconds
		}
		if !validDevice(s.Device) {
			s.Device = def.Device
		}
		if len(s.InputDevice) > 1024 {
			s.InputDevice = ""
		}
		if s.Dictation.validate() != nil {
			s.Dictation = def.Dictation
		}
	}
	return s, raw, nil
}

// Save validates s and writes it.
func (f *SettingsFile) Save(s Settings) error {
	if err := s.validate(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.path == "" {
		f.mem = &s
		return nil
	}
	_, raw, _ := f.load()
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	var mine map[string]json.RawMessage
	if err := json.Unmarshal(b, &mine); err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	for k, v := range mine {
		raw[k] = v
	}
	out, err := json.MarshalIndent(raw, "", "  ")
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	return writeFileAtomic(f.path, append(out, '\n'), 0o600)
}

// writeFileAtomic writes data to a temporary file beside path and renames it over path, so a crash
// leaves either the old or the new file, never a torn one.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// GetSettings returns the remembered settings.
func (a *App) GetSettings() (Settings, error) {
	s, err := a.d.Settings.Load()
	if errors.Is(err, ErrInvalid) {
		return s, nil // a damaged file falls back to defaults; the next save repairs it
	}
	return s, err
}

// SaveSettings validates and stores s and returns what was stored.
func (a *App) SaveSettings(s Settings) (Settings, error) {
	if d := a.d.Dictation; d != nil {
		if err := d.CheckShortcut(s.Dictation.Shortcut); err != nil {
			return Settings{}, fmt.Errorf("save settings: %w: dictation shortcut: %v", ErrInvalid, err)
		}
	}
	if err := a.d.Settings.Save(s); err != nil {
		return Settings{}, fmt.Errorf("save settings: %w", err)
	}
	a.emit(EventSettings, s)
	if d := a.d.Dictation; d != nil {
		d.Apply() // a new shortcut or insert method; problems show in DictationStatus
	}
	return s, nil
}
