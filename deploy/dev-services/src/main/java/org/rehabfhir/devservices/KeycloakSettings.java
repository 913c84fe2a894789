package org.rehabfhir.devservices;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * Development and test only: where the Keycloak distribution, its working directory and the realm files are, and on
 * which port it listens. Every value has a default and can be set by a system property.
 *
 * <table>
 *   <caption>System properties</caption>
 *   <tr><th>property</th><th>default</th></tr>
 *   <tr><td>{@code keycloak.url}</td><td>unset: start a Keycloak. Set (e.g. {@code http://127.0.0.1:8180}): use
 *       that running server, start nothing</td></tr>
 *   <tr><td>{@code keycloak.dist.zip}</td><td>{@code ~/.m2/repository/org/keycloak/keycloak-quarkus-dist/26.7.3/
 *       keycloak-quarkus-dist-26.7.3.zip}</td></tr>
 *   <tr><td>{@code keycloak.home}</td><td>{@code <repo>/.local/keycloak/26.7.3}</td></tr>
 *   <tr><td>{@code keycloak.realm.dir}</td><td>{@code <repo>/auth/realm} (every {@code *.json} in it is imported)
 *       </td></tr>
 *   <tr><td>{@code keycloak.port}</td><td>{@code 0}: a free port</td></tr>
 *   <tr><td>{@code keycloak.startup.timeout}</td><td>{@code 240} (seconds)</td></tr>
 *   <tr><td>{@code keycloak.java.home}</td><td>the running JVM's {@code java.home}</td></tr>
 *   <tr><td>{@code rehab.repo.dir}</td><td>the first folder upwards of the working directory that holds
 *       {@code auth/realm/rehab-realm.json}</td></tr>
 * </table>
 */
public record KeycloakSettings(
        String externalUrl,
        Path distributionZip,
        Path home,
        Path realmDirectory,
        int port,
        Duration startupTimeout,
        Path javaHome) {

    /** The Keycloak version of the parent pom ({@code keycloak.version}), filtered into keycloak.properties. */
    public static final String VERSION = filteredVersion();

    public static final String REALM = "rehab";

    private static String filteredVersion() {
        Properties properties = new Properties();
        try (InputStream in = KeycloakSettings.class.getResourceAsStream("keycloak.properties")) {
            if (in == null) {
                throw new IllegalStateException("keycloak.properties missing from dev-services");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String version = properties.getProperty("version", "");
        if (version.isBlank() || version.startsWith("$")) {
            throw new IllegalStateException("keycloak.properties was not filtered by Maven: version=" + version);
        }
        return version;
    }

    public KeycloakSettings {
        Objects.requireNonNull(distributionZip, "distributionZip");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(realmDirectory, "realmDirectory");
        Objects.requireNonNull(startupTimeout, "startupTimeout");
        Objects.requireNonNull(javaHome, "javaHome");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** The settings from system properties, with the defaults described on this class. */
    public static KeycloakSettings fromSystemProperties() {
        Path repo = repositoryRoot();
        String externalUrl = blankToNull(System.getProperty("keycloak.url"));
        Path zip = pathProperty(
                "keycloak.dist.zip",
                Path.of(
                        System.getProperty("user.home"),
                        ".m2",
                        "repository",
                        "org",
                        "keycloak",
                        "keycloak-quarkus-dist",
                        VERSION,
                        "keycloak-quarkus-dist-" + VERSION + ".zip"));
        Path home = pathProperty(
                "keycloak.home", repo.resolve(".local").resolve("keycloak").resolve(VERSION));
        Path realms = pathProperty("keycloak.realm.dir", repo.resolve("auth").resolve("realm"));
        int port = Integer.parseInt(System.getProperty("keycloak.port", "0").trim());
        Duration timeout = Duration.ofSeconds(Long.parseLong(
                System.getProperty("keycloak.startup.timeout", "240").trim()));
        Path javaHome = pathProperty("keycloak.java.home", Path.of(System.getProperty("java.home")));
        return new KeycloakSettings(externalUrl, zip, home, realms, port, timeout, javaHome);
    }

    public KeycloakSettings withPort(int newPort) {
        return new KeycloakSettings(
                externalUrl, distributionZip, home, realmDirectory, newPort, startupTimeout, javaHome);
    }

    /**
     * The repository root: {@code rehab.repo.dir}, else the first folder from the working directory upwards that
     * holds {@code auth/realm/rehab-realm.json} (tests run in a module folder, the local runner in the root).
     */
    public static Path repositoryRoot() {
        String explicit = blankToNull(System.getProperty("rehab.repo.dir"));
        if (explicit != null) {
            return Path.of(explicit).toAbsolutePath().normalize();
        }
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("auth").resolve("realm").resolve("rehab-realm.json"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "Cannot find the repository root (a folder holding auth/realm/rehab-realm.json) " + "upwards of "
                        + start + "; set -Drehab.repo.dir=/path/to/repo");
    }

    private static Path pathProperty(String name, Path fallback) {
        String value = blankToNull(System.getProperty(name));
        return value == null ? fallback : Path.of(value).toAbsolutePath().normalize();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
