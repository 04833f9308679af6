package app

import (
	"fmt"
	"strings"
	"time"
)

// Dictation is push-to-talk dictation (internal/dictation, adapted by app/wire): hold the shortcut,
// speak, and the text is typed into the focused app.
type Dictation interface {
	State() DictationState
	// Listen adds f to the functions that receive every state change, in order, on one goroutine.
	Listen(f func(DictationState))
	// CheckShortcut says whether spec is a shortcut the dictation can register.
	CheckShortcut(spec string) error
	// Apply re-reads the settings (shortcut, insert method).
	Apply()
}

// DictationSettings are the dictation's options.
type DictationSettings struct {
	Mode     string `json:"mode"`     // "push-to-talk" (hold the shortcut) or "toggle"
	Shortcut string `json:"shortcut"` // e.g. "Ctrl+Alt+Space"; "" turns dictation off
	Method   string `json:"method"`   // "auto", "type" or "paste"
	Trailing string `json:"trailing"` // after the text: "none", "space" or "enter"
	Language string `json:"language"` // "auto" or an ISO 639-1 code
	// Model is the model for dictation; "" = the smallest installed one (fast).
	Model  string `json:"model"`
	Prompt string `json:"prompt"` // vocabulary and style for the engine
	// Save also saves each dictation to the library (at Settings.Level); off by default.
	Save bool `json:"save"`
}

// DefaultDictationShortcut is the dictation shortcut of a fresh installation.
const DefaultDictationShortcut = "Ctrl+Alt+Space"

// DefaultDictationSettings: push-to-talk on Ctrl+Alt+Space, typed, a trailing space, nothing saved.
func DefaultDictationSettings() DictationSettings {
	return DictationSettings{Mode: "push-to-talk", Shortcut: DefaultDictationShortcut, Method: "auto",
		Trailing: "space", Language: "auto"}
}

// MaxDictationPrompt bounds DictationSettings.Prompt (whisper.cpp uses at most 224 tokens of it).
const MaxDictationPrompt = 1000

func (d DictationSettings) validate() error {
	oneOf := func(what, v string, ok ...string) error {
		for _, o := range ok {
			if v == o {
				return nil
			}
		}
		return fmt.Errorf("%w: dictation %s %q (want %s)", ErrInvalid, what, v, strings.Join(ok, ", "))
	}
	if err := oneOf("mode", d.Mode, "push-to-talk", "toggle"); err != nil {
		return err
	}
	if err := oneOf("insert method", d.Method, "auto", "type", "paste"); err != nil {
		return err
	}
	if err := oneOf("trailing", d.Trailing, "none", "space", "enter"); err != nil {
		return err
	}
	if len(d.Shortcut) > 64 {
		return fmt.Errorf("%w: dictation shortcut too long", ErrInvalid)
	}
	if d.Language == "" || len(d.Language) > 8 || strings.ContainsAny(d.Language, " /\\") {
		return fmt.Errorf("%w: dictation language %q", ErrInvalid, d.Language)
	}
	if len(d.Model) > 128 || strings.ContainsAny(d.Model, "/\\") {
		return fmt.Errorf("%w: dictation model %q", ErrInvalid, d.Model)
	}
	if len(d.Prompt) > MaxDictationPrompt {
		return fmt.Errorf("%w: dictation vocabulary longer than %d characters", ErrInvalid, MaxDictationPrompt)
	}
	return nil
}

// DictationState is what the window shows of dictation. It carries no dictated text.
type DictationState struct {
	// Available is false where this build has no dictation (no microphone capture).
	Available bool          `json:"available"`
	Phase     string        `json:"phase"` // idle, starting, recording, finishing, transcribing, inserting
	Elapsed   time.Duration `json:"elapsed"`
	Level     InputLevel    `json:"level"`
	// Shortcut is the registered shortcut ("" when none is).
	Shortcut string `json:"shortcut"`
	// Tool is how text is inserted here ("x11 type", "wtype", "SendInput", ...; "clipboard" when
	// it can only be copied).
	Tool string `json:"tool"`
	// Problem says what does not work (the shortcut is taken, a Wayland session without wtype,
	// password fields cannot be recognised, ...), "" when all does.
	Problem string `json:"problem"`
	// Last is what the last dictation did: "" before the first, else a sentence without its text.
	Last string `json:"last"`
}

// DictationStatus returns the dictation's state; Available is false without it.
func (a *App) DictationStatus() (DictationState, error) {
	if a.d.Dictation == nil {
		return DictationState{Phase: "idle"}, nil
	}
	return a.d.Dictation.State(), nil
}
