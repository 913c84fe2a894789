package org.rehabfhir.server.benchmark;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rehabfhir.server.support.PostgresTestDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a workload's time goes, per request of one window: the CPU of the server process, of PostgreSQL (all its
 * processes), of the benchmark's own JVM and the machine's idle share ({@code /proc}, lines starting with {@code CPU});
 * and PostgreSQL's {@code pg_stat_statements} of the server's database: the database time per request and the
 * statements that took most of it (lines starting with {@code STATEMENTS}). So a profile of the server (JFR) and of
 * its queries are read side by side, and a window that leaves the machine idle is told from one that saturates it.
 * Only with {@code benchmark.breakdown=true}, which also has the test PostgreSQL load the extension
 * ({@code PostgresTestDatabase}).
 */
final class WindowBreakdown {

    private static final Logger log = LoggerFactory.getLogger(WindowBreakdown.class);
    static final boolean ENABLED = PostgresTestDatabase.STATEMENT_STATISTICS;
    private static final int TOP = 12;

    private String postmaster = "";
    private final String adminUrl;
    private final String user;
    private final String password;

    WindowBreakdown(String adminUrl, String user, String password) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.password = password;
        if (ENABLED) {
            try (Connection c = connect();
                    Statement s = c.createStatement()) {
                s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
                try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                    rs.next();
                    // the postmaster: the parent of this connection's backend (processes of other PostgreSQL
                    // servers on the machine are not counted)
                    postmaster = parent(Path.of("/proc", Integer.toString(rs.getInt(1)), "stat"));
                }
            } catch (SQLException e) {
                throw new IllegalStateException("pg_stat_statements is not available", e);
            }
        }
    }

    private long[] cpuBefore;
    /** Ticks of each PostgreSQL process at the window's start (a connection opened within it counts from 0). */
    private Map<String, Long> postgresBefore = Map.of();

    /** Before a window of {@code serverPid}. */
    void reset(long serverPid) {
        if (ENABLED) {
            Map<String, Long> postgres = new HashMap<>();
            cpuBefore = cpuTicks(serverPid, postmaster, postgres);
            postgresBefore = postgres;
            try (Connection c = connect();
                    Statement s = c.createStatement()) {
                s.execute("SELECT pg_stat_statements_reset()");
            } catch (SQLException e) {
                log.warn("pg_stat_statements_reset: {}", e.getMessage());
            }
        }
    }

    /** Logs the CPU and the statements run on {@code jdbcUrl}'s database since {@link #reset}, per request. */
    void report(String server, long serverPid, String workload, String jdbcUrl, long requests) {
        if (!ENABLED || requests == 0) {
            return;
        }
        Map<String, Long> postgres = new HashMap<>();
        long[] cpu = cpuTicks(serverPid, postmaster, postgres);
        // per process, so that one that ended within the window (a closed connection) takes nothing away
        long postgresTicks = postgres.entrySet().stream()
                .mapToLong(e -> e.getValue() - postgresBefore.getOrDefault(e.getKey(), 0L))
                .sum();
        double msPerTick = 1000.0 / TICKS_PER_SECOND;
        long machine = cpu[MACHINE] - cpuBefore[MACHINE];
        log.info(String.format(
                Locale.ROOT,
                "CPU %s | %s | %d requests | per request: server %.1f ms, PostgreSQL %.1f ms, benchmark client %.1f ms,"
                        + " the rest of the machine's busy time (Keycloak, other processes, steal) %.1f ms; machine idle %.0f %%",
                server,
                workload,
                requests,
                delta(cpu, SERVER) * msPerTick / requests,
                postgresTicks * msPerTick / requests,
                delta(cpu, CLIENT) * msPerTick / requests,
                (machine - delta(cpu, IDLE) - delta(cpu, SERVER) - postgresTicks - delta(cpu, CLIENT))
                        * msPerTick
                        / requests,
                machine == 0 ? 0 : 100.0 * delta(cpu, IDLE) / machine));
        String database = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1);
        String sql = "SELECT s.calls, s.total_exec_time, s.rows, s.query, s.total_plan_time FROM pg_stat_statements s"
                + " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = ?"
                + " ORDER BY s.total_exec_time + s.total_plan_time DESC";
        try (Connection c = connect();
                PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, database);
            double totalMs = 0;
            double planMs = 0;
            long calls = 0;
            StringBuilder top = new StringBuilder();
            int n = 0;
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    totalMs += rs.getDouble(2);
                    planMs += rs.getDouble(5);
                    calls += rs.getLong(1);
                    if (n++ < TOP) {
                        top.append(String.format(
                                Locale.ROOT,
                                "%nSTATEMENTS   %6.2f ms executing %6.2f ms planning %5.1f calls %6.1f rows per request: %s",
                                rs.getDouble(2) / requests,
                                rs.getDouble(5) / requests,
                                (double) rs.getLong(1) / requests,
                                (double) rs.getLong(3) / requests,
                                abbreviate(rs.getString(4))));
                    }
                }
            }
            log.info(String.format(
                    Locale.ROOT,
                    "STATEMENTS %s | %s | %d requests | per request: %.2f ms executing, %.2f ms planning, %.1f"
                            + " statements%s",
                    server,
                    workload,
                    requests,
                    totalMs / requests,
                    planMs / requests,
                    (double) calls / requests,
                    top));
        } catch (SQLException e) {
            log.warn("pg_stat_statements of {}: {}", database, e.getMessage());
        }
    }

    /**
     * With {@code benchmark.hold} (seconds), waits that long after the workloads, logging the databases' JDBC URLs:
     * their statements can then be explained by hand (psql) on the data the workloads ran on.
     */
    void hold(List<String> jdbcUrls) throws InterruptedException {
        int seconds = Integer.getInteger("benchmark.hold", 0);
        if (ENABLED && seconds > 0) {
            log.info("STATEMENTS holding the databases {} for {} s", jdbcUrls, seconds);
            Thread.sleep(seconds * 1000L);
        }
    }

    private long delta(long[] now, int which) {
        return now[which] - cpuBefore[which];
    }

    private static final int SERVER = 0;
    private static final int CLIENT = 1;
    private static final int MACHINE = 2;
    private static final int IDLE = 3;
    /** USER_HZ of Linux's /proc (100 on every architecture the JDK runs on). */
    private static final int TICKS_PER_SECOND = 100;

    /**
     * user + system ticks of the server and of this JVM, the machine's; those of each process of the test
     * PostgreSQL (its postmaster and that one's children) put in {@code postgres} by pid.
     */
    private static long[] cpuTicks(long serverPid, String postmaster, Map<String, Long> postgres) {
        long[] ticks = new long[4];
        ticks[SERVER] = processTicks(Path.of("/proc", Long.toString(serverPid), "stat"));
        ticks[CLIENT] = processTicks(Path.of("/proc/self/stat"));
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                String stat = read(process.resolve("stat"));
                String pid = process.getFileName().toString();
                if (stat.contains("(postgres)") && (pid.equals(postmaster) || postmaster.equals(parent(stat)))) {
                    postgres.put(pid, processTicks(stat));
                }
            }
            String[] machine = read(Path.of("/proc/stat"))
                    .lines()
                    .findFirst()
                    .orElse("cpu")
                    .trim()
                    .split("\\s+");
            // user nice system idle iowait irq softirq steal (guest and guest_nice are already in user and nice)
            for (int i = 1; i < Math.min(machine.length, 9); i++) {
                ticks[MACHINE] += Long.parseLong(machine[i]);
            }
            ticks[IDLE] = machine.length > 5 ? Long.parseLong(machine[4]) + Long.parseLong(machine[5]) : 0;
        } catch (IOException | RuntimeException e) {
            log.warn("/proc: {}", e.getMessage());
        }
        return ticks;
    }

    /** The fields of a /proc/PID/stat line after the command (field 3 first; the command may hold spaces). */
    private static String[] afterCommand(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    /** The parent's pid of a /proc/PID/stat line (field 4). */
    private static String parent(String stat) {
        return stat.isEmpty() ? "" : afterCommand(stat)[1];
    }

    private static String parent(Path stat) {
        return parent(read(stat));
    }

    private static long processTicks(Path stat) {
        return processTicks(read(stat));
    }

    /** utime + stime of a /proc/PID/stat line (fields 14 and 15). */
    private static long processTicks(String stat) {
        if (stat.isEmpty()) {
            return 0;
        }
        String[] fields = afterCommand(stat);
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            return ""; // a process that ended meanwhile
        }
    }

    private static String abbreviate(String query) {
        String oneLine = query.replaceAll("\\s+", " ");
        return oneLine.length() > 700 ? oneLine.substring(0, 700) + " ..." : oneLine;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(adminUrl, user, password);
    }
}
