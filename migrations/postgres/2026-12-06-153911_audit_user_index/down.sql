DROP INDEX audit_user_id;
