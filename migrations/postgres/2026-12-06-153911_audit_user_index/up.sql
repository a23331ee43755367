-- The guest timeline (the console's guest page and `/admin/audit?guest=`) finds a guest's events by
-- account id, newest first: without this index that was a scan of the whole audit.
CREATE INDEX audit_user_id ON audit_events (user_id, id);
