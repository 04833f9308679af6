package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("store: generate id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Save inserts t, or replaces the stored transcript with the same ID, in one transaction. An empty
// ID gets a new random one, an empty Level means Standard and a zero Created means now; Save writes
// these back into t. Saving a Private transcript, or over a Private one, needs the library unlocked
// (ErrLocked). When the save turns a Standard transcript Private, the old plaintext is scrubbed from
// the file (see Compact).
func (l *Library) Save(ctx context.Context, t *transcript.Transcript) error {
	if t == nil {
		return fmt.Errorf("%w: nil transcript", ErrInvalid)
	}
	if err := validate(t); err != nil {
		return err
	}
	c := *t
	if c.Level == "" {
		c.Level = transcript.Standard
	}
	if c.ID == "" {
		id, err := newID()
		if err != nil {
			return err
		}
		c.ID = id
	}
	now := l.opts.Clock()
	if c.Created.IsZero() {
		c.Created = now
	}
	var sealer Sealer
	if key := l.activeKey(); key != nil {
		sealer = key
	}
	var envs map[string][]byte
	names := c.Level == transcript.Private
	if c.Level == transcript.Private {
		if sealer == nil {
			return fmt.Errorf("store: save %s: %w", c.ID, ErrLocked)
		}
		var err error
		if envs, err = sealFields(sealer, &c, names); err != nil {
			return lockedOr(err)
		}
	}

	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return dbErr("save", err)
	}
	defer tx.Rollback()
	prev, rid, err := write(ctx, tx, &c, envs, names, sealer != nil, now)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return dbErr("save", err)
	}
	t.ID, t.Level, t.Created = c.ID, c.Level, c.Created

	l.indexPut(&c, rid)
	if prev == transcript.Standard && c.Level == transcript.Private {
		if err := l.Compact(ctx); err != nil {
			return fmt.Errorf("store: %s saved, but scrubbing the old plaintext failed: %w", c.ID, err)
		}
	}
	return nil
}

// write stores t inside tx, replacing any transcript with the same ID, and returns the previous
// level ("" if t is new) and the row id. envs holds t's sealed fields when t is Private. unlocked
// tells whether the caller holds the key; without it a Private transcript is not overwritten.
func write(ctx context.Context, tx *sql.Tx, t *transcript.Transcript, envs map[string][]byte, names, unlocked bool, now time.Time) (transcript.Level, int64, error) {
	var (
		rid  int64
		prev transcript.Level
	)
	err := tx.QueryRowContext(ctx, "SELECT rid, level FROM transcripts WHERE id = ?", t.ID).Scan(&rid, &prev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		prev = ""
	case err != nil:
		return "", 0, dbErr("save", err)
	case prev == transcript.Private && !unlocked:
		return "", 0, fmt.Errorf("store: save %s: overwriting a Private transcript: %w", t.ID, ErrLocked)
	}

	title, source := t.Title, t.SourceName
	if names {
		title, source = "", ""
	}
	args := []any{string(t.Level), title, source, t.SourceSize, int64(t.Duration), t.Language, t.Model,
		t.Created.UnixNano(), now.UnixNano(), boolInt(names)}
	if prev != "" {
		for _, table := range []string{"segments", "speakers", "sealed"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE rid = ?", rid); err != nil {
				return "", 0, dbErr("save", err)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE transcripts SET level = ?, title = ?, source_name = ?, source_size = ?,
			duration_ns = ?, language = ?, model = ?, created_ns = ?, updated_ns = ?, names_sealed = ? WHERE rid = ?`,
			append(args, rid)...)
		if err != nil {
			return "", 0, dbErr("save", err)
		}
	} else {
		res, err := tx.ExecContext(ctx, `INSERT INTO transcripts (level, title, source_name, source_size, duration_ns,
			language, model, created_ns, updated_ns, names_sealed, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append(args, t.ID)...)
		if err != nil {
			return "", 0, dbErr("save", err)
		}
		if rid, err = res.LastInsertId(); err != nil {
			return "", 0, dbErr("save", err)
		}
	}

	if t.Level == transcript.Private {
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO sealed (rid, field, envelope) VALUES (?, ?, ?)")
		if err != nil {
			return "", 0, dbErr("save", err)
		}
		defer stmt.Close()
		for f, env := range envs {
			if _, err := stmt.ExecContext(ctx, rid, f, env); err != nil {
				return "", 0, dbErr("save", err)
			}
		}
		return prev, rid, nil
	}

	segStmt, err := tx.PrepareContext(ctx, `INSERT INTO segments (sid, rid, idx, start_ns, end_ns, text, speaker, words)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return "", 0, dbErr("save", err)
	}
	defer segStmt.Close()
	for i, s := range t.Segments {
		words, err := encodeWords(s.Words)
		if err != nil {
			return "", 0, err
		}
		if _, err := segStmt.ExecContext(ctx, segmentID(rid, i), rid, i, int64(s.Start), int64(s.End), s.Text, s.Speaker, words); err != nil {
			return "", 0, dbErr("save", err)
		}
	}
	for i, sp := range t.Speakers {
		if _, err := tx.ExecContext(ctx, "INSERT INTO speakers (rid, idx, id, name) VALUES (?, ?, ?, ?)", rid, i, sp.ID, sp.Name); err != nil {
			return "", 0, dbErr("save", err)
		}
	}
	return prev, rid, nil
}

// maxSegments is the most segments a transcript may have (2^20-1, over a month of speech).
const maxSegments = 1<<20 - 1

// segmentID is the row id of segment idx of transcript rid: the transcript in the high bits and the
// segment index, reversed, in the low 20, so that descending row id order is "most recently added
// transcript first, then segment order". The FTS index returns matches in row id order, which lets
// Search stop early. Migration 2 numbers existing rows the same way.
func segmentID(rid int64, idx int) int64 {
	return rid<<20 | int64(maxSegments-idx)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Get returns the transcript with the given id, with Created in UTC. A Private transcript needs the
// library unlocked (ErrLocked); if its ciphertexts were modified or moved, Get fails with
// ErrTampered.
func (l *Library) Get(ctx context.Context, id string) (*transcript.Transcript, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, dbErr("get", err)
	}
	defer tx.Rollback()
	t, _, err := l.load(ctx, tx, id)
	return t, err
}

// load reads a whole transcript; it asks for the key only if the transcript is Private.
func (l *Library) load(ctx context.Context, q querier, id string) (*transcript.Transcript, int64, error) {
	var (
		t           transcript.Transcript
		rid         int64
		dur, cr     int64
		namesSealed bool
	)
	err := q.QueryRowContext(ctx, `SELECT rid, id, level, title, source_name, source_size, duration_ns, language, model,
		created_ns, names_sealed FROM transcripts WHERE id = ?`, id).Scan(&rid, &t.ID, &t.Level, &t.Title, &t.SourceName,
		&t.SourceSize, &dur, &t.Language, &t.Model, &cr, &namesSealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("store: get %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, 0, dbErr("get", err)
	}
	t.Duration, t.Created = time.Duration(dur), time.Unix(0, cr).UTC()

	if t.Level == transcript.Private {
		key := l.activeKey()
		if key == nil {
			return nil, 0, fmt.Errorf("store: get %s: %w", id, ErrLocked)
		}
		envs, err := sealedOf(ctx, q, rid)
		if err != nil {
			return nil, 0, err
		}
		if err := openFields(key, &t, envs, namesSealed); err != nil {
			return nil, 0, lockedOr(err)
		}
		return &t, rid, nil
	}

	rows, err := q.QueryContext(ctx, "SELECT start_ns, end_ns, text, speaker, words FROM segments WHERE rid = ? ORDER BY idx", rid)
	if err != nil {
		return nil, 0, dbErr("get", err)
	}
	t.Segments = []transcript.Segment{}
	for rows.Next() {
		var (
			s          transcript.Segment
			start, end int64
			words      []byte
		)
		if err := rows.Scan(&start, &end, &s.Text, &s.Speaker, &words); err != nil {
			rows.Close()
			return nil, 0, dbErr("get", err)
		}
		s.Start, s.End = time.Duration(start), time.Duration(end)
		if s.Words, err = decodeWords(words); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("store: get %s: %w", id, err)
		}
		t.Segments = append(t.Segments, s)
	}
	if err := rows.Close(); err != nil {
		return nil, 0, dbErr("get", err)
	}
	rows, err = q.QueryContext(ctx, "SELECT id, name FROM speakers WHERE rid = ? ORDER BY idx", rid)
	if err != nil {
		return nil, 0, dbErr("get", err)
	}
	for rows.Next() {
		var sp transcript.Speaker
		if err := rows.Scan(&sp.ID, &sp.Name); err != nil {
			rows.Close()
			return nil, 0, dbErr("get", err)
		}
		t.Speakers = append(t.Speakers, sp)
	}
	if err := rows.Close(); err != nil {
		return nil, 0, dbErr("get", err)
	}
	return &t, rid, nil
}

// sealedOf returns the sealed envelopes of one transcript, by field.
func sealedOf(ctx context.Context, q querier, rid int64) (map[string][]byte, error) {
	rows, err := q.QueryContext(ctx, "SELECT field, envelope FROM sealed WHERE rid = ?", rid)
	if err != nil {
		return nil, dbErr("get", err)
	}
	defer rows.Close()
	envs := make(map[string][]byte)
	for rows.Next() {
		var (
			f   string
			env []byte
		)
		if err := rows.Scan(&f, &env); err != nil {
			return nil, dbErr("get", err)
		}
		envs[f] = env
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("get", err)
	}
	return envs, nil
}

// Delete removes a transcript and its index entries, then scrubs the file (see Compact) so that the
// deleted text is not left behind in the database or WAL. Deleting a Private transcript does not
// need the key.
func (l *Library) Delete(ctx context.Context, id string) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return dbErr("delete", err)
	}
	defer tx.Rollback()
	var rid int64
	err = tx.QueryRowContext(ctx, "SELECT rid FROM transcripts WHERE id = ?", id).Scan(&rid)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: delete %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return dbErr("delete", err)
	}
	// The child rows go first and explicitly, so that the FTS delete trigger sees each segment.
	for _, table := range []string{"segments", "speakers", "sealed", "transcripts"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE rid = ?", rid); err != nil {
			return dbErr("delete", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return dbErr("delete", err)
	}
	l.indexDrop(id)
	if err := l.Compact(ctx); err != nil {
		return fmt.Errorf("store: %s deleted, but scrubbing the file failed: %w", id, err)
	}
	return nil
}

// SetLevel converts a transcript to the given privacy level in one transaction: Standard to Private
// encrypts its text and removes the plaintext and index rows (then scrubs the file); Private to
// Standard decrypts it. Both directions need the library unlocked.
func (l *Library) SetLevel(ctx context.Context, id string, level transcript.Level) error {
	if !level.Valid() {
		return fmt.Errorf("%w: unknown privacy level %q", ErrInvalid, level)
	}
	key := l.activeKey()
	if key == nil {
		return fmt.Errorf("store: set level of %s: %w", id, ErrLocked)
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return dbErr("set level", err)
	}
	defer tx.Rollback()
	t, _, err := l.load(ctx, tx, id)
	if err != nil {
		return err
	}
	if t.Level == level {
		return nil
	}
	prev := t.Level
	t.Level = level
	names := level == transcript.Private
	var envs map[string][]byte
	if level == transcript.Private {
		if envs, err = sealFields(key, t, names); err != nil {
			return lockedOr(err)
		}
	}
	_, rid, err := write(ctx, tx, t, envs, names, true, l.opts.Clock())
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return dbErr("set level", err)
	}
	l.indexPut(t, rid)
	if prev == transcript.Standard {
		if err := l.Compact(ctx); err != nil {
			return fmt.Errorf("store: %s made Private, but scrubbing the old plaintext failed: %w", id, err)
		}
	}
	return nil
}

// Filter selects transcripts for List and Search. Zero fields do not filter.
type Filter struct {
	Language string           // ISO 639-1 code
	Level    transcript.Level // Standard or Private
	Since    time.Time        // created at or after
	Until    time.Time        // created before
	Limit    int              // at most this many results (List: 0 means all; Search: 0 means 100)
	Offset   int              // skip this many results first
}

// where returns the SQL condition (on alias t) and its arguments.
func (f Filter) where() (string, []any) {
	conds := []string{"1"}
	var args []any
	if f.Language != "" {
		conds, args = append(conds, "t.language = ?"), append(args, f.Language)
	}
	if f.Level != "" {
		conds, args = append(conds, "t.level = ?"), append(args, string(f.Level))
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, "t.created_ns >= ?"), append(args, f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, "t.created_ns < ?"), append(args, f.Until.UnixNano())
	}
	return strings.Join(conds, " AND "), args
}

// match reports whether a transcript with these attributes passes the filter (ignoring paging).
func (f Filter) match(level transcript.Level, language string, created time.Time) bool {
	return (f.Language == "" || f.Language == language) &&
		(f.Level == "" || f.Level == level) &&
		(f.Since.IsZero() || !created.Before(f.Since)) &&
		(f.Until.IsZero() || created.Before(f.Until))
}

// Summary is a transcript's metadata as List shows it.
type Summary struct {
	ID         string
	Title      string // empty while Locked: a Private transcript's title is encrypted
	SourceName string // empty while Locked: a Private transcript's file name is encrypted
	SourceSize int64
	Duration   time.Duration
	Language   string
	Model      string
	Created    time.Time
	Updated    time.Time
	Level      transcript.Level
	// Locked is true for a Private transcript while the library is locked.
	Locked bool
	// Damaged is true when the transcript's encrypted title or name does not decrypt (ErrTampered).
	Damaged bool
	// Preview is the start of the text, at most PreviewRunes runes on one line: for Standard
	// transcripts always, for Private ones only while unlocked.
	Preview string
}

// PreviewRunes bounds Summary.Preview.
const PreviewRunes = 160

// previewSegments is how many leading segments a preview is made from.
const previewSegments = 6

// preview puts text on one line and cuts it at a word boundary within PreviewRunes runes.
func preview(text string) string {
	line := strings.Join(strings.Fields(text), " ")
	r := []rune(line)
	if len(r) <= PreviewRunes {
		return line
	}
	cut := string(r[:PreviewRunes])
	if i := strings.LastIndexByte(cut, ' '); i > PreviewRunes/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.-") + "…"
}

// List returns transcripts newest first. Private transcripts are listed while locked too, with their
// visible metadata and Locked set.
func (l *Library) List(ctx context.Context, f Filter) ([]Summary, error) {
	where, args := f.where()
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	rows, err := l.db.QueryContext(ctx, `SELECT t.id, t.title, t.source_name, t.source_size, t.duration_ns, t.language,
		t.model, t.created_ns, t.updated_ns, t.level, t.names_sealed, st.envelope, ss.envelope,
		CASE WHEN t.level = 'standard' THEN (SELECT group_concat(text, char(10)) FROM
			(SELECT text FROM segments WHERE rid = t.rid ORDER BY idx LIMIT `+strconv.Itoa(previewSegments)+`)) END
		FROM transcripts t
		LEFT JOIN sealed st ON t.names_sealed = 1 AND st.rid = t.rid AND st.field = 'title'
		LEFT JOIN sealed ss ON t.names_sealed = 1 AND ss.rid = t.rid AND ss.field = 'source_name'
		WHERE `+where+` ORDER BY t.created_ns DESC, t.rid DESC LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, dbErr("list", err)
	}
	defer rows.Close()
	var key Sealer
	if k := l.activeKey(); k != nil {
		key = k
	}
	out := []Summary{}
	for rows.Next() {
		var (
			s           Summary
			dur, cr, up int64
			namesSealed bool
			envT, envS  []byte
			text        sql.NullString
		)
		if err := rows.Scan(&s.ID, &s.Title, &s.SourceName, &s.SourceSize, &dur, &s.Language, &s.Model, &cr, &up,
			&s.Level, &namesSealed, &envT, &envS, &text); err != nil {
			return nil, dbErr("list", err)
		}
		if text.Valid {
			s.Preview = preview(text.String)
		}
		s.Duration, s.Created, s.Updated = time.Duration(dur), time.Unix(0, cr).UTC(), time.Unix(0, up).UTC()
		s.Locked = s.Level == transcript.Private && key == nil
		if s.Locked {
			// A Private row written before schema 4 may still hold its names in the clear until the
			// next Unlock seals them (see sealLegacyNames); a locked list never shows them.
			s.Title, s.SourceName = "", ""
		}
		if namesSealed && key != nil {
			title, errT := openField(key, s.ID, fieldTitle, envT)
			name, errS := openField(key, s.ID, fieldSourceName, envS)
			switch {
			case errors.Is(errT, ErrLocked) || errors.Is(errS, ErrLocked):
				s.Locked = true
			case errT != nil || errS != nil:
				s.Damaged = true
			default:
				s.Title, s.SourceName = string(title), string(name)
			}
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("list", err)
	}
	return out, l.privatePreviews(ctx, out)
}

// privatePreviews fills in the previews of the unlocked Private transcripts in sums from the
// in-memory index (their text is only ever decrypted there).
func (l *Library) privatePreviews(ctx context.Context, sums []Summary) error {
	if !slices.ContainsFunc(sums, func(s Summary) bool { return s.Level == transcript.Private && !s.Locked }) {
		return nil
	}
	ix, err := l.privateIndex(ctx)
	if err != nil || ix == nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.index != ix { // locked (or rebuilt) meanwhile
		return nil
	}
	for i := range sums {
		d := ix.docs[sums[i].ID]
		if sums[i].Level != transcript.Private || sums[i].Locked || d == nil {
			continue
		}
		var b strings.Builder
		for _, sg := range d.segs[:min(len(d.segs), previewSegments)] {
			b.WriteString(sg.text)
			b.WriteByte(' ')
		}
		sums[i].Preview = preview(b.String())
	}
	return nil
}
