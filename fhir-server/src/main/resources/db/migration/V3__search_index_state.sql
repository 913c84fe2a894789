-- The state of the server's own search indexes (engine.TextCandidateIndex; docs/operations.md "Upgrades"): for each
-- index, the definition its rows are built from, when that definition was stored (the database's clock), the reindex
-- job filling the rows of the Observations stored before, the attempts so far and when the next may begin, and whether
-- a reindex completed. The reads trust an index only when
-- complete. HAPI deletes finished batch jobs after 7 days: the outcome is kept here, not in HAPI's job table.

CREATE TABLE rehab_search_index (
    code            text        PRIMARY KEY,
    definition      text        NOT NULL,
    stored_at       timestamptz NOT NULL,
    reindex_job     text,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    complete        boolean     NOT NULL DEFAULT false,
    updated_at      timestamptz NOT NULL
);

DO $$
DECLARE
    app text := '${app_role}';
BEGIN
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON TABLE rehab_search_index TO %I', app);
END
$$;
