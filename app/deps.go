package app

import (
	"context"
	"io"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Runtime is the window around the app: events to the page and native dialogs. The Wails runtime in
// the desktop build, an SSE hub in the e2e server, a recorder in tests.
type Runtime interface {
	// Emit sends an event to the page; it must not block for long.
	Emit(event string, data any)
	// OpenFiles shows a native open dialog; it returns nil when the user cancels.
	OpenFiles(opt DialogOptions) ([]string, error)
	// SaveFile shows a native save dialog; it returns "" when the user cancels.
	SaveFile(opt DialogOptions) (string, error)
}

// DialogOptions configure a native file dialog.
type DialogOptions struct {
	Title       string
	DefaultName string
	Multiple    bool
	Filters     []FileFilter
}

// FileFilter is one entry in a dialog's file type list, e.g. {"Audio", "*.wav;*.mp3"}.
type FileFilter struct {
	Name    string
	Pattern string
}

// Library is the transcript library (internal/store).
type Library interface {
	// Save stores t, assigning t.ID when it is empty; saving an existing ID replaces it.
	Save(ctx context.Context, t *transcript.Transcript) error
	// Get returns a transcript; ErrNotFound, or ErrLocked for a Private one while the vault is locked.
	Get(ctx context.Context, id string) (*transcript.Transcript, error)
	// List returns entries newest first; a non-empty Filter.Text searches the text (Private
	// transcripts only while unlocked).
	List(ctx context.Context, f Filter) ([]Entry, error)
	Delete(ctx context.Context, id string) error
	SetLevel(ctx context.Context, id string, level transcript.Level) error
}

// Filter selects library entries. Zero fields do not filter.
type Filter struct {
	Text     string
	Language string
	Level    transcript.Level
	From     time.Time // created at or after
	To       time.Time // created before
	Limit    int
}

// Entry is one row of the library list. For a Private transcript while locked, Title, Snippet and
// Preview are empty and Locked is true.
type Entry struct {
	ID         string           `json:"id"`
	Title      string           `json:"title"`
	SourceName string           `json:"sourceName"`
	Language   string           `json:"language"`
	Model      string           `json:"model"`
	Level      transcript.Level `json:"level"`
	Duration   time.Duration    `json:"duration"`
	Created    time.Time        `json:"created"`
	Locked     bool             `json:"locked"`
	Snippet    string           `json:"snippet"` // with a search: the matching text
	// With a search: how many segments match, and the first few of them (where the editor lands).
	Hits     int          `json:"hits"`
	Matches  []EntryMatch `json:"matches"`
	Preview  string       `json:"preview"` // the start of the text, on one line
	Segments int          `json:"segments"`
}

// EntryMatch is one matching segment of a search result: where it is and its text, split into
// spans with the matching words marked (plain text, not markup).
type EntryMatch struct {
	Segment int           `json:"segment"`
	Start   time.Duration `json:"start"`
	Spans   []MatchSpan   `json:"spans"`
}

// MatchSpan is a piece of a snippet; Match marks a word of the query.
type MatchSpan struct {
	Text  string `json:"text"`
	Match bool   `json:"match"`
}

// Vault is the password that protects Private transcripts (the store's lock).
type Vault interface {
	Status(ctx context.Context) (VaultStatus, error)
	SetPassword(ctx context.Context, password string) error
	ChangePassword(ctx context.Context, oldPassword, newPassword string) error
	// Unlock fails with ErrWrongPass for a wrong password.
	Unlock(ctx context.Context, password string) error
	Lock(ctx context.Context) error
	// SetIdleTimeout locks the vault after d without use; 0 never locks on its own.
	SetIdleTimeout(ctx context.Context, d time.Duration) error
	// SetRemember keeps the key in the OS keyring so that the vault opens without the password on
	// this device.
	SetRemember(ctx context.Context, on bool) error
}

// VaultStatus is the vault's state.
type VaultStatus struct {
	HasPassword bool `json:"hasPassword"`
	Locked      bool `json:"locked"`
	Remember    bool `json:"remember"`
	// IdleMinutes is the idle timeout in minutes; 0 means never.
	IdleMinutes int `json:"idleMinutes"`
}

// Models is the model manager (internal/modelmgr).
type Models interface {
	// List returns installed models and the known downloadable ones.
	List(ctx context.Context) ([]Model, error)
	// Download fetches a known model; progress may be nil.
	Download(ctx context.Context, name string, progress func(done, total int64)) error
	// Import copies a model file the user already has into the model folder.
	Import(ctx context.Context, path, name string) (Model, error)
	Delete(ctx context.Context, name string) error
	SetDefault(ctx context.Context, name string) error
	// Path returns the installed model file for name; "" means the default. ErrNoModel when none.
	Path(ctx context.Context, name string) (string, error)
}

// Model is one model in the settings list.
type Model struct {
	Name         string `json:"name"`
	Description  string `json:"description"`
	Size         int64  `json:"size"` // bytes; the download size for a model not installed
	Installed    bool   `json:"installed"`
	Default      bool   `json:"default"`
	Downloadable bool   `json:"downloadable"`
	Multilingual bool   `json:"multilingual"`
	// Kind is "" for speech-to-text (whisper) models, else what the helper model does: "vad" (finds
	// speech), "segmentation" or "embedding" (speaker diarization). Only whisper models transcribe or
	// can be the default.
	Kind string `json:"kind,omitempty"`
}

// Engines opens speech engines (internal/engine).
type Engines interface {
	// Open loads a model; useGPU asks for the GPU backend where the build has one.
	Open(modelPath string, useGPU bool) (Transcriber, error)
}

// Transcriber is one loaded model. Transcribe is safe for concurrent use.
type Transcriber interface {
	Transcribe(ctx context.Context, samples []float32, opt TranscribeOptions) (*transcript.Transcript, error)
	Close() error
}

// TranscribeOptions are the per-call engine options the app uses.
type TranscribeOptions struct {
	Language  string // "" or "auto" detects
	Translate bool
	Threads   int // 0 = all cores
	Progress  func(percent int)
	// Prompt is text to condition on: vocabulary and style (dictation's custom vocabulary), and for a
	// long file's windows the text before them. Temperature and TemperatureFallback re-decode a
	// window caught in a repetition loop.
	Prompt              string
	Temperature         float32
	TemperatureFallback bool
	// SpeechOnly transcribes only what voice activity detection finds to be speech (timestamps stay
	// the recording's), where the engine has it (the silero-vad model installed); else everything.
	SpeechOnly bool
	// Words asks for word timestamps (speaker identification splits segments between words).
	Words bool
}

// Diarizer identifies speakers (internal/diarize).
type Diarizer interface {
	// Diarize labels t's segments with the speakers heard in samples (16 kHz mono); speakers is the
	// number of speakers if known, else 0. Without its models it returns an error wrapping
	// ErrUnavailable.
	Diarize(ctx context.Context, samples []float32, speakers int, t *transcript.Transcript) error
}

// Decoder turns a media file into 16 kHz samples in memory (internal/audio).
type Decoder interface {
	// DecodeFile returns one slice per channel (only one unless keepChannels).
	DecodeFile(ctx context.Context, path string, keepChannels bool) (channels [][]float32, err error)
}

// StreamDecoder is a Decoder that can also hand a file's 16 kHz mono samples on in chunks as they
// are decoded (bounded memory for long files; read is the fraction of the file read, or -1). Jobs
// without a speaker per channel go through it, in windows, when the Decoder has it.
type StreamDecoder interface {
	StreamFile(ctx context.Context, path string, fn func(samples []float32, read float64) error) (int64, error)
}

// Exporter writes transcripts in the export formats (internal/export).
type Exporter interface {
	Formats() []Format
	Write(w io.Writer, t *transcript.Transcript, format string, opt ExportOptions) error
}

// ExportSealer encrypts an exported file under a password (internal/sealedfile: one vault password
// envelope). Seal's error wraps ErrInvalid when the password is too weak.
type ExportSealer interface {
	Seal(password string, data []byte) ([]byte, error)
	// Ext is appended to a sealed file's name, with its dot.
	Ext() string
}

// Format describes one export format and the options it takes.
type Format struct {
	ID      string         `json:"id"`
	Name    string         `json:"name"`
	Ext     string         `json:"ext"`    // without the dot
	Binary  bool           `json:"binary"` // cannot go to the clipboard
	Options []FormatOption `json:"options"`
}

// FormatOption is one option of an export format.
type FormatOption struct {
	Key   string `json:"key"` // an ExportOptions field name in camelCase, e.g. "timestamps"
	Label string `json:"label"`
	Kind  string `json:"kind"` // "bool" or "int"
	Min   int    `json:"min"`  // for "int"
	Max   int    `json:"max"`  // for "int"
	Hint  string `json:"hint"`
}

// ExportOptions are the options of every format; each format reads the ones it lists.
type ExportOptions struct {
	Timestamps     bool `json:"timestamps"`
	Speakers       bool `json:"speakers"`
	MaxLineLength  int  `json:"maxLineLength"`
	MaxLines       int  `json:"maxLines"`
	WordCues       bool `json:"wordCues"`
	WordsPerCue    int  `json:"wordsPerCue"`
	EscapeFormulas bool `json:"escapeFormulas"`
}

// Wiper deletes everything the product stored on this device (internal/wipe).
type Wiper interface {
	Wipe(ctx context.Context) error
}

// Backup is the opt-in, end-to-end encrypted cloud backup of the library (internal/backup). It is
// off until SignUp or SignIn succeeds. Its errors wrap ErrOffline, ErrSignedOut, ErrWrongPass,
// ErrAccountExists, ErrTryLater, ErrBackupOff or ErrInvalid where they apply.
type Backup interface {
	// Info reports the local state; it does not contact the server.
	Info(ctx context.Context) (BackupInfo, error)
	// SignUp creates an account on acct.Server and turns backup on.
	SignUp(ctx context.Context, acct BackupAccount) error
	// SignIn signs in to an existing account and turns backup on; on a new device the next Sync
	// restores the library.
	SignIn(ctx context.Context, acct BackupAccount) error
	// Sync pulls other devices' changes and pushes this library's.
	Sync(ctx context.Context) (BackupReport, error)
	// SignOut turns backup off on this device; the backup and the local library stay.
	SignOut(ctx context.Context) error
	// DeleteAccount deletes the account and its backup from the server and turns backup off.
	DeleteAccount(ctx context.Context, password string) error
	// ChangePassword changes the account's password after checking the old one (ErrWrongPass); this
	// device stays signed in, the account's other devices must sign in again.
	ChangePassword(ctx context.Context, oldPassword, newPassword string) error
	// Devices lists the devices signed in to the account.
	Devices(ctx context.Context) ([]BackupDevice, error)
	// ResolveDowngrade accepts or rejects a pending downgrade (BackupInfo.PendingDowngrades).
	ResolveDowngrade(ctx context.Context, transcriptID string, accept bool) error
}

// BackupAccount is what the user types to sign up or sign in.
type BackupAccount struct {
	Server string `json:"server"` // https:// base URL
	// Fingerprint pins the server's certificate (hex SHA-256, colons allowed) instead of trusting
	// the system's certificate authorities; for self-signed servers. "" uses the system roots.
	Fingerprint string `json:"fingerprint"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	// Remember keeps the backup's data key and session in the OS keychain ("remember on this
	// device"), so that backup runs after a restart without the password. Off: they stay in memory
	// and the next start asks to sign in again.
	Remember bool `json:"remember"`
	// Invite is the invite code for sign-up on a server with invite-only registration.
	Invite string `json:"invite"`
}

// BackupInfo is the backup's local state.
type BackupInfo struct {
	Enabled     bool      `json:"enabled"`
	Server      string    `json:"server"`
	Fingerprint string    `json:"fingerprint"`
	Email       string    `json:"email"`
	DeviceID    string    `json:"deviceId"`
	LastSync    time.Time `json:"lastSync"`
	Remember    bool      `json:"remember"`
	// PendingDowngrades are the transcripts (ids) for which another device's copy would make a
	// Private transcript Standard; they stay Private until ResolveBackupDowngrade.
	PendingDowngrades []string `json:"pendingDowngrades"`
}

// BackupReport counts what one sync did.
type BackupReport struct {
	Pushed        int `json:"pushed"`
	Pulled        int `json:"pulled"`
	DeletedLocal  int `json:"deletedLocal"`
	DeletedRemote int `json:"deletedRemote"`
	Conflicts     int `json:"conflicts"`
	Skipped       int `json:"skipped"` // Private transcripts left for later: the vault is locked
	Damaged       int `json:"damaged"` // server objects that failed to decrypt
}

// BackupDevice is one device signed in to the backup account.
type BackupDevice struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"lastSeen"`
	Current  bool      `json:"current"`
}
