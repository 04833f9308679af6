// Package api holds the wire types of the Hushscribe backup protocol (version 1): the JSON bodies,
// headers and limits shared by the server (internal/backupserver) and the client
// (internal/backup). It has no behaviour beyond validation helpers.
//
// Routes, all under HTTPS with TLS 1.3:
//
//	POST   /v1/signup            SignUpRequest        -> Session (201), or 403 signup_refused
//	POST   /v1/signin            SignInRequest        -> Session
//	POST   /v1/signout           (token)              -> 204
//	POST   /v1/account/password  PasswordRequest      -> 204 (token; other sessions are ended)
//	DELETE /v1/account           DeleteAccountRequest -> 204 (token; everything is deleted)
//	GET    /v1/devices           (token)              -> Devices
//	GET    /v1/changes?since=C   (token)              -> Changes
//	PUT    /v1/objects/{id}      (token, If-Match, Hushscribe-Content-Sha256, body) -> Object
//	GET    /v1/objects/{id}      (token)              -> body, Hushscribe-Version and -Content-Sha256
//	DELETE /v1/objects/{id}      (token, If-Match)    -> Object (a tombstone)
//
// The token is sent as "Authorization: Bearer TOKEN". If-Match carries the version the client
// last saw (0 to create); a mismatch is answered 409 with an Error whose Version is the current one.
package api

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Headers used by the object routes.
const (
	// HeaderVersion carries an object's version in GET responses.
	HeaderVersion = "Hushscribe-Version"
	// HeaderContentSHA256 carries the lowercase hex SHA-256 of an object's (encrypted) body.
	HeaderContentSHA256 = "Hushscribe-Content-Sha256"
	// HeaderIfMatch carries the base version of a PUT or DELETE.
	HeaderIfMatch = "If-Match"
)

// Limits of protocol version 1.
const (
	// AuthKeySize is the length of the authentication key the client derives from the password.
	AuthKeySize = 32
	// MaxKeyFileSize bounds the wrapped backup data key an account stores.
	MaxKeyFileSize = 1024
	// MaxEmailLength is the longest email address accepted (RFC 5321).
	MaxEmailLength = 254
	// MaxDeviceNameLength bounds device names, in bytes.
	MaxDeviceNameLength = 100
	// MaxChangesLimit is the most changes one /v1/changes response holds.
	MaxChangesLimit = 1000
)

// Error codes in Error.Code.
const (
	CodeBadRequest    = "bad_request"
	CodeUnauthorized  = "unauthorized"
	CodeNotFound      = "not_found"
	CodeConflict      = "conflict"
	CodeExists        = "account_exists"
	CodeTooLarge      = "too_large"
	CodeRateLimited   = "rate_limited"
	CodeLockedOut     = "locked_out"
	CodeSignUpRefused = "signup_refused"
	CodeQuota         = "quota_exceeded"
	CodeInternal      = "internal"
)

// SignUpRequest creates an account. AuthKey is the authentication key derived from the password
// (never the password); KeyFile is the backup data key wrapped under the encryption key (a vault key
// file), which the server keeps as an opaque blob.
type SignUpRequest struct {
	Email      string `json:"email"`
	AuthKey    []byte `json:"auth_key"`
	KeyFile    []byte `json:"key_file"`
	DeviceName string `json:"device_name,omitempty"`
	// Invite is the invite code a server with invite-only registration asks for.
	Invite string `json:"invite,omitempty"`
}

// SignInRequest opens a session. DeviceID, when set and known for the account, reuses that device.
type SignInRequest struct {
	Email      string `json:"email"`
	AuthKey    []byte `json:"auth_key"`
	DeviceID   string `json:"device_id,omitempty"`
	DeviceName string `json:"device_name,omitempty"`
}

// Session is the answer to a sign-up or sign-in.
type Session struct {
	Token     string    `json:"token"`
	Expires   time.Time `json:"expires"`
	AccountID string    `json:"account_id"`
	DeviceID  string    `json:"device_id"`
	KeyFile   []byte    `json:"key_file"`
}

// PasswordRequest replaces the authentication key and the wrapped data key.
type PasswordRequest struct {
	AuthKey    []byte `json:"auth_key"`
	NewAuthKey []byte `json:"new_auth_key"`
	KeyFile    []byte `json:"key_file"`
}

// DeleteAccountRequest confirms an account deletion with the authentication key.
type DeleteAccountRequest struct {
	AuthKey []byte `json:"auth_key"`
}

// Device is one device that signed in to the account.
type Device struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
	Current  bool      `json:"current,omitempty"`
}

// Devices lists an account's devices.
type Devices struct {
	Devices []Device `json:"devices"`
}

// Object describes one stored object version (or tombstone, when Deleted).
type Object struct {
	ID       string    `json:"id"`
	Version  int64     `json:"version"`
	Size     int64     `json:"size"`
	SHA256   string    `json:"sha256,omitempty"`
	Deleted  bool      `json:"deleted,omitempty"`
	Modified time.Time `json:"modified"`
	DeviceID string    `json:"device_id,omitempty"`
	// Seq is the object's position in the change feed; as a decimal string it is a cursor that
	// resumes the feed right after this change.
	Seq int64 `json:"seq,omitempty"`
}

// Changes is a page of the account's change feed: the latest state of every object changed after
// the request's cursor, oldest change first. Cursor is passed as "since" to get the next page; More
// says whether one exists.
type Changes struct {
	Changes []Object `json:"changes"`
	Cursor  string   `json:"cursor"`
	More    bool     `json:"more"`
}

// Error is the body of every 4xx and 5xx response.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Version is the object's current version in a 409 answer to PUT or DELETE.
	Version int64 `json:"version,omitempty"`
}

var objectIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// ValidObjectID reports whether id may name an object: 1 to 128 ASCII letters, digits, '-' or '_'.
func ValidObjectID(id string) bool { return objectIDPattern.MatchString(id) }

// NormalizeEmail returns the canonical form of an email address (surrounding space removed,
// lower-cased) and whether it looks like an address. Client and server both use it: the client
// derives the account's key-derivation salt from the normalized form.
func NormalizeEmail(email string) (string, bool) {
	if !utf8.ValidString(email) {
		return "", false
	}
	e := strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(e, '@')
	if len(e) > MaxEmailLength || at < 1 || at == len(e)-1 {
		return "", false
	}
	for _, r := range e {
		if r <= ' ' || r == 0x7f {
			return "", false
		}
	}
	return e, true
}
