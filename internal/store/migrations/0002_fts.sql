-- Version 2: full-text search over Standard transcripts' segment text.
-- The index is external-content (the text lives only in segments) and is kept in sync by triggers.
-- Private transcripts have no rows in segments, so nothing of theirs can reach the index.
-- Deleting a row adds a tombstone; the deleted terms leave the index when segments are merged, which
-- Library.Compact forces with 'optimize'. (FTS5's secure-delete option would remove them at once, but
-- makes deleting a long transcript's rows take seconds.)
CREATE VIRTUAL TABLE segments_fts USING fts5 (
	text,
	content = 'segments',
	content_rowid = 'sid',
	tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER segments_fts_insert AFTER INSERT ON segments BEGIN
	INSERT INTO segments_fts (rowid, text) VALUES (new.sid, new.text);
END;
CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments BEGIN
	INSERT INTO segments_fts (segments_fts, rowid, text) VALUES ('delete', old.sid, old.text);
END;
CREATE TRIGGER segments_fts_update AFTER UPDATE OF text ON segments BEGIN
	INSERT INTO segments_fts (segments_fts, rowid, text) VALUES ('delete', old.sid, old.text);
	INSERT INTO segments_fts (rowid, text) VALUES (new.sid, new.text);
END;

-- Number the segments as segmentID (record.go) does: transcript row id in the high bits, the segment
-- index reversed in the low 20, so that descending row id order is the search result order. Going
-- through negative numbers first avoids collisions.
UPDATE segments SET sid = -sid;
UPDATE segments SET sid = (rid << 20) | (1048575 - idx);

-- Index what a version 1 library already holds.
INSERT INTO segments_fts (segments_fts) VALUES ('rebuild');
