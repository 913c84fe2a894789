package org.rehabfhir.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.rehabfhir.devservices.LocalPostgres;

/**
 * The PostgreSQL of the local system ({@code ./deploy/local/run.sh}, {@link LocalPostgres} with its default) keeps
 * its commits durable: the embedded distribution's own defaults ({@code -F}, {@code synchronous_commit=off}) are
 * overridden. The tests' fast setting is the explicit exception.
 */
class LocalPostgresDurabilityIT {

    @Test
    void theLocalPostgresCommitsDurablyByDefault() throws Exception {
        try (LocalPostgres postgres = LocalPostgres.start(Files.createTempDirectory("durable-pg"), freePort())) {
            assertThat(show(postgres, "fsync")).isEqualTo("on");
            assertThat(show(postgres, "synchronous_commit")).isEqualTo("on");
            assertThat(show(postgres, "full_page_writes")).isEqualTo("on");
        }
    }

    @Test
    void onlyTheExplicitTestSettingTurnsThemOff() throws Exception {
        Path data = Files.createTempDirectory("fast-pg");
        try (LocalPostgres postgres = LocalPostgres.start(data, freePort(), LocalPostgres.Durability.FAST_UNSAFE)) {
            assertThat(show(postgres, "fsync")).isEqualTo("off");
            assertThat(show(postgres, "synchronous_commit")).isEqualTo("off");
        }
    }

    private static String show(LocalPostgres postgres, String setting) throws Exception {
        try (Connection connection =
                        DriverManager.getConnection(postgres.jdbcUrl("postgres"), LocalPostgres.SUPERUSER, "");
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
