-- Append-only, hash-chained audit trail (issue 6). One row per AuditEvent (IHE BALP shape, JSON in event_json).
-- The searchable columns are part of the hash (see docs/audit.md), so altering any of them breaks the chain too.

CREATE SEQUENCE rehab_audit_event_seq;

CREATE TABLE rehab_audit_event (
    seq             bigint      PRIMARY KEY,
    recorded        timestamptz NOT NULL,
    interaction     text        NOT NULL,          -- http://hl7.org/fhir/restful-interaction code
    action          text        NOT NULL,          -- C R U D E
    outcome         text        NOT NULL,          -- 0 4 8 12
    http_status     integer     NOT NULL,
    agent_sub       text,                          -- token sub
    agent_username  text,                          -- preferred_username
    client_id       text,                          -- azp
    token_id        text,                          -- jti
    fhir_user       text,                          -- fhirUser claim, e.g. Practitioner/alice
    source_ip       text,
    purpose_of_use  text,                          -- "system|code" values, comma separated
    patient_refs    text[]      NOT NULL DEFAULT '{}',
    resource_refs   text[]      NOT NULL DEFAULT '{}',
    request_method  text,
    request_path    text,
    operation       text,                          -- e.g. $apply
    event_json      text        NOT NULL,          -- the FHIR AuditEvent, exactly as hashed
    prev_hash       text        NOT NULL,
    hash            text        NOT NULL UNIQUE
);

CREATE INDEX rehab_audit_event_recorded_idx ON rehab_audit_event (recorded);
CREATE INDEX rehab_audit_event_patient_idx ON rehab_audit_event USING gin (patient_refs);
CREATE INDEX rehab_audit_event_sub_idx ON rehab_audit_event (agent_sub);
CREATE INDEX rehab_audit_event_username_idx ON rehab_audit_event (agent_username);
CREATE INDEX rehab_audit_event_client_idx ON rehab_audit_event (client_id);
CREATE INDEX rehab_audit_event_token_idx ON rehab_audit_event (token_id);

-- Append-only, also for the role the server connects with (and for its owner): every UPDATE, DELETE and TRUNCATE
-- fails. Only someone able to drop the trigger (the table owner or a superuser) can change a row, and the hash
-- chain ($verify-chain) then shows where.
CREATE FUNCTION rehab_audit_event_append_only() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'rehab_audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER rehab_audit_event_no_update_delete
    BEFORE UPDATE OR DELETE ON rehab_audit_event
    FOR EACH ROW EXECUTE FUNCTION rehab_audit_event_append_only();

CREATE TRIGGER rehab_audit_event_no_truncate
    BEFORE TRUNCATE ON rehab_audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION rehab_audit_event_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON rehab_audit_event FROM PUBLIC;
