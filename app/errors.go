package app

import (
	"context"
	"errors"
)

// Sentinel errors. The wire adapters wrap the real packages' errors with these (errors.Is works on
// both), so the app can tell the user what went wrong without importing the packages.
var (
	ErrUnsupported  = errors.New("unsupported file type")
	ErrCorrupt      = errors.New("the file is damaged or not audio")
	ErrEmpty        = errors.New("the file has no audio")
	ErrMissingTool  = errors.New("a helper program needed for this file is not installed")
	ErrNoModel      = errors.New("no speech model installed")
	ErrModel        = errors.New("the model file cannot be used")
	ErrLocked       = errors.New("private transcripts are locked")
	ErrWrongPass    = errors.New("wrong password")
	ErrNotFound     = errors.New("not found")
	ErrUnavailable  = errors.New("not available in this build")
	ErrInvalid      = errors.New("invalid request")
	ErrConfirmation = errors.New("confirmation text does not match")
	// ErrNoVaultPassword refuses Private work before a vault password exists.
	ErrNoVaultPassword = errors.New("set a vault password in Settings before making private transcripts")

	// Cloud backup.
	ErrBackupOff     = errors.New("cloud backup is off")
	ErrOffline       = errors.New("the backup server cannot be reached; nothing is lost, sync again later")
	ErrSignedOut     = errors.New("signed out of cloud backup; sign in again")
	ErrAccountExists = errors.New("sign-up refused: this email may already have an account (sign in instead), or the server needs an invite or accepts no new accounts")
	ErrTryLater      = errors.New("too many attempts; try again later")
	ErrBackupQuota   = errors.New("the backup account's storage quota on the server is full")
	// ErrBackupTampered: the server served altered, older or withheld data, or reported a deletion
	// no device made; nothing local was changed for it.
	ErrBackupTampered = errors.New("the backup server returned altered, older or missing data; nothing on this device was changed")
	// ErrBackupDowngrade: another device's copy would make a Private transcript Standard; it waits
	// for the user (BackupInfo.PendingDowngrades, ResolveBackupDowngrade).
	ErrBackupDowngrade = errors.New("another device made a Private transcript Standard; confirm or reject it")
)

// ErrorKind is a short, stable name for an error's cause, for the window to pick an icon or hint.
type ErrorKind string

// Error kinds reported in Job.ErrorKind.
const (
	KindNone        ErrorKind = ""
	KindUnsupported ErrorKind = "unsupported"
	KindCorrupt     ErrorKind = "corrupt"
	KindEmpty       ErrorKind = "empty"
	KindMissingTool ErrorKind = "missing-tool"
	KindNoModel     ErrorKind = "no-model"
	KindModel       ErrorKind = "model"
	KindLocked      ErrorKind = "locked"
	KindNotFound    ErrorKind = "not-found"
	KindCancelled   ErrorKind = "cancelled"
	KindInternal    ErrorKind = "internal"
)

var kinds = []struct {
	err  error
	kind ErrorKind
	hint string
}{
	{ErrUnsupported, KindUnsupported, "This file type is not supported. Try a common audio or video format (WAV, MP3, FLAC, OGG, M4A, MP4)."},
	{ErrCorrupt, KindCorrupt, "The file looks damaged or is not an audio/video file."},
	{ErrEmpty, KindEmpty, "The file contains no audio."},
	{ErrMissingTool, KindMissingTool, "Decoding this format needs FFmpeg, which is not installed."},
	{ErrNoModel, KindNoModel, "No speech model is installed yet. Download or import one in Settings → Models."},
	{ErrModel, KindModel, "The selected model file cannot be loaded. Re-download or re-import it."},
	{ErrLocked, KindLocked, "Unlock your private transcripts first."},
	{ErrNotFound, KindNotFound, "The file was not found. It may have been moved or deleted."},
	{context.Canceled, KindCancelled, "Cancelled."},
}

// classify returns err's kind and a sentence a person can act on.
func classify(err error) (ErrorKind, string) {
	if err == nil {
		return KindNone, ""
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.kind, k.hint
		}
	}
	return KindInternal, "Something went wrong: " + err.Error()
}
