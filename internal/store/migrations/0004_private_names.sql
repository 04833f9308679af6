-- Version 4: the title and source file name of every Private transcript are sealed (names_sealed = 1)
-- and the clear columns stay empty. The triggers make the database refuse anything else, so that no
-- code path can store them in the clear again.
--
-- Rows written before this version with names_sealed = 0 cannot be encrypted here: that needs the
-- data key, which only Unlock has. Library.Unlock seals them (sealLegacyNames, legacy.go) and scrubs
-- the file; until then List hides their names. The triggers let such rows be deleted, and updated
-- only into the sealed form.
CREATE TRIGGER transcripts_private_names_insert BEFORE INSERT ON transcripts
WHEN new.level = 'private' AND (new.names_sealed = 0 OR new.title <> '' OR new.source_name <> '')
BEGIN
	SELECT RAISE(ABORT, 'hushscribe: a Private transcript''s title and file name must be sealed');
END;
CREATE TRIGGER transcripts_private_names_update BEFORE UPDATE ON transcripts
WHEN new.level = 'private' AND (new.names_sealed = 0 OR new.title <> '' OR new.source_name <> '')
BEGIN
	SELECT RAISE(ABORT, 'hushscribe: a Private transcript''s title and file name must be sealed');
END;
