// Package backupserver is Hushscribe's end-to-end encrypted backup server. It stores accounts and
// opaque encrypted objects for the clients in internal/backup, and can read none of them: a client
// sends only a key derived from the password (which the server hashes again with argon2id) and
// objects already encrypted with a key the server never sees. See docs/PRIVACY.md for exactly what the
// server learns, and package api for the protocol.
//
// The server speaks HTTPS only, with TLS 1.3 as the minimum and an HSTS header (one year, preload)
// on every response. Storage is split in two interfaces: Meta (accounts, sessions, object
// metadata; SQLite or PostgreSQL) and Blobs (object bytes; local files or S3-compatible storage).
// An upload is acknowledged only after its bytes are durable in Blobs and its metadata is committed
// in Meta, so a crash loses no acknowledged object.
package backupserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hushscribe/hushscribe/internal/backupserver/api"
)

// HSTS is the Strict-Transport-Security header value sent on every response.
const HSTS = "max-age=31536000; includeSubDomains; preload"

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 64 << 10

// Config configures a Server. Meta and Blobs are required; zero values of the rest mean the
// defaults given.
type Config struct {
	Meta  Meta
	Blobs Blobs
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Argon2 are the parameters for new verifiers; zero means DefaultArgon2.
	Argon2 Argon2Params
	// SessionTTL is how long a session lives without use (30 days); each use extends it, up to
	// SessionMaxAge (365 days) after sign-in.
	SessionTTL    time.Duration
	SessionMaxAge time.Duration
	// MaxObjectSize bounds an object's size in bytes (32 MiB).
	MaxObjectSize int64
	// MaxLoginFailures consecutive failed sign-ins for an email address from one source (a client
	// IPv4 address or IPv6 /64) are free (10); each further failure locks that pair out for
	// LockoutDuration (1 minute), doubled with every further failure up to MaxLockout (1 hour). A
	// sign-in from another source is not affected, so nobody can lock a user out from elsewhere.
	MaxLoginFailures int
	LockoutDuration  time.Duration
	MaxLockout       time.Duration
	// Registration says who may create accounts: RegistrationOpen (the default), RegistrationInvite
	// (only with one of InviteCodes) or RegistrationClosed.
	Registration Registration
	InviteCodes  []string
	// MaxAccountBytes and MaxAccountObjects are the per-account quota of live objects (10 GiB,
	// 100,000); uploads beyond it are refused with 413 and api.CodeQuota.
	MaxAccountBytes   int64
	MaxAccountObjects int64
	// AuthPerMinute and AuthBurst bound the sign-up, sign-in, password and delete-account requests
	// per client IP address (10 a minute, bursts of 10).
	AuthPerMinute int
	AuthBurst     int
	// MaxConcurrentHashes bounds the argon2id computations running at once (4), which bounds their
	// memory.
	MaxConcurrentHashes int
	// Logger receives operational messages (never tokens, keys or bodies); nil discards them.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Argon2 == (Argon2Params{}) {
		c.Argon2 = DefaultArgon2()
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 30 * 24 * time.Hour
	}
	if c.SessionMaxAge <= 0 {
		c.SessionMaxAge = 365 * 24 * time.Hour
	}
	if c.MaxObjectSize <= 0 {
		c.MaxObjectSize = 32 << 20
	}
	if c.MaxLoginFailures <= 0 {
		c.MaxLoginFailures = 10
	}
	if c.LockoutDuration <= 0 {
		c.LockoutDuration = time.Minute
	}
	if c.MaxLockout <= 0 {
		c.MaxLockout = time.Hour
	}
	if c.MaxLockout < c.LockoutDuration {
		c.MaxLockout = c.LockoutDuration
	}
	if c.Registration == "" {
		c.Registration = RegistrationOpen
	}
	if c.MaxAccountBytes <= 0 {
		c.MaxAccountBytes = 10 << 30
	}
	if c.MaxAccountObjects <= 0 {
		c.MaxAccountObjects = 100_000
	}
	if c.AuthPerMinute <= 0 {
		c.AuthPerMinute = 10
	}
	if c.AuthBurst <= 0 {
		c.AuthBurst = 10
	}
	if c.MaxConcurrentHashes <= 0 {
		c.MaxConcurrentHashes = 4
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Registration is a server's sign-up policy.
type Registration string

// Registration policies.
const (
	RegistrationOpen   Registration = "open"
	RegistrationInvite Registration = "invite"
	RegistrationClosed Registration = "closed"
)

// ParseRegistration checks a policy name (for flags).
func ParseRegistration(s string) (Registration, error) {
	switch r := Registration(s); r {
	case RegistrationOpen, RegistrationInvite, RegistrationClosed:
		return r, nil
	}
	return "", fmt.Errorf("backupserver: registration %q: want open, invite or closed", s)
}

// Server is the backup service. Its Handler is safe for concurrent use.
type Server struct {
	backoff Backoff
	cfg     Config
	limiter *rateLimiter
	hashSem chan struct{}
	dummy   string // verifier checked for unknown emails, so they cost the same time
	handler http.Handler
}

// New returns a Server over the given storage.
func New(cfg Config) (*Server, error) {
	if cfg.Meta == nil || cfg.Blobs == nil {
		return nil, errors.New("backupserver: Config.Meta and Config.Blobs are required")
	}
	cfg.setDefaults()
	if _, err := ParseRegistration(string(cfg.Registration)); err != nil {
		return nil, err
	}
	if cfg.Registration == RegistrationInvite && len(cfg.InviteCodes) == 0 {
		return nil, errors.New("backupserver: registration by invite needs Config.InviteCodes")
	}
	var dummyKey [api.AuthKeySize]byte
	rand.Read(dummyKey[:])
	dummy, err := newVerifier(dummyKey[:], cfg.Argon2)
	if err != nil {
		return nil, err
	}
	s := &Server{
		backoff: Backoff{Free: cfg.MaxLoginFailures, First: cfg.LockoutDuration, Max: cfg.MaxLockout},
		cfg:     cfg,
		limiter: newRateLimiter(cfg.AuthPerMinute, cfg.AuthBurst),
		hashSem: make(chan struct{}, cfg.MaxConcurrentHashes),
		dummy:   dummy,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/signup", s.limited(s.signUp))
	mux.HandleFunc("POST /v1/signin", s.limited(s.signIn))
	mux.HandleFunc("POST /v1/signout", s.authed(s.signOut))
	mux.HandleFunc("POST /v1/account/password", s.limited(s.authed(s.changePassword)))
	mux.HandleFunc("DELETE /v1/account", s.limited(s.authed(s.deleteAccount)))
	mux.HandleFunc("GET /v1/devices", s.authed(s.devices))
	mux.HandleFunc("GET /v1/changes", s.authed(s.changes))
	mux.HandleFunc("PUT /v1/objects/{id}", s.authed(s.putObject))
	mux.HandleFunc("GET /v1/objects/{id}", s.authed(s.getObject))
	mux.HandleFunc("DELETE /v1/objects/{id}", s.authed(s.deleteObject))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, api.CodeNotFound, "no such route")
	})
	s.handler = s.secure(mux)
	return s, nil
}

// Handler returns the HTTP handler. Serve it only over TLS (see TLSConfig and HTTPServer).
func (s *Server) Handler() http.Handler { return s.handler }

// TLSConfig returns the TLS configuration the server must be served with: TLS 1.3 minimum.
func TLSConfig(certs ...tls.Certificate) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: certs}
}

// HTTPServer returns an http.Server for the handler with TLSConfig(cert) and timeouts; start it
// with ServeTLS(listener, "", "") or ListenAndServeTLS("", "").
func (s *Server) HTTPServer(addr string, cert tls.Certificate) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.handler,
		TLSConfig:         TLSConfig(cert),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute,
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
}

// Maintain deletes expired sessions and the blobs of deleted accounts whose purge did not finish
// (after a crash). Call it at start and then periodically.
func (s *Server) Maintain(ctx context.Context) error {
	ids, err := s.cfg.Meta.PendingPurges(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.purge(ctx, id); err != nil {
			return err
		}
	}
	if _, err := s.cfg.Meta.DeleteExpiredSessions(ctx, s.cfg.Clock()); err != nil {
		return err
	}
	return nil
}

func (s *Server) purge(ctx context.Context, accountID string) error {
	if err := s.cfg.Blobs.DeletePrefix(ctx, accountID+"/"); err != nil {
		return fmt.Errorf("purge account blobs: %w", err)
	}
	return s.cfg.Meta.FinishPurge(ctx, accountID)
}

// secure adds the security headers to every response and turns panics into 500s.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Strict-Transport-Security", HSTS)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.cfg.Logger.Error("panic in handler", "route", r.Pattern, "panic", v)
				writeError(w, http.StatusInternalServerError, api.CodeInternal, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limited applies the per-IP rate limit of the authentication routes.
func (s *Server) limited(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.limiter.allow(clientIP(r), s.cfg.Clock()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			writeError(w, http.StatusTooManyRequests, api.CodeRateLimited, "too many requests")
			return
		}
		next(w, r)
	}
}

type sessionKey struct{}

// authed requires a valid session token and puts the session in the request context.
func (s *Server) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		hash := tokenHash(token)
		if !ok || hash == nil {
			writeError(w, http.StatusUnauthorized, api.CodeUnauthorized, "missing or malformed token")
			return
		}
		sess, err := s.cfg.Meta.Session(r.Context(), hash)
		if errors.Is(err, ErrNotFound) {
			writeError(w, http.StatusUnauthorized, api.CodeUnauthorized, "invalid or expired token")
			return
		}
		if err != nil {
			s.internal(w, r, err)
			return
		}
		now := s.cfg.Clock()
		if !now.Before(sess.Expires) {
			s.cfg.Meta.DeleteSession(r.Context(), hash)
			writeError(w, http.StatusUnauthorized, api.CodeUnauthorized, "invalid or expired token")
			return
		}
		// Slide the expiry, writing at most about ten times per TTL.
		if exp := minTime(now.Add(s.cfg.SessionTTL), sess.Created.Add(s.cfg.SessionMaxAge)); exp.Sub(sess.Expires) > s.cfg.SessionTTL/10 {
			if err := s.cfg.Meta.ExtendSession(r.Context(), hash, exp); err == nil {
				sess.Expires = exp
				s.cfg.Meta.PutDevice(r.Context(), Device{AccountID: sess.AccountID, ID: sess.DeviceID, LastSeen: now, Name: s.deviceName(r.Context(), sess)})
			}
		}
		next(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
	}
}

func (s *Server) deviceName(ctx context.Context, sess Session) string {
	d, err := s.cfg.Meta.Device(ctx, sess.AccountID, sess.DeviceID)
	if err != nil {
		return ""
	}
	return d.Name
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func session(r *http.Request) Session { return r.Context().Value(sessionKey{}).(Session) }

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Logger.Error("request failed", "route", r.Pattern, "err", err)
	writeError(w, http.StatusInternalServerError, api.CodeInternal, "internal error")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, api.Error{Code: code, Message: msg})
}

// readJSON decodes exactly one JSON object of at most maxJSONBody bytes with no unknown fields.
// On failure it has already answered 400 or 413.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, e := dec.Token(); e != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, api.CodeTooLarge, "request body too large")
		} else {
			writeError(w, http.StatusBadRequest, api.CodeBadRequest, "malformed JSON body")
		}
		return false
	}
	return true
}

func validDeviceName(name string) bool {
	if len(name) > api.MaxDeviceNameLength || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func validCredentials(email string, authKey []byte) (string, bool) {
	e, ok := api.NormalizeEmail(email)
	return e, ok && len(authKey) == api.AuthKeySize
}

// hash and verify run argon2id under the concurrency bound.
func (s *Server) hash(ctx context.Context, key []byte) (string, error) {
	select {
	case s.hashSem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.hashSem }()
	return newVerifier(key, s.cfg.Argon2)
}

func (s *Server) verify(ctx context.Context, verifier string, key []byte) (bool, error) {
	select {
	case s.hashSem <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.hashSem }()
	return checkVerifier(verifier, key)
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// openSession creates a session (and the device, if new) and answers with it.
func (s *Server) openSession(w http.ResponseWriter, r *http.Request, status int, a Account, deviceID, deviceName string) {
	ctx := r.Context()
	now := s.cfg.Clock()
	d := Device{AccountID: a.ID, ID: deviceID, Name: deviceName, Created: now, LastSeen: now}
	if deviceID != "" {
		if old, err := s.cfg.Meta.Device(ctx, a.ID, deviceID); err == nil {
			d.Created = old.Created
			if deviceName == "" {
				d.Name = old.Name
			}
		} else {
			d.ID = ""
		}
	}
	if d.ID == "" {
		d.ID = newID()
	}
	if err := s.cfg.Meta.PutDevice(ctx, d); err != nil {
		s.internal(w, r, err)
		return
	}
	token, hash, err := newToken()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	sess := Session{TokenHash: hash, AccountID: a.ID, DeviceID: d.ID, Created: now, Expires: now.Add(s.cfg.SessionTTL)}
	if err := s.cfg.Meta.CreateSession(ctx, sess); err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, status, api.Session{Token: token, Expires: sess.Expires, AccountID: a.ID, DeviceID: d.ID, KeyFile: a.KeyFile})
}

func (s *Server) signUp(w http.ResponseWriter, r *http.Request) {
	var req api.SignUpRequest
	if !readJSON(w, r, &req) {
		return
	}
	email, ok := validCredentials(req.Email, req.AuthKey)
	if !ok || len(req.KeyFile) == 0 || len(req.KeyFile) > api.MaxKeyFileSize || !validDeviceName(req.DeviceName) {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "invalid email, key, key file or device name")
		return
	}
	// Every refusal (registration closed, no valid invite, address taken) answers the same, after
	// the same work, so that without an invite nothing tells whether an address has an account.
	refuse := func() {
		writeError(w, http.StatusForbidden, api.CodeSignUpRefused, "sign-up refused: the address may have an account (sign in), or this server does not accept new accounts")
	}
	allowed := s.cfg.Registration == RegistrationOpen || (s.cfg.Registration == RegistrationInvite && s.validInvite(req.Invite))
	verifier, err := s.hash(r.Context(), req.AuthKey)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !allowed {
		refuse()
		return
	}
	a := Account{ID: newID(), Email: email, Verifier: verifier, KeyFile: req.KeyFile, Created: s.cfg.Clock()}
	if err := s.cfg.Meta.CreateAccount(r.Context(), a); errors.Is(err, ErrExists) {
		refuse()
		return
	} else if err != nil {
		s.internal(w, r, err)
		return
	}
	s.openSession(w, r, http.StatusCreated, a, "", req.DeviceName)
}

// validInvite compares code with every invite code in constant time.
func (s *Server) validInvite(code string) bool {
	ok := 0
	for _, c := range s.cfg.InviteCodes {
		if c != "" {
			ok |= subtle.ConstantTimeCompare([]byte(c), []byte(code))
		}
	}
	return ok == 1
}

// checkPassword verifies authKey for the email address, with lock-out. It returns the account, or
// false after answering 401, 429 or 500. Unknown addresses cost the same and answer the same.
func (s *Server) checkPassword(w http.ResponseWriter, r *http.Request, email string, authKey []byte) (Account, bool) {
	ctx := r.Context()
	key := lockoutKey(email, lockoutSource(clientIP(r)))
	now := s.cfg.Clock()
	locked, err := s.cfg.Meta.LockedUntil(ctx, key)
	if err != nil {
		s.internal(w, r, err)
		return Account{}, false
	}
	if now.Before(locked) {
		w.Header().Set("Retry-After", strconv.Itoa(int(locked.Sub(now)/time.Second)+1))
		writeError(w, http.StatusTooManyRequests, api.CodeLockedOut, "too many failed sign-ins; try again later")
		return Account{}, false
	}
	a, err := s.cfg.Meta.AccountByEmail(ctx, email)
	verifier := a.Verifier
	if errors.Is(err, ErrNotFound) {
		verifier = s.dummy
	} else if err != nil {
		s.internal(w, r, err)
		return Account{}, false
	}
	match, err := s.verify(ctx, verifier, authKey)
	if err != nil {
		s.internal(w, r, err)
		return Account{}, false
	}
	if !match || a.ID == "" {
		if _, err := s.cfg.Meta.LoginFailure(ctx, key, now, s.backoff); err != nil {
			s.internal(w, r, err)
			return Account{}, false
		}
		writeError(w, http.StatusUnauthorized, api.CodeUnauthorized, "wrong email or password")
		return Account{}, false
	}
	if err := s.cfg.Meta.ClearLoginFailures(ctx, key); err != nil {
		s.internal(w, r, err)
		return Account{}, false
	}
	return a, true
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	var req api.SignInRequest
	if !readJSON(w, r, &req) {
		return
	}
	email, ok := validCredentials(req.Email, req.AuthKey)
	if !ok || !validDeviceName(req.DeviceName) || (req.DeviceID != "" && !api.ValidObjectID(req.DeviceID)) {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "invalid email, key or device")
		return
	}
	a, ok := s.checkPassword(w, r, email, req.AuthKey)
	if !ok {
		return
	}
	s.openSession(w, r, http.StatusOK, a, req.DeviceID, req.DeviceName)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Meta.DeleteSession(r.Context(), session(r).TokenHash); err != nil {
		s.internal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// reauth checks the authentication key of the signed-in account.
func (s *Server) reauth(w http.ResponseWriter, r *http.Request, authKey []byte) (Account, bool) {
	a, err := s.cfg.Meta.Account(r.Context(), session(r).AccountID)
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusUnauthorized, api.CodeUnauthorized, "account deleted")
		return Account{}, false
	} else if err != nil {
		s.internal(w, r, err)
		return Account{}, false
	}
	if len(authKey) != api.AuthKeySize {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "invalid key")
		return Account{}, false
	}
	return s.checkPassword(w, r, a.Email, authKey)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	var req api.PasswordRequest
	if !readJSON(w, r, &req) {
		return
	}
	if len(req.NewAuthKey) != api.AuthKeySize || len(req.KeyFile) == 0 || len(req.KeyFile) > api.MaxKeyFileSize {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "invalid new key or key file")
		return
	}
	a, ok := s.reauth(w, r, req.AuthKey)
	if !ok {
		return
	}
	verifier, err := s.hash(r.Context(), req.NewAuthKey)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if err := s.cfg.Meta.UpdateCredentials(r.Context(), a.ID, verifier, req.KeyFile); err != nil {
		s.internal(w, r, err)
		return
	}
	if err := s.cfg.Meta.DeleteOtherSessions(r.Context(), a.ID, session(r).TokenHash); err != nil {
		s.internal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) {
	var req api.DeleteAccountRequest
	if !readJSON(w, r, &req) {
		return
	}
	a, ok := s.reauth(w, r, req.AuthKey)
	if !ok {
		return
	}
	if err := s.cfg.Meta.DeleteAccount(r.Context(), a.ID); err != nil {
		s.internal(w, r, err)
		return
	}
	// The metadata is gone; the blobs go now, or at the next Maintain if this fails.
	if err := s.purge(context.WithoutCancel(r.Context()), a.ID); err != nil {
		s.cfg.Logger.Warn("purge deferred", "err", err)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) devices(w http.ResponseWriter, r *http.Request) {
	sess := session(r)
	ds, err := s.cfg.Meta.Devices(r.Context(), sess.AccountID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := api.Devices{Devices: []api.Device{}}
	for _, d := range ds {
		out.Devices = append(out.Devices, api.Device{ID: d.ID, Name: d.Name, Created: d.Created, LastSeen: d.LastSeen, Current: d.ID == sess.DeviceID})
	}
	writeJSON(w, http.StatusOK, out)
}

func apiObject(o Object) api.Object {
	out := api.Object{ID: o.ID, Version: o.Version, Size: o.Size, Deleted: o.Deleted, Modified: o.Modified, DeviceID: o.DeviceID, Seq: o.Seq}
	if o.SHA256 != nil {
		out.SHA256 = hex.EncodeToString(o.SHA256)
	}
	return out
}

func (s *Server) changes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, limit := int64(0), 500
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, api.CodeBadRequest, "invalid cursor")
			return
		}
		since = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > api.MaxChangesLimit {
			writeError(w, http.StatusBadRequest, api.CodeBadRequest, "invalid limit")
			return
		}
		limit = n
	}
	objs, err := s.cfg.Meta.Changes(r.Context(), session(r).AccountID, since, limit+1)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := api.Changes{Changes: []api.Object{}, Cursor: strconv.FormatInt(since, 10)}
	if len(objs) > limit {
		objs, out.More = objs[:limit], true
	}
	for _, o := range objs {
		out.Changes = append(out.Changes, apiObject(o))
		out.Cursor = strconv.FormatInt(o.Seq, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

// objectRequest reads the object id and, if needed, the If-Match base version; on failure it has
// answered 400.
func objectRequest(w http.ResponseWriter, r *http.Request, needBase bool) (id string, base int64, ok bool) {
	id = r.PathValue("id")
	if !api.ValidObjectID(id) {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "invalid object id")
		return "", 0, false
	}
	if !needBase {
		return id, 0, true
	}
	v := strings.Trim(r.Header.Get(api.HeaderIfMatch), `"`)
	base, err := strconv.ParseInt(v, 10, 64)
	if err != nil || base < 0 || base == 1<<63-1 {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "missing or invalid If-Match version")
		return "", 0, false
	}
	return id, base, true
}

func writeConflict(w http.ResponseWriter, current int64) {
	writeJSON(w, http.StatusConflict, api.Error{Code: api.CodeConflict, Message: "version conflict", Version: current})
}

// hashingReader hashes what it reads.
type hashingReader struct {
	r io.Reader
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	return n, err
}

func (s *Server) putObject(w http.ResponseWriter, r *http.Request) {
	id, base, ok := objectRequest(w, r, true)
	if !ok {
		return
	}
	wantHash, err := hex.DecodeString(r.Header.Get(api.HeaderContentSHA256))
	if err != nil || len(wantHash) != sha256.Size {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "missing or invalid "+api.HeaderContentSHA256)
		return
	}
	size := r.ContentLength
	if size < 0 {
		writeError(w, http.StatusLengthRequired, api.CodeBadRequest, "Content-Length required")
		return
	}
	if size == 0 {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "empty object")
		return
	}
	if size > s.cfg.MaxObjectSize {
		writeError(w, http.StatusRequestEntityTooLarge, api.CodeTooLarge, fmt.Sprintf("object larger than %d bytes", s.cfg.MaxObjectSize))
		return
	}
	ctx := r.Context()
	sess := session(r)
	// Refuse a stale base, or an upload over the account's quota, before receiving the body.
	cur, err := s.cfg.Meta.Object(ctx, sess.AccountID, id)
	if err == nil && cur.Version == base {
		objects, bytes, uerr := s.cfg.Meta.Usage(ctx, sess.AccountID)
		if uerr != nil {
			s.internal(w, r, uerr)
			return
		}
		if !cur.Deleted {
			objects, bytes = objects-1, bytes-cur.Size // replaced by this upload
		}
		if !s.withinQuota(w, objects, bytes, size) {
			return
		}
	} else if errors.Is(err, ErrNotFound) && base == 0 {
		objects, bytes, uerr := s.cfg.Meta.Usage(ctx, sess.AccountID)
		if uerr != nil {
			s.internal(w, r, uerr)
			return
		}
		if !s.withinQuota(w, objects, bytes, size) {
			return
		}
	}
	if err == nil && cur.Version != base {
		writeConflict(w, cur.Version)
		return
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		s.internal(w, r, err)
		return
	} else if errors.Is(err, ErrNotFound) && base != 0 {
		writeConflict(w, 0)
		return
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	key := fmt.Sprintf("%s/%s/%d-%s", sess.AccountID, id, base+1, hex.EncodeToString(rnd[:]))
	hr := &hashingReader{r: http.MaxBytesReader(w, r.Body, size), h: sha256.New()}
	if err := s.cfg.Blobs.Put(ctx, key, hr, size); err != nil {
		var tooBig *http.MaxBytesError
		if errors.Is(err, ErrSize) || errors.As(err, &tooBig) || ctx.Err() != nil || isClientReadError(err) {
			writeError(w, http.StatusBadRequest, api.CodeBadRequest, "body does not match Content-Length")
			return
		}
		s.internal(w, r, err)
		return
	}
	cleanup := func() { s.cfg.Blobs.Delete(context.WithoutCancel(ctx), key) }
	if got := hr.h.Sum(nil); string(got) != string(wantHash) {
		cleanup()
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "body does not match "+api.HeaderContentSHA256)
		return
	}
	o := Object{AccountID: sess.AccountID, ID: id, Size: size, SHA256: wantHash, BlobKey: key, DeviceID: sess.DeviceID, Modified: s.cfg.Clock()}
	stored, prev, err := s.cfg.Meta.CommitObject(context.WithoutCancel(ctx), o, base)
	switch {
	case errors.Is(err, ErrConflict):
		cleanup()
		writeConflict(w, prev.Version)
		return
	case errors.Is(err, ErrNotFound):
		cleanup()
		writeError(w, http.StatusUnauthorized, api.CodeUnauthorized, "account deleted")
		return
	case err != nil:
		cleanup()
		s.internal(w, r, err)
		return
	}
	if prev.BlobKey != "" {
		if err := s.cfg.Blobs.Delete(context.WithoutCancel(ctx), prev.BlobKey); err != nil {
			s.cfg.Logger.Warn("old blob not deleted", "err", err)
		}
	}
	writeJSON(w, http.StatusOK, apiObject(stored))
}

// withinQuota answers 413 (api.CodeQuota) and returns false if one more object of size would take
// the account past its quota.
func (s *Server) withinQuota(w http.ResponseWriter, objects, bytes, size int64) bool {
	if objects+1 > s.cfg.MaxAccountObjects || bytes+size > s.cfg.MaxAccountBytes {
		writeError(w, http.StatusRequestEntityTooLarge, api.CodeQuota,
			fmt.Sprintf("account quota exceeded (%d objects, %d bytes at most)", s.cfg.MaxAccountObjects, s.cfg.MaxAccountBytes))
		return false
	}
	return true
}

// isClientReadError reports whether err came from reading the request body (a client that hung up
// or sent a malformed chunk), as opposed to a storage failure.
func isClientReadError(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "http: ")
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request) {
	id, _, ok := objectRequest(w, r, false)
	if !ok {
		return
	}
	o, err := s.cfg.Meta.Object(r.Context(), session(r).AccountID, id)
	if errors.Is(err, ErrNotFound) || (err == nil && o.Deleted) {
		writeError(w, http.StatusNotFound, api.CodeNotFound, "no such object")
		return
	} else if err != nil {
		s.internal(w, r, err)
		return
	}
	body, err := s.cfg.Blobs.Get(r.Context(), o.BlobKey)
	if errors.Is(err, ErrNotFound) {
		// Replaced by a newer version since the metadata was read; the client retries.
		writeError(w, http.StatusNotFound, api.CodeNotFound, "object changed; retry")
		return
	} else if err != nil {
		s.internal(w, r, err)
		return
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(o.Size, 10))
	h.Set(api.HeaderVersion, strconv.FormatInt(o.Version, 10))
	h.Set(api.HeaderContentSHA256, hex.EncodeToString(o.SHA256))
	w.WriteHeader(http.StatusOK)
	io.Copy(w, body)
}

func (s *Server) deleteObject(w http.ResponseWriter, r *http.Request) {
	id, base, ok := objectRequest(w, r, true)
	if !ok {
		return
	}
	ctx := r.Context()
	sess := session(r)
	cur, err := s.cfg.Meta.Object(ctx, sess.AccountID, id)
	if errors.Is(err, ErrNotFound) || (err == nil && cur.Deleted) {
		writeError(w, http.StatusNotFound, api.CodeNotFound, "no such object")
		return
	} else if err != nil {
		s.internal(w, r, err)
		return
	}
	o := Object{AccountID: sess.AccountID, ID: id, Deleted: true, DeviceID: sess.DeviceID, Modified: s.cfg.Clock()}
	stored, prev, err := s.cfg.Meta.CommitObject(context.WithoutCancel(ctx), o, base)
	switch {
	case errors.Is(err, ErrConflict):
		writeConflict(w, prev.Version)
		return
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusUnauthorized, api.CodeUnauthorized, "account deleted")
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	if prev.BlobKey != "" {
		if err := s.cfg.Blobs.Delete(context.WithoutCancel(ctx), prev.BlobKey); err != nil {
			s.cfg.Logger.Warn("old blob not deleted", "err", err)
		}
	}
	writeJSON(w, http.StatusOK, apiObject(stored))
}
