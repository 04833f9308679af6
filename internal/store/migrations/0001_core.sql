-- Version 1: the plaintext library.
-- Times are Unix nanoseconds (UTC), durations nanoseconds. Explicit INTEGER PRIMARY KEYs keep rowids
-- stable across VACUUM, which the external-content FTS index of version 2 relies on.
CREATE TABLE transcripts (
	rid         INTEGER PRIMARY KEY,
	id          TEXT    NOT NULL UNIQUE,
	level       TEXT    NOT NULL CHECK (level IN ('standard', 'private')),
	title       TEXT    NOT NULL DEFAULT '',
	source_name TEXT    NOT NULL DEFAULT '',
	source_size INTEGER NOT NULL DEFAULT 0,
	duration_ns INTEGER NOT NULL DEFAULT 0,
	language    TEXT    NOT NULL DEFAULT '',
	model       TEXT    NOT NULL DEFAULT '',
	created_ns  INTEGER NOT NULL,
	updated_ns  INTEGER NOT NULL
);
CREATE INDEX transcripts_by_created ON transcripts (created_ns DESC, rid DESC);

CREATE TABLE segments (
	sid      INTEGER PRIMARY KEY,
	rid      INTEGER NOT NULL REFERENCES transcripts (rid) ON DELETE CASCADE,
	idx      INTEGER NOT NULL,
	start_ns INTEGER NOT NULL,
	end_ns   INTEGER NOT NULL,
	text     TEXT    NOT NULL,
	speaker  TEXT    NOT NULL DEFAULT '',
	words    BLOB,   -- JSON, see codec.go; NULL when the segment has no words
	UNIQUE (rid, idx)
);

CREATE TABLE speakers (
	rid  INTEGER NOT NULL REFERENCES transcripts (rid) ON DELETE CASCADE,
	idx  INTEGER NOT NULL,
	id   TEXT    NOT NULL,
	name TEXT    NOT NULL,
	PRIMARY KEY (rid, idx)
) WITHOUT ROWID;
