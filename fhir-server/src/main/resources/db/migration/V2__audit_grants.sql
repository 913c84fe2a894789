-- Least privilege on the audit trail for the role the server connects with (issue 6; docs/audit.md,
-- docs/operations.md "PostgreSQL").
--
-- Production runs Flyway as a separate migration owner (spring.flyway.user / spring.flyway.password): that role owns
-- rehab_audit_event, its sequence and the append-only trigger function. The server's role, ${app_role}
-- (spring.flyway.placeholders.app_role, default spring.datasource.username), gets SELECT and INSERT on the table
-- and USAGE on the sequence (nextval), nothing else: it can neither UPDATE, DELETE nor TRUNCATE, and, not being the
-- owner, cannot ALTER the table (DISABLE TRIGGER), drop it, or replace the trigger function.
--
-- When the server's role is the migration role itself (development, tests), the REVOKEs are skipped and the GRANTs
-- only restate what the owner already holds: harmless. A server role that owns the table although Flyway runs as
-- another role (ownership left from an earlier single-role installation) is refused: transfer the ownership first.

DO $$
DECLARE
    app   text := '${app_role}';
    owner text;
BEGIN
    IF app IS NULL OR btrim(app) = '' THEN
        RAISE EXCEPTION 'Flyway placeholder app_role is empty: set spring.flyway.placeholders.app_role';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app) THEN
        RAISE EXCEPTION 'app_role % does not exist', app;
    END IF;
    SELECT pg_get_userbyid(c.relowner) INTO owner FROM pg_class c
        WHERE c.oid = 'rehab_audit_event'::regclass;
    IF app <> current_user THEN
        IF owner = app THEN
            RAISE EXCEPTION '%', format('rehab_audit_event is owned by the server role %I while Flyway runs as %I:'
                ' as an administrator first run ALTER TABLE rehab_audit_event OWNER TO %I;'
                ' ALTER SEQUENCE rehab_audit_event_seq OWNER TO %I;'
                ' ALTER FUNCTION rehab_audit_event_append_only() OWNER TO %I; (docs/operations.md)',
                app, current_user, current_user, current_user, current_user);
        END IF;
        EXECUTE format('REVOKE ALL ON TABLE rehab_audit_event FROM %I', app);
        EXECUTE format('REVOKE ALL ON SEQUENCE rehab_audit_event_seq FROM %I', app);
    END IF;
    EXECUTE format('GRANT SELECT, INSERT ON TABLE rehab_audit_event TO %I', app);
    EXECUTE format('GRANT USAGE ON SEQUENCE rehab_audit_event_seq TO %I', app);
END
$$;
