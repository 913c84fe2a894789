package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.PostgresTestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The production split of {@code docs/operations.md}: the migration owner owns the audit table, the server's role
 * gets what {@code V2__audit_grants.sql} grants it. A fresh non-superuser role, given exactly those grants by running
 * that migration's SQL for it, can INSERT and SELECT audit rows but can neither UPDATE, DELETE, TRUNCATE nor
 * {@code ALTER TABLE ... DISABLE TRIGGER}, nor replace the trigger function.
 */
class AuditDatabaseRoleIT extends AbstractFhirServerIT {

    private static final String PASSWORD = "probe-" + UUID.randomUUID();

    @Autowired
    DataSource dataSource;

    JdbcTemplate owner;
    String role;

    @BeforeEach
    void createAppRole() throws IOException {
        owner = new JdbcTemplate(dataSource); // the test database's owner, as the migration role would be
        role = "rehab_app_probe_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        owner.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + PASSWORD + "'"
                + " NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS");
        owner.execute(migration("V2__audit_grants.sql").replace("${app_role}", role));
    }

    @AfterEach
    void dropAppRole() {
        owner.execute("DROP OWNED BY " + role);
        owner.execute("DROP ROLE " + role);
    }

    @Test
    void theGrantsMigrationRanAtStart() {
        Boolean success =
                owner.queryForObject("SELECT success FROM rehab_flyway_history WHERE version = '2'", Boolean.class);
        assertThat(success).isTrue();
        // the server's role (here the owner itself) keeps what it needs
        String serverRole = owner.queryForObject("SELECT current_user", String.class);
        assertThat(owner.queryForObject(
                        "SELECT has_table_privilege(?, 'rehab_audit_event', 'SELECT, INSERT')",
                        Boolean.class,
                        serverRole))
                .isTrue();
    }

    @Test
    void theAppRoleHasOnlySelectInsertAndSequenceUsage() {
        for (String privilege : new String[] {"SELECT", "INSERT"}) {
            assertThat(privilege(role, "has_table_privilege(?, 'rehab_audit_event', ?)", privilege))
                    .as(privilege)
                    .isTrue();
        }
        for (String privilege : new String[] {"UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}) {
            assertThat(privilege(role, "has_table_privilege(?, 'rehab_audit_event', ?)", privilege))
                    .as(privilege)
                    .isFalse();
        }
        assertThat(privilege(role, "has_sequence_privilege(?, 'rehab_audit_event_seq', ?)", "USAGE"))
                .isTrue();
        assertThat(privilege(role, "has_sequence_privilege(?, 'rehab_audit_event_seq', ?)", "UPDATE"))
                .isFalse();
        assertThat(owner.queryForObject(
                        "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'rehab_audit_event'::regclass",
                        String.class))
                .isNotEqualTo(role);
    }

    @Test
    void theAppRoleCanInsertAndSelectButNotUpdateDeleteTruncateOrDisableTheTrigger() throws SQLException {
        try (Connection app = DriverManager.getConnection(
                        PostgresTestDatabase.shared().jdbcUrl(), role, PASSWORD);
                Statement statement = app.createStatement()) {
            app.setAutoCommit(false);
            String hash = "probe-" + UUID.randomUUID();
            // a row that is rolled back: the chain stays intact (a gap in seq is allowed)
            int inserted = statement.executeUpdate("INSERT INTO rehab_audit_event (seq, recorded, interaction, action,"
                    + " outcome, http_status, event_json, prev_hash, hash) VALUES (nextval('rehab_audit_event_seq'), now(),"
                    + " 'read', 'R', '0', 200, '{}', 'probe', '" + hash + "')");
            assertThat(inserted).isEqualTo(1);
            try (ResultSet rs =
                    statement.executeQuery("SELECT count(*) FROM rehab_audit_event WHERE hash = '" + hash + "'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
            app.rollback();

            for (String sql : new String[] {
                "UPDATE rehab_audit_event SET outcome = '0' WHERE seq = (SELECT min(seq) FROM rehab_audit_event)",
                "DELETE FROM rehab_audit_event WHERE seq = (SELECT min(seq) FROM rehab_audit_event)",
                "TRUNCATE rehab_audit_event",
                "ALTER TABLE rehab_audit_event DISABLE TRIGGER rehab_audit_event_no_update_delete",
                "ALTER TABLE rehab_audit_event DISABLE TRIGGER ALL",
                "DROP TRIGGER rehab_audit_event_no_update_delete ON rehab_audit_event",
                "CREATE OR REPLACE FUNCTION rehab_audit_event_append_only() RETURNS trigger LANGUAGE plpgsql"
                        + " AS 'BEGIN RETURN NEW; END'"
            }) {
                assertThatThrownBy(() -> statement.execute(sql))
                        .as(sql)
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState())
                                .as(sql + ": " + e.getMessage())
                                .isEqualTo("42501"));
                app.rollback();
            }
        }
        // nothing changed: the chain is intact
        Parameters chain = auditor()
                .operation()
                .onType(AuditEvent.class)
                .named("$verify-chain")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute();
        assertThat(chain.getParameterBool("intact")).isTrue();
    }

    private boolean privilege(String grantee, String function, String privilege) {
        return Boolean.TRUE.equals(owner.queryForObject("SELECT " + function, Boolean.class, grantee, privilege));
    }

    private static String migration(String name) throws IOException {
        try (InputStream in = AuditDatabaseRoleIT.class.getResourceAsStream("/db/migration/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
