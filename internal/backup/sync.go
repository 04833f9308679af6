package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver/api"
	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vault"
)

// Report counts what a Sync did.
type Report struct {
	Pushed        int // transcripts uploaded (new or edited)
	Pulled        int // transcripts written into the library from other devices
	DeletedLocal  int // transcripts deleted locally because another device deleted them
	DeletedRemote int // objects deleted on the server because they were deleted here
	Conflicts     int // transcripts changed on both sides; the local version was kept as a copy
	// Skipped counts Private transcripts left for a later Sync because the library is locked.
	Skipped int
	// Damaged counts server objects that failed to decrypt or verify; they are left alone.
	Damaged int
}

// ConflictSuffix is appended to the title of the local version of a transcript changed on two
// devices at once; that copy gets its own id.
const ConflictSuffix = " (conflict copy)"

// errDeferred stops the pull at a change that needs the library unlocked.
var errDeferred = errors.New("needs the library unlocked")

type syncer struct {
	c     *Client
	st    *state
	r     *remote
	dek   *vault.Key
	idKey []byte
	rep   Report
	sums  map[string]store.Summary

	manID    string           // the account manifest's object
	manifest map[string]int64 // the manifest's object versions (lower bounds for this sync)
	problems []error          // the server's misbehaviour found so far (ErrRollback, ...)
	failed   map[string]bool  // objects that failed a check in this sync
}

// Sync pulls the other devices' changes into the library and pushes this library's changes to the
// server. It returns ErrNotEnabled if backup is off, ErrSignedOut if the session ended, and an
// error wrapping ErrOffline if the server cannot be reached; in every case the progress made so far
// is kept and the next Sync resumes from there.
func (c *Client) Sync(ctx context.Context) (Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, token, dek, err := c.session()
	if err != nil {
		return Report{}, err
	}
	defer dek.Destroy()
	idKey, err := objectIDKey(dek)
	if err != nil {
		return Report{}, err
	}
	s := &syncer{c: c, st: st, r: c.remote(token), dek: dek, idKey: idKey, manID: manifestObjectID(idKey), failed: map[string]bool{}}
	if err := s.run(ctx); err != nil {
		return s.rep, fmt.Errorf("backup: sync: %w", errors.Join(append([]error{err}, s.problems...)...))
	}
	if len(s.problems) > 0 {
		return s.rep, fmt.Errorf("backup: sync: %w", errors.Join(s.problems...))
	}
	return s.rep, nil
}

func (s *syncer) save() error { return s.st.save(s.c.cfg.StatePath) }

func (s *syncer) list(ctx context.Context) error {
	sums, err := s.c.lib.List(ctx, store.Filter{})
	if err != nil {
		return fmt.Errorf("list library: %w", err)
	}
	s.sums = make(map[string]store.Summary, len(sums))
	for _, sum := range sums {
		s.sums[sum.ID] = sum
	}
	return nil
}

func (s *syncer) run(ctx context.Context) error {
	if err := s.list(ctx); err != nil {
		return err
	}
	if err := s.loadManifest(ctx); err != nil {
		return err
	}
	if err := s.retry(ctx); err != nil {
		return err
	}
	if err := s.resolveConfirmed(ctx); err != nil {
		return err
	}
	complete, err := s.pull(ctx)
	if err != nil {
		return err
	}
	if complete {
		if err := s.checkWithheld(ctx); err != nil {
			return err
		}
	}
	// Pushing can create conflict copies, which are pushed by a second round.
	for round := 0; round < 3; round++ {
		if err := s.list(ctx); err != nil {
			return err
		}
		before := s.rep.Conflicts
		if err := s.push(ctx); err != nil {
			return err
		}
		if err := s.pushDeletions(ctx); err != nil {
			return err
		}
		if s.rep.Conflicts == before {
			break
		}
	}
	if err := s.writeManifest(ctx); err != nil {
		return err
	}
	s.st.LastSync = time.Now().UTC()
	return s.save()
}

// canonicalExport returns the transcript's JSON export in a canonical form, so that the same
// content always hashes the same whatever the library's representation (time zone of Created,
// nil or empty lists).
func canonicalExport(t *transcript.Transcript) ([]byte, error) {
	c := *t
	c.Created = c.Created.UTC()
	if c.Level == "" {
		c.Level = transcript.Standard
	}
	if len(c.Speakers) == 0 {
		c.Speakers = nil
	}
	if len(c.Segments) == 0 {
		c.Segments = nil
	} else {
		segs := make([]transcript.Segment, len(c.Segments))
		copy(segs, c.Segments)
		for i := range segs {
			if len(segs[i].Words) == 0 {
				segs[i].Words = nil
			}
		}
		c.Segments = segs
	}
	var b bytes.Buffer
	if err := export.Write(&b, &c, export.JSON, export.Options{}); err != nil {
		return nil, fmt.Errorf("export %s: %w", t.ID, err)
	}
	return b.Bytes(), nil
}

func hashOf(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// local reads a local transcript and its canonical export. The bool is false if it does not exist.
func (s *syncer) local(ctx context.Context, id string) (*transcript.Transcript, []byte, bool, error) {
	if _, ok := s.sums[id]; !ok {
		return nil, nil, false, nil
	}
	t, err := s.c.lib.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, false, nil
	}
	if errors.Is(err, store.ErrLocked) {
		return nil, nil, false, errDeferred
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("read %s: %w", id, err)
	}
	data, err := canonicalExport(t)
	if err != nil {
		return nil, nil, false, err
	}
	return t, data, true, nil
}

// unchanged reports, without reading the transcript, whether it is as it was at the last sync.
func (s *syncer) unchanged(id string, e *entry) bool {
	sum, ok := s.sums[id]
	return ok && e != nil && e.LocalHash != "" && !e.LocalUpdated.IsZero() && sum.Updated.Equal(e.LocalUpdated)
}

// saveLocal writes a transcript into the library and returns the entry describing it. The entry
// records the hash of what was saved (not of a re-read, which could include an edit made in
// between); LocalUpdated stays unknown, so the next push compares the content once.
func (s *syncer) saveLocal(ctx context.Context, t *transcript.Transcript, object string, version int64) (*entry, error) {
	data, err := canonicalExport(t)
	if err != nil {
		return nil, err
	}
	if err := s.c.lib.Save(ctx, t); errors.Is(err, store.ErrLocked) {
		return nil, errDeferred
	} else if err != nil {
		return nil, fmt.Errorf("save %s: %w", t.ID, err)
	}
	s.accept(object, version)
	delete(s.st.Pending, t.ID) // this version is in the library now
	return &entry{Object: object, Version: version, LocalHash: hashOf(data), Private: t.Level == transcript.Private}, nil
}

// keepBoth saves the local version of a transcript that also changed on the server as a copy
// with a new id (derived from the original id and the content, so that repeating it after an
// interruption makes no second copy).
func (s *syncer) keepBoth(ctx context.Context, lt *transcript.Transcript, localHash string) error {
	h := sha256.Sum256([]byte("conflict\x00" + lt.ID + "\x00" + localHash))
	cp := *lt
	cp.ID = hex.EncodeToString(h[:16])
	cp.Title += ConflictSuffix
	if err := s.c.lib.Save(ctx, &cp); errors.Is(err, store.ErrLocked) {
		return errDeferred
	} else if err != nil {
		return fmt.Errorf("save conflict copy of %s: %w", lt.ID, err)
	}
	s.rep.Conflicts++
	return nil
}

// pull applies the server's change feed from the saved cursor on. complete is false when it stopped
// at a change that needs the library unlocked.
func (s *syncer) pull(ctx context.Context) (complete bool, err error) {
	for {
		page, err := s.r.changes(ctx, s.st.Cursor)
		if err != nil {
			return false, fmt.Errorf("list changes: %w", err)
		}
		for _, ch := range page.Changes {
			err := s.applyRemote(ctx, ch, false)
			if errors.Is(err, errDeferred) {
				s.rep.Skipped++
				return false, s.save() // resume at this change next time
			}
			if err != nil {
				return false, err
			}
			s.st.Cursor = strconv.FormatInt(ch.Seq, 10)
			if err := s.save(); err != nil {
				return false, err
			}
		}
		s.st.Cursor = page.Cursor
		if err := s.save(); err != nil {
			return false, err
		}
		if !page.More || len(page.Changes) == 0 {
			return true, nil
		}
	}
}

// entryByObject finds the transcript an object belongs to.
func (s *syncer) entryByObject(object string) (string, *entry) {
	for id, e := range s.st.Entries {
		if e.Object == object {
			return id, e
		}
	}
	return "", nil
}

// applyRemote applies one change: one the change feed announced, or (fromManifest) one the account
// manifest says exists.
func (s *syncer) applyRemote(ctx context.Context, ch api.Object, fromManifest bool) error {
	if ch.ID == s.manID {
		return nil // read at the start of the sync
	}
	seen := s.st.Seen[ch.ID]
	switch {
	case ch.Version < seen:
		s.failed[ch.ID] = true
		s.problem(fmt.Errorf("%w: the change feed announced version %d of object %s, this device has seen version %d", ErrRollback, ch.Version, ch.ID, seen))
		return nil
	case ch.Version == seen:
		return nil // already known (our own upload, or seen before an interruption)
	case ch.Version < s.manifest[ch.ID]:
		s.failed[ch.ID] = true
		s.st.Retry[ch.ID] = s.manifest[ch.ID]
		s.problem(fmt.Errorf("%w: the change feed announced version %d of object %s, the account manifest version %d", ErrRollback, ch.Version, ch.ID, s.manifest[ch.ID]))
		return nil
	}
	if ch.Deleted {
		return s.unsignedDeletion(ch)
	}
	o, err := s.fetch(ctx, ch.ID, max(ch.Version, s.floor(ch.ID)))
	switch {
	case errors.Is(err, errObjectGone) && fromManifest:
		s.failed[ch.ID] = true
		s.problem(fmt.Errorf("%w: object %s (version %d in the account manifest) is missing", ErrRollback, ch.ID, ch.Version))
		return nil
	case errors.Is(err, errObjectGone):
		delete(s.st.Retry, ch.ID)
		return nil // replaced or deleted since; a later change in the feed says how
	case errors.Is(err, ErrTampered) || errors.Is(err, ErrRollback):
		if errors.Is(err, ErrTampered) {
			s.rep.Damaged++
		}
		s.failed[ch.ID] = true
		s.st.Retry[ch.ID] = max(ch.Version, s.floor(ch.ID), s.st.Retry[ch.ID])
		s.problem(err)
		return nil
	case err != nil:
		return err
	}
	if err := s.applyObject(ctx, o); err != nil {
		return err
	}
	delete(s.st.Retry, ch.ID)
	return nil
}

// retry fetches again the objects whose announced version failed a check in an earlier sync.
func (s *syncer) retry(ctx context.Context) error {
	ids := make([]string, 0, len(s.st.Retry))
	for id := range s.st.Retry {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if s.st.Seen[id] >= s.st.Retry[id] {
			delete(s.st.Retry, id) // reached by another way
			continue
		}
		err := s.applyRemote(ctx, api.Object{ID: id, Version: s.st.Retry[id]}, false)
		if errors.Is(err, errDeferred) {
			continue
		}
		if err != nil {
			return err
		}
		if err := s.save(); err != nil {
			return err
		}
	}
	return nil
}

// unsignedDeletion handles a deletion that only the server vouches for (its own tombstone): no
// device of the account made it (they upload signed tombstones), so the local copy stays and the
// next push uploads it again.
func (s *syncer) unsignedDeletion(ch api.Object) error {
	id, e := s.entryByObject(ch.ID)
	if e == nil {
		return nil // nothing of it here
	}
	e.Version = ch.Version // the base of the next upload (a revival, or a signed tombstone)
	if _, ok := s.sums[id]; ok {
		e.LocalHash, e.LocalUpdated = "", time.Time{}
		s.failed[ch.ID] = true
		s.problem(fmt.Errorf("%w: object %s version %d; the local transcript was kept", ErrForgedDeletion, ch.ID, ch.Version))
	}
	return nil
}

// applyObject applies an authenticated transcript or tombstone to the library.
func (s *syncer) applyObject(ctx context.Context, o *opened) error {
	if o.kind == kindTombstone {
		return s.applyTombstone(ctx, o)
	}
	if o.kind != kindTranscript {
		return fmt.Errorf("%w: object %s is a %s", ErrTampered, o.object, o.kind)
	}
	t, id := o.t, o.id
	e := s.st.Entries[id]
	if s.holdDowngrade(o, e) {
		return nil
	}
	rh := hashOf(o.data)
	if s.unchanged(id, e) {
		ne, err := s.saveLocal(ctx, t, o.object, o.version)
		if err != nil {
			return err
		}
		s.st.Entries[id] = ne
		s.rep.Pulled++
		return nil
	}
	lt, localData, exists, err := s.local(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case !exists:
		// New here, or deleted here and edited there (the edit wins): bring it.
		ne, err := s.saveLocal(ctx, t, o.object, o.version)
		if err != nil {
			return err
		}
		s.st.Entries[id] = ne
		s.rep.Pulled++
	case hashOf(localData) == rh:
		// Same content on both sides (an upload whose answer was lost, or a restore onto a library
		// that has it): just record it.
		s.accept(o.object, o.version)
		s.st.Entries[id] = &entry{Object: o.object, Version: o.version, LocalHash: rh, LocalUpdated: s.sums[id].Updated, Private: t.Level == transcript.Private}
	case e != nil && hashOf(localData) == e.LocalHash:
		// Unchanged here (its Updated time moved, not its content): take the remote version.
		ne, err := s.saveLocal(ctx, t, o.object, o.version)
		if err != nil {
			return err
		}
		s.st.Entries[id] = ne
		s.rep.Pulled++
	default:
		// Changed on both sides: keep both.
		if err := s.keepBoth(ctx, lt, hashOf(localData)); err != nil {
			return err
		}
		ne, err := s.saveLocal(ctx, t, o.object, o.version)
		if err != nil {
			return err
		}
		s.st.Entries[id] = ne
		s.rep.Pulled++
	}
	return nil
}

// applyTombstone applies a signed deletion made on another device.
func (s *syncer) applyTombstone(ctx context.Context, o *opened) error {
	id := o.id
	e := s.st.Entries[id]
	if _, ok := s.sums[id]; !ok {
		delete(s.st.Entries, id)
		s.accept(o.object, o.version)
		return nil
	}
	if s.unchanged(id, e) {
		if err := s.deleteLocal(ctx, id); err != nil {
			return err
		}
		s.accept(o.object, o.version)
		return nil
	}
	_, data, exists, err := s.local(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case !exists:
		delete(s.st.Entries, id)
	case e != nil && hashOf(data) == e.LocalHash:
		if err := s.deleteLocal(ctx, id); err != nil {
			return err
		}
	default:
		// Edited here (or never synced), deleted there: keep the edit; the push revives the object.
		if e == nil {
			e = &entry{Object: o.object}
			s.st.Entries[id] = e
		}
		e.Version, e.LocalHash, e.LocalUpdated = o.version, "", time.Time{}
	}
	s.accept(o.object, o.version)
	return nil
}

func (s *syncer) deleteLocal(ctx context.Context, id string) error {
	if err := s.c.lib.Delete(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	delete(s.st.Entries, id)
	delete(s.sums, id)
	s.rep.DeletedLocal++
	return nil
}

// push uploads every local transcript that is new or changed since the last sync.
func (s *syncer) push(ctx context.Context) error {
	ids := make([]string, 0, len(s.sums))
	for id := range s.sums {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		e := s.st.Entries[id]
		if s.unchanged(id, e) {
			continue
		}
		if s.st.Pending[id] != nil {
			continue // the user decides first
		}
		t, data, exists, err := s.local(ctx, id)
		if errors.Is(err, errDeferred) {
			s.rep.Skipped++
			continue
		}
		if err != nil {
			return err
		}
		if !exists {
			continue
		}
		lh := hashOf(data)
		if e != nil && e.LocalHash == lh {
			e.LocalUpdated = s.sums[id].Updated
			if err := s.save(); err != nil {
				return err
			}
			continue
		}
		if err := s.upload(ctx, t, data, e); err != nil {
			return err
		}
	}
	return nil
}

// checkConflict checks a 409's current version against what this device has seen.
func (s *syncer) checkConflict(object string, conflict *conflictError) error {
	if seen := s.st.Seen[object]; conflict.current < seen {
		s.failed[object] = true
		return fmt.Errorf("%w: the server says object %s is at version %d, this device has seen version %d", ErrRollback, object, conflict.current, seen)
	}
	return nil
}

// upload sends one transcript as the next version of its object.
func (s *syncer) upload(ctx context.Context, t *transcript.Transcript, data []byte, e *entry) error {
	object := objectID(s.idKey, t.ID)
	var base int64
	if e != nil {
		base = e.Version
	}
	lh := hashOf(data)
	for attempt := 0; attempt < 3; attempt++ {
		env, err := s.dek.Seal(data, objectAD2(kindTranscript, s.st.AccountID, object, base+1))
		if err != nil {
			return fmt.Errorf("encrypt %s: %w", t.ID, err)
		}
		_, err = s.r.put(ctx, object, base, env)
		var conflict *conflictError
		if errors.As(err, &conflict) {
			if err := s.checkConflict(object, conflict); err != nil {
				s.problem(err)
				return nil
			}
			// Someone else wrote a version since (or our own upload's answer was lost).
			o, gerr := s.fetch(ctx, object, conflict.current)
			switch {
			case errors.Is(gerr, errObjectGone):
				base = conflict.current // the server's own tombstone: revive it
				continue
			case errors.Is(gerr, ErrRollback):
				s.problem(gerr)
				return nil
			case errors.Is(gerr, ErrTampered):
				s.rep.Damaged++ // replace the damaged version with ours
				s.problem(gerr)
				base = conflict.current
				continue
			case gerr != nil:
				return gerr
			case o.kind == kindTombstone:
				// Deleted on another device, edited here: the edit wins.
				s.accept(object, o.version)
				base = o.version
				continue
			case o.kind == kindTranscript && hashOf(o.data) == lh:
				s.accept(object, o.version)
				s.st.Entries[t.ID] = &entry{Object: object, Version: o.version, LocalHash: lh, LocalUpdated: s.sums[t.ID].Updated, Private: t.Level == transcript.Private}
				return s.save()
			}
			if s.holdDowngrade(o, s.st.Entries[t.ID]) {
				return s.save()
			}
			if err := s.keepBoth(ctx, t, lh); err != nil {
				return err
			}
			ne, err := s.saveLocal(ctx, o.t, object, o.version)
			if err != nil {
				return err
			}
			s.st.Entries[t.ID] = ne
			s.rep.Pulled++
			return s.save()
		}
		if err != nil {
			return fmt.Errorf("upload %s: %w", t.ID, err)
		}
		s.accept(object, base+1)
		s.st.Entries[t.ID] = &entry{Object: object, Version: base + 1, LocalHash: lh, LocalUpdated: s.sums[t.ID].Updated, Private: t.Level == transcript.Private}
		s.rep.Pushed++
		return s.save()
	}
	return fmt.Errorf("upload %s: the object keeps changing", t.ID)
}

// pushDeletions uploads a signed tombstone for every transcript deleted here.
func (s *syncer) pushDeletions(ctx context.Context) error {
	var ids []string
	for id := range s.st.Entries {
		if _, ok := s.sums[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := s.pushDeletion(ctx, id); errors.Is(err, errDeferred) {
			s.rep.Skipped++
			continue
		} else if err != nil {
			return err
		}
		if err := s.save(); err != nil {
			return err
		}
	}
	return nil
}

func (s *syncer) pushDeletion(ctx context.Context, id string) error {
	e := s.st.Entries[id]
	plain, err := json.Marshal(tombstoneDoc{Format: tombstoneFormat, ID: id})
	if err != nil {
		return fmt.Errorf("encode tombstone: %w", err)
	}
	base := e.Version
	for attempt := 0; attempt < 3; attempt++ {
		env, err := s.dek.Seal(plain, objectAD2(kindTombstone, s.st.AccountID, e.Object, base+1))
		if err != nil {
			return fmt.Errorf("encrypt tombstone: %w", err)
		}
		_, err = s.r.put(ctx, e.Object, base, env)
		var conflict *conflictError
		if errors.As(err, &conflict) {
			if err := s.checkConflict(e.Object, conflict); err != nil {
				s.problem(err)
				return nil
			}
			o, gerr := s.fetch(ctx, e.Object, conflict.current)
			switch {
			case errors.Is(gerr, errObjectGone):
				base = conflict.current // the server's own tombstone: sign the deletion
				continue
			case errors.Is(gerr, ErrRollback):
				s.problem(gerr)
				return nil
			case errors.Is(gerr, ErrTampered):
				s.rep.Damaged++
				s.problem(gerr)
				base = conflict.current
				continue
			case gerr != nil:
				return gerr
			case o.kind == kindTombstone:
				s.accept(e.Object, o.version) // deleted there too
				delete(s.st.Entries, id)
				return nil
			}
			// Edited on another device since: the edit wins over the deletion; bring it back.
			if s.holdDowngrade(o, e) {
				return nil
			}
			ne, err := s.saveLocal(ctx, o.t, e.Object, o.version)
			if err != nil {
				return err
			}
			s.st.Entries[id] = ne
			s.rep.Pulled++
			s.rep.Conflicts++
			return nil
		}
		if err != nil {
			return fmt.Errorf("delete %s: %w", id, err)
		}
		s.accept(e.Object, base+1)
		delete(s.st.Entries, id)
		s.rep.DeletedRemote++
		return nil
	}
	return fmt.Errorf("delete %s: the object keeps changing", id)
}
