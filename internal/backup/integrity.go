package backup

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver/api"
	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Integrity against the server (object format version 2, docs/FORMAT.md "Backup objects").
//
// The server stores and serves opaque envelopes; everything the client believes about them comes
// from what the data key authenticates:
//
//   - Every envelope's associated data binds the format, the object's kind (transcript, tombstone or
//     manifest), the account id, the object id and the version (objectAD2), so an envelope opens only
//     as what, where and when it was written.
//   - A deletion is not the server's DELETE but a new version of the object holding a sealed
//     tombstone. A deletion the server merely announces (a "deleted" change, or a 404) is
//     not believed: the local copy stays and is uploaded again (ErrForgedDeletion).
//   - The client remembers per object the highest version it accepted (state.Seen) and refuses any
//     lower one, from the change feed or from a download, and any download older than what the change
//     feed announced (ErrRollback).
//   - The account manifest, a sealed object of its own, lists every object's latest version and is
//     rewritten after each sync that changed something. Its version is a counter every device
//     remembers: a server that rolls the whole account back, or serves an older manifest, is caught by
//     the next sync of any device that saw the newer state, and objects the manifest lists but the
//     change feed withheld are fetched and checked (ErrRollback).
//   - A pulled copy that would make a Private transcript Standard is not written; it waits as a
//     pending downgrade until the user confirms or rejects it (ErrDowngrade, PendingDowngrades,
//     ResolveDowngrade).
//
// Objects written by format version 1 (associated data vault.AD(object id, "v"+version)) stay
// readable as transcripts; every new version is written in format 2.

// Errors of a misbehaving server (or, for ErrDowngrade, of a change that needs the user). Sync
// returns them joined, after doing everything else it could; nothing local is lost or changed for
// the objects concerned. Test for them with errors.Is.
var (
	// ErrRollback means the server served an object, or the whole account, older than this device
	// has seen or than the account manifest says, or withheld changes from the change feed.
	ErrRollback = errors.New("backup: the server served older data than this device has seen")
	// ErrForgedDeletion means the server reported a deletion that no device of the account signed;
	// the local transcript was kept (and is uploaded again).
	ErrForgedDeletion = errors.New("backup: the server reported a deletion no device made")
	// ErrDowngrade means a synced copy would make a Private transcript Standard; it was not applied.
	// PendingDowngrades lists such copies and ResolveDowngrade accepts or rejects one.
	ErrDowngrade = errors.New("backup: a synced copy would make a Private transcript Standard; confirm it first")
)

const (
	objectFormat2   = "hushscribe-backup-v2"
	kindTranscript  = "transcript"
	kindTombstone   = "tombstone"
	kindManifest    = "manifest"
	tombstoneFormat = "hushscribe-backup-tombstone-v1"
	manifestFormat  = "hushscribe-backup-manifest-v1"
)

// lengthPrefixed encodes fields unambiguously: each as its length (8 bytes, big-endian) and its
// bytes. vault.AD(a, b) is lengthPrefixed(a, b).
func lengthPrefixed(fields ...string) []byte {
	var b []byte
	for _, f := range fields {
		b = binary.BigEndian.AppendUint64(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// objectAD2 is the associated data of a format 2 envelope.
func objectAD2(kind, account, object string, version int64) []byte {
	return lengthPrefixed(objectFormat2, kind, account, object, "v"+strconv.FormatInt(version, 10))
}

// manifestObjectID names the account manifest's object.
func manifestObjectID(idKey []byte) string {
	m := hmac.New(sha256.New, idKey)
	m.Write([]byte("manifest\x00"))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// tombstoneDoc is the plaintext of a deletion.
type tombstoneDoc struct {
	Format string `json:"format"`
	ID     string `json:"id"` // the deleted transcript's id
}

// manifestDoc is the plaintext of the account manifest.
type manifestDoc struct {
	Format  string           `json:"format"`
	Objects map[string]int64 `json:"objects"` // object id -> latest version
}

// opened is a downloaded object that the data key authenticated.
type opened struct {
	object  string
	version int64
	kind    string
	id      string                 // transcript id (transcript and tombstone)
	t       *transcript.Transcript // transcript
	data    []byte                 // transcript: canonical export
	objects map[string]int64       // manifest
}

// Downgrade is a synced copy that would make a Private transcript Standard, waiting for the user.
type Downgrade struct {
	TranscriptID string `json:"transcript_id"`
	Object       string `json:"object"`
	Version      int64  `json:"version"`
	Confirmed    bool   `json:"confirmed,omitempty"`
}

func (s *syncer) problem(err error) { s.problems = append(s.problems, err) }

// accept records that version of object was applied.
func (s *syncer) accept(object string, version int64) {
	if version > s.st.Seen[object] {
		s.st.Seen[object] = version
	}
}

// open authenticates and decodes an envelope of object at version.
func (s *syncer) open(object string, version int64, env []byte) (*opened, error) {
	acct := s.st.AccountID
	o := &opened{object: object, version: version}
	tampered := func(why string, err error) error {
		return fmt.Errorf("%w: object %s v%d: %s: %v", ErrTampered, object, version, why, err)
	}
	if object == s.manID {
		plain, err := s.dek.Open(env, objectAD2(kindManifest, acct, object, version))
		if err != nil {
			return nil, tampered("manifest", err)
		}
		var m manifestDoc
		if err := json.Unmarshal(plain, &m); err != nil || m.Format != manifestFormat {
			return nil, tampered("manifest", err)
		}
		for id, v := range m.Objects {
			if !api.ValidObjectID(id) || v < 1 {
				return nil, tampered("manifest entry", fmt.Errorf("%q v%d", id, v))
			}
		}
		o.kind, o.objects = kindManifest, m.Objects
		if o.objects == nil {
			o.objects = map[string]int64{}
		}
		return o, nil
	}
	if plain, err := s.dek.Open(env, objectAD2(kindTombstone, acct, object, version)); err == nil {
		var ts tombstoneDoc
		if err := json.Unmarshal(plain, &ts); err != nil || ts.Format != tombstoneFormat {
			return nil, tampered("tombstone", err)
		}
		if ts.ID == "" || objectID(s.idKey, ts.ID) != object {
			return nil, tampered("tombstone of another transcript", nil)
		}
		o.kind, o.id = kindTombstone, ts.ID
		return o, nil
	}
	plain, err := s.dek.Open(env, objectAD2(kindTranscript, acct, object, version))
	if err != nil {
		// Format 1 (written before tombstones and the manifest existed).
		var err1 error
		if plain, err1 = s.dek.Open(env, objectAD(object, version)); err1 != nil {
			return nil, tampered("does not decrypt", err)
		}
	}
	t, err := export.Import(bytes.NewReader(plain))
	if err != nil {
		return nil, tampered("transcript", err)
	}
	if t.ID == "" || objectID(s.idKey, t.ID) != object {
		return nil, tampered("holds another transcript", nil)
	}
	data, err := canonicalExport(t)
	if err != nil {
		return nil, err
	}
	o.kind, o.id, o.t, o.data = kindTranscript, t.ID, t, data
	return o, nil
}

// fetch downloads object and checks that it is at least version floor and authentic.
func (s *syncer) fetch(ctx context.Context, object string, floor int64) (*opened, error) {
	env, version, err := s.r.get(ctx, object)
	if err != nil {
		return nil, err
	}
	if seen := s.st.Seen[object]; floor < seen {
		floor = seen
	}
	if version < floor {
		return nil, fmt.Errorf("%w: object %s is at version %d, but version %d exists", ErrRollback, object, version, floor)
	}
	return s.open(object, version, env)
}

// floor is the lowest version of object this sync may accept: what this device saw, or what the
// manifest says exists.
func (s *syncer) floor(object string) int64 {
	return max(s.st.Seen[object], s.manifest[object])
}

// loadManifest fetches the account manifest and checks it against the one this device saw last.
func (s *syncer) loadManifest(ctx context.Context) error {
	s.manifest = map[string]int64{}
	o, err := s.fetch(ctx, s.manID, 0)
	switch {
	case errors.Is(err, errObjectGone) && s.st.Seen[s.manID] > 0:
		return fmt.Errorf("%w: the account manifest (version %d seen) is gone: the account was rolled back or withheld", ErrRollback, s.st.Seen[s.manID])
	case errors.Is(err, errObjectGone):
		return nil // an account written by format 1 clients, or new: the first sync writes one
	case errors.Is(err, ErrRollback):
		return fmt.Errorf("the whole account was rolled back: %w", err)
	case err != nil:
		return fmt.Errorf("account manifest: %w", err)
	}
	s.manifest = o.objects
	s.accept(s.manID, o.version)
	return nil
}

// checkWithheld fetches the objects the manifest lists at a version this device has not reached
// after a complete pull: the change feed should have announced them.
func (s *syncer) checkWithheld(ctx context.Context) error {
	ids := make([]string, 0, len(s.manifest))
	for id, v := range s.manifest {
		if _, retried := s.st.Retry[id]; id != s.manID && s.st.Seen[id] < v && !s.failed[id] && !retried {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		waiting := false
		for _, p := range s.st.Pending {
			waiting = waiting || p.Object == id
		}
		if waiting {
			continue
		}
		s.problem(fmt.Errorf("%w: the change feed did not announce version %d of object %s", ErrRollback, s.manifest[id], id))
		if err := s.applyRemote(ctx, api.Object{ID: id, Version: s.manifest[id]}, true); err != nil {
			return err
		}
	}
	return nil
}

// writeManifest records every version this device has seen in the account manifest (merged with
// the one on the server), unless that changes nothing.
func (s *syncer) writeManifest(ctx context.Context) error {
	for attempt := 0; attempt < 3; attempt++ {
		merged := make(map[string]int64, len(s.manifest)+len(s.st.Seen))
		for id, v := range s.manifest {
			merged[id] = v
		}
		changed := s.st.Seen[s.manID] == 0
		for id, v := range s.st.Seen {
			if id != s.manID && v > merged[id] {
				merged[id], changed = v, true
			}
		}
		if !changed {
			return nil
		}
		plain, err := json.Marshal(manifestDoc{Format: manifestFormat, Objects: merged})
		if err != nil {
			return fmt.Errorf("encode manifest: %w", err)
		}
		base := s.st.Seen[s.manID]
		env, err := s.dek.Seal(plain, objectAD2(kindManifest, s.st.AccountID, s.manID, base+1))
		if err != nil {
			return fmt.Errorf("encrypt manifest: %w", err)
		}
		_, err = s.r.put(ctx, s.manID, base, env)
		var conflict *conflictError
		if errors.As(err, &conflict) {
			// Another device wrote one since: merge with it.
			if err := s.loadManifest(ctx); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("upload manifest: %w", err)
		}
		s.accept(s.manID, base+1)
		s.manifest = merged
		return s.save()
	}
	return errors.New("upload manifest: it keeps changing")
}

// lowersLevel reports whether writing t would make a Private transcript Standard: the local copy
// is Private, or (when it is gone) was Private at the last sync.
func (s *syncer) lowersLevel(id string, e *entry, t *transcript.Transcript) bool {
	if t.Level == transcript.Private {
		return false
	}
	if sum, ok := s.sums[id]; ok {
		return sum.Level == transcript.Private
	}
	return e != nil && e.Private
}

// holdDowngrade returns true (and records a pending downgrade) when o would lower the level of its
// transcript without the user's confirmation of exactly that version.
func (s *syncer) holdDowngrade(o *opened, e *entry) bool {
	if !s.lowersLevel(o.id, e, o.t) {
		return false
	}
	if p := s.st.Pending[o.id]; p != nil && p.Confirmed && p.Version == o.version && p.Object == o.object {
		return false // confirmed; saveLocal forgets it once the copy is written
	}
	s.st.Pending[o.id] = &Downgrade{TranscriptID: o.id, Object: o.object, Version: o.version}
	s.problem(fmt.Errorf("%w: transcript %s (object %s version %d)", ErrDowngrade, o.id, o.object, o.version))
	return true
}

// resolveConfirmed applies the pending downgrades the user confirmed.
func (s *syncer) resolveConfirmed(ctx context.Context) error {
	ids := make([]string, 0, len(s.st.Pending))
	for id, p := range s.st.Pending {
		if p.Confirmed {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		p := s.st.Pending[id]
		o, err := s.fetch(ctx, p.Object, p.Version)
		switch {
		case errors.Is(err, errObjectGone):
			delete(s.st.Pending, id)
			continue
		case errors.Is(err, ErrRollback) || errors.Is(err, ErrTampered):
			s.problem(err)
			continue
		case err != nil:
			return err
		}
		if err := s.applyObject(ctx, o); err != nil && !errors.Is(err, errDeferred) {
			return err
		}
		if err := s.save(); err != nil {
			return err
		}
	}
	return nil
}

// PendingDowngrades lists the synced copies that would make a Private transcript Standard and wait
// for the user (ResolveDowngrade). Their content is not on this device.
func (c *Client) PendingDowngrades() ([]Downgrade, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := loadState(c.cfg.StatePath)
	if err != nil {
		return nil, err
	}
	out := make([]Downgrade, 0, len(st.Pending))
	for _, p := range st.Pending {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TranscriptID < out[j].TranscriptID })
	return out, nil
}

// ErrNoSuchDowngrade means ResolveDowngrade was given a transcript with no pending downgrade.
var ErrNoSuchDowngrade = errors.New("backup: no pending downgrade for this transcript")

// ResolveDowngrade accepts (the next Sync writes the Standard copy) or rejects (the next Sync
// uploads the local Private copy over it) the pending downgrade of a transcript.
func (c *Client) ResolveDowngrade(transcriptID string, accept bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := loadState(c.cfg.StatePath)
	if err != nil {
		return err
	}
	p := st.Pending[transcriptID]
	if p == nil {
		return fmt.Errorf("%w: %s", ErrNoSuchDowngrade, transcriptID)
	}
	if accept {
		p.Confirmed = true
	} else {
		delete(st.Pending, transcriptID)
		if p.Version > st.Seen[p.Object] {
			st.Seen[p.Object] = p.Version
		}
		e := st.Entries[transcriptID]
		if e == nil {
			e = &entry{Object: p.Object}
			st.Entries[transcriptID] = e
		}
		e.Version, e.LocalHash, e.LocalUpdated = p.Version, "", time.Time{}
	}
	return st.save(c.cfg.StatePath)
}
