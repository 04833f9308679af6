-- Version 3: Private transcripts and the vault key.
-- A Private transcript keeps its visible metadata in transcripts; its segments and speakers (and, with
-- names_sealed = 1, its title and source name) exist only as vault data envelopes in sealed, each bound
-- to (transcript id, field) by its associated data.
ALTER TABLE transcripts ADD COLUMN names_sealed INTEGER NOT NULL DEFAULT 0 CHECK (names_sealed IN (0, 1));

CREATE TABLE sealed (
	rid      INTEGER NOT NULL REFERENCES transcripts (rid) ON DELETE CASCADE,
	field    TEXT    NOT NULL,
	envelope BLOB    NOT NULL,
	PRIMARY KEY (rid, field)
) WITHOUT ROWID;

-- The wrapped data key (a vault key file) and a check envelope that tells whether a key from the OS
-- keychain belongs to this library. At most one row.
CREATE TABLE vault_keys (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	wrapped    BLOB    NOT NULL,
	check_env  BLOB    NOT NULL,
	created_ns INTEGER NOT NULL,
	updated_ns INTEGER NOT NULL
);
