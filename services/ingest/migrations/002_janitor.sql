-- 002_janitor.sql - the janitor (janitor.c) drops stale uploads of every organisation: in its own
-- transaction it sets app.janitor = 'on', which lets it see and delete uploads (and, through
-- file_pieces' policy, their pieces) whatever app.org_id says. Only the service's own code sets
-- it, as with app.org_id; without it these policies allow nothing.
CREATE POLICY uploads_janitor_read ON ingest.uploads FOR SELECT
    USING (current_setting('app.janitor', true) = 'on');
CREATE POLICY uploads_janitor_delete ON ingest.uploads FOR DELETE
    USING (current_setting('app.janitor', true) = 'on');
