package org.rehabfhir.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.rehabfhir.server.support.TestData.*;

import ca.uhn.fhir.context.FhirContext;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.audit.AuditStore;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.PostgresTestDatabase;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Backup and point-in-time recovery of the server's database, the way {@code docs/operations.md} describes it: a base
 * backup taken while the server runs (PostgreSQL's backup API, {@code pg_backup_start} / {@code pg_backup_stop}, a
 * copy of the data directory) plus the WAL written since, restored on a second PostgreSQL of the same version and
 * recovered to a named restore point. The restored database holds exactly what was committed before that point
 * (the resources' stored versions match the running database's, byte for byte), nothing written after it, and its
 * audit chain verifies, row for row equal to the running one's up to its head.
 *
 * <p>Physical, not {@code pg_dump}: the embedded PostgreSQL 17 ships no client programs and no {@code pg_dump} of
 * version 17 is available to the build (a {@code pg_dump} must be at least the server's version), so the logical
 * dump is documented, and this is the path tested. It needs the data directory, so it runs on the embedded backend.
 */
class BackupRestoreIT extends AbstractFhirServerIT {

    /** Directories whose contents a base backup leaves out (PostgreSQL's documentation, "Making a Base Backup"). */
    private static final Set<String> EMPTIED = Set.of(
            "pg_wal",
            "pg_replslot",
            "pg_dynshmem",
            "pg_notify",
            "pg_serial",
            "pg_snapshots",
            "pg_stat_tmp",
            "pg_subtrans");

    private static final Set<String> SKIPPED = Set.of("postmaster.pid", "postmaster.opts", "epg-lock");

    @Test
    void aBaseBackupAndItsWalRecoverToARestorePointWithAnIntactChain() throws Exception {
        PostgresTestDatabase db = PostgresTestDatabase.shared();
        Assumptions.assumeTrue(db.backend().startsWith("embedded"), "needs the embedded PostgreSQL's data directory");
        Path work = Files.createTempDirectory("rehab-backup");
        Path base = work.resolve("base");
        Path archive = work.resolve("wal-archive");
        String before = create(uniqueMrn());
        String restorePoint = "rehab-test-" + UUID.randomUUID();
        String inWindow;
        String after;
        try (Connection admin = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                Statement sql = admin.createStatement()) {
            Path dataDirectory = Path.of(single(sql, "SHOW data_directory"));
            sql.execute("SELECT pg_backup_start('rehab-backup-restore-it', true)");
            inWindow = create(uniqueMrn()); // written while the files are copied: recovered from the WAL
            copyDataDirectory(dataDirectory, base);
            String label;
            try (ResultSet stop = sql.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
                stop.next();
                label = stop.getString(1);
                if (stop.getString(2) != null && !stop.getString(2).isEmpty()) {
                    Files.writeString(base.resolve("tablespace_map"), stop.getString(2), StandardCharsets.UTF_8);
                }
            }
            Files.writeString(base.resolve("backup_label"), label, StandardCharsets.UTF_8);
            sql.execute("SELECT pg_create_restore_point('" + restorePoint + "')");
            after = create(uniqueMrn()); // after the restore point: must not be recovered
            sql.execute("SELECT pg_switch_wal()");
            copyWal(dataDirectory.resolve("pg_wal"), archive);
        }

        Files.createFile(base.resolve("recovery.signal"));
        // PostgreSQL runs as the data directory's owner and wants it private: as the live one
        UserPrincipal owner = Files.getOwner(dataDirectoryOf(db));
        // in the configuration file (the embedded server's -c options are split at spaces)
        Files.writeString(
                base.resolve("postgresql.auto.conf"),
                "\nrestore_command = 'cp \"" + archive + "/%f\" \"%p\"'\n" + "recovery_target_name = '" + restorePoint
                        + "'\nrecovery_target_action = 'promote'\n",
                StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        ownAndPrivate(base, owner);
        ownAndPrivate(archive, owner);
        try (EmbeddedPostgres restored = EmbeddedPostgres.builder()
                .setDataDirectory(base)
                .setCleanDataDirectory(false)
                .setPort(freePort())
                .setPGStartupWait(Duration.ofSeconds(120))
                .start()) {
            String restoredUrl = "jdbc:postgresql://localhost:" + restored.getPort() + "/" + database(db);
            try (Connection copy = DriverManager.getConnection(restoredUrl, db.user(), db.password());
                    Connection live = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                    Statement copySql = copy.createStatement();
                    Statement liveSql = live.createStatement()) {
                // hot standby lets connections in before the target is reached: wait for the promotion
                await().atMost(Duration.ofSeconds(60)).until(() -> "no"
                        .equals(single(copySql, "SELECT CASE WHEN pg_is_in_recovery() THEN 'yes' ELSE 'no' END")));
                assertThat(storedVersions(copySql, before))
                        .isEqualTo(storedVersions(liveSql, before))
                        .isNotEmpty();
                assertThat(storedVersions(copySql, inWindow))
                        .isEqualTo(storedVersions(liveSql, inWindow))
                        .isNotEmpty();
                assertThat(storedVersions(copySql, after))
                        .as("written after the restore point")
                        .isEmpty();
                long head = Long.parseLong(single(copySql, "SELECT max(seq) FROM rehab_audit_event"));
                String digest =
                        "SELECT md5(string_agg(t::text, '|' ORDER BY seq)) FROM rehab_audit_event t WHERE seq <= "
                                + head;
                assertThat(single(copySql, digest))
                        .as("the audit rows up to the restored head")
                        .isEqualTo(single(liveSql, digest));
            }
            AuditStore.ChainReport chain = new AuditStore(
                            new DriverManagerDataSource(restoredUrl, db.user(), db.password()),
                            FhirContext.forR4Cached())
                    .verify();
            assertThat(chain.intact()).as(String.valueOf(chain.reason())).isTrue();
            assertThat(chain.checked()).isPositive();
        } finally {
            deleteRecursively(work);
        }
    }

    private String create(String mrn) {
        return ehr().create().resource(patient(mrn)).execute().getId().getIdPart();
    }

    /** Every stored version of a Patient, as HAPI keeps it (all columns), in version order. */
    private static String storedVersions(Statement sql, String patientId) throws Exception {
        return single(
                sql,
                "SELECT coalesce(string_agg(v::text, '|' ORDER BY v.res_ver), '') FROM hfj_res_ver v"
                        + " JOIN hfj_resource r ON r.res_id = v.res_id WHERE r.res_type = 'Patient' AND r.fhir_id = '"
                        + patientId + "'");
    }

    private static String single(Statement sql, String query) throws Exception {
        try (ResultSet rs = sql.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String database(PostgresTestDatabase db) {
        String url = db.jdbcUrl();
        return url.substring(url.lastIndexOf('/') + 1);
    }

    private static void copyDataDirectory(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path relative = from.relativize(source);
                Path target = to.resolve(relative.toString());
                boolean inEmptied = relative.getNameCount() > 1
                        && EMPTIED.contains(relative.getName(0).toString());
                if (inEmptied
                        || SKIPPED.contains(relative.toString())
                        || relative.toString().contains("pgsql_tmp")) {
                    continue;
                }
                try {
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                } catch (NoSuchFileException gone) {
                    // removed while copying (a temporary file): the WAL replay covers it
                }
            }
        }
    }

    private static Path dataDirectoryOf(PostgresTestDatabase db) throws Exception {
        try (Connection admin = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                Statement sql = admin.createStatement()) {
            return Path.of(single(sql, "SHOW data_directory"));
        }
    }

    private static void ownAndPrivate(Path root, UserPrincipal owner) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.setOwner(p, owner);
                Files.setPosixFilePermissions(
                        p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwx------" : "rw-------"));
            }
        }
    }

    private static void copyWal(Path walDirectory, Path archive) throws IOException {
        Files.createDirectories(archive);
        try (Stream<Path> files = Files.list(walDirectory)) {
            for (Path segment : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(segment)) {
                    Files.copy(
                            segment,
                            archive.resolve(segment.getFileName().toString()),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
