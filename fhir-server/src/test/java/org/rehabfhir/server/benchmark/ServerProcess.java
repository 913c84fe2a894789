package org.rehabfhir.server.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One FHIR server of the side-by-side benchmark: the module's executable jar (built by {@code package}) plus the
 * demo data module as its own process, so that each configuration has its own heap, threads and resident memory, measured apart. Started with
 * the JVM options of the benchmark and Spring arguments of its configuration; ready when the readiness probe says so.
 */
public final class ServerProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServerProcess.class);
    private static final Duration STARTUP_LIMIT = Duration.ofSeconds(300);
    private static final Pattern NUMBER = Pattern.compile("\"value\"\\s*:\\s*([0-9.Ee+-]+)");

    private final String name;
    private final Process process;
    private final int port;
    private final Path logFile;
    private final Duration startup;

    private ServerProcess(String name, Process process, int port, Path logFile, Duration startup) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.logFile = logFile;
        this.startup = startup;
    }

    /** Starts the jar with {@code jvmOptions} and {@code arguments} (Spring's {@code --key=value}), waits until ready. */
    public static ServerProcess start(String name, List<String> jvmOptions, List<String> arguments, Path workDir) {
        try {
            Files.createDirectories(workDir);
            int port = freePort();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            // Spring Boot's PropertiesLauncher: the production jar plus the demo data jar (loader.path), as a demo
            // installation adds it; both configurations start from the same demo patients
            command.add("-Dloader.path=" + demoData());
            command.add("-cp");
            command.add(serverJar().toString());
            command.add("org.springframework.boot.loader.launch.PropertiesLauncher");
            command.add("--server.port=" + port);
            command.addAll(arguments);
            Path logFile = workDir.resolve(name + ".log");
            log.info("Starting {} server on port {} (log {}): {}", name, port, logFile, String.join(" ", command));
            long started = System.nanoTime();
            Process process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .start();
            waitForReady("http://localhost:" + port + "/actuator/health/readiness", process, logFile);
            Duration startup = Duration.ofNanos(System.nanoTime() - started);
            log.info("{} server ready in {} ms", name, startup.toMillis());
            return new ServerProcess(name, process, port, logFile, startup);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String name() {
        return name;
    }

    public String baseUrl() {
        return "http://localhost:" + port + "/fhir";
    }

    public String actuatorUrl() {
        return "http://localhost:" + port + "/actuator";
    }

    /** From the process start to the readiness probe answering 200. */
    public Duration startup() {
        return startup;
    }

    public long pid() {
        return process.pid();
    }

    /** The file the server's standard output and error go to. */
    public Path logFile() {
        return logFile;
    }

    /** Resident memory now and its peak (VmRSS, VmHWM of /proc), in MiB; -1 where the platform has no /proc. */
    long[] residentMiB() {
        try {
            long rss = -1;
            long peak = -1;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line) / 1024;
                } else if (line.startsWith("VmHWM:")) {
                    peak = kib(line) / 1024;
                }
            }
            return new long[] {rss, peak};
        } catch (IOException e) {
            return new long[] {-1, -1};
        }
    }

    /** One value of the actuator's metrics endpoint ({@code metric?tag=...}), or NaN. */
    double metric(HttpClient http, String token, String metricAndTags) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create(actuatorUrl() + "/metrics/" + metricAndTags))
                    .timeout(Duration.ofSeconds(10));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = NUMBER.matcher(response.body());
            return response.statusCode() == 200 && m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        log.info("{} server stopped (log {})", name, logFile);
    }

    private static long kib(String statusLine) {
        return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
    }

    /** The exec jar of this module, made by {@code package} before the integration-test phase. */
    public static Path serverJar() {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("fhir-server-.*-exec\\.jar"))
                    .findFirst()
                    .map(Path::toAbsolutePath)
                    .orElseThrow(
                            () -> new IllegalStateException(
                                    "No fhir-server exec jar in target/: run the benchmark through verify (package builds it)"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The demo data module (a test dependency of this module) from the test class path: its jar or classes. */
    public static Path demoData() {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            String name = path.getFileName().toString();
            if ((name.startsWith("demo-data-") && name.endsWith(".jar"))
                    || path.endsWith(Path.of("deploy", "demo-data", "target", "classes"))) {
                return path.toAbsolutePath();
            }
        }
        throw new IllegalStateException("The demo-data module is not on the test class path: build the reactor (-am)");
    }

    private static void waitForReady(String url, Process process, Path logFile) throws InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + STARTUP_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The server exited with " + process.exitValue() + "; see " + logFile);
            }
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(
                "The server was not ready within " + STARTUP_LIMIT.toSeconds() + " s; see " + logFile);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
