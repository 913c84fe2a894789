package org.rehabfhir.server.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.security.AbstractCareTeamNarrowingIT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every example of {@code docs/api-guide.md} is executed: each fenced {@code bash} block preceded by a line
 * {@code <!-- example: expect S1 S2 ... -->} is run, in the order of the guide, in one bash session (as an integrator
 * pastes them one after the other: a later block uses the tokens and ids of an earlier one) against the test stack,
 * with CareTeam narrowing on as on the local system the guide addresses. Each {@code curl} call's HTTP status is
 * recorded (a shell function around curl adds {@code -D}), and the statuses of a block must be the documented ones.
 *
 * <p>The only change made to the examples: the local system's addresses ({@code http://localhost:8080},
 * {@code http://127.0.0.1:8180/realms/rehab}) are replaced by the test server's and the test Keycloak's. The blocks
 * run in {@code target/api-guide-examples} with {@code auth} linked to the repository's (the JWT sketch reads the
 * development key from there). Needs bash, curl, jq and openssl (installed by {@code .ci/run} where missing).
 */
class ApiGuideExamplesIT extends AbstractCareTeamNarrowingIT {

    private static final Logger log = LoggerFactory.getLogger(ApiGuideExamplesIT.class);

    static final String MARKER = "<!-- example: expect ";
    static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    static final Path GUIDE = REPOSITORY.resolve("docs/api-guide.md");

    record Example(int line, List<Integer> expected, String script) {}

    static List<Example> examples(List<String> lines) {
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (!line.startsWith(MARKER)) {
                continue;
            }
            List<Integer> expected = Arrays.stream(line.substring(MARKER.length(), line.indexOf("-->"))
                            .trim()
                            .split("\\s+"))
                    .map(Integer::valueOf)
                    .toList();
            assertThat(lines.get(i + 1).trim())
                    .as("line %d: the marked block", i + 2)
                    .isEqualTo("```bash");
            StringBuilder script = new StringBuilder();
            int j = i + 2;
            while (!lines.get(j).trim().equals("```")) {
                script.append(lines.get(j)).append('\n');
                j++;
            }
            examples.add(new Example(i + 1, expected, script.toString()));
            i = j;
        }
        return examples;
    }

    @Test
    void everyExampleOfTheApiGuideAnswersAsDocumented() throws Exception {
        List<String> lines = Files.readAllLines(GUIDE, StandardCharsets.UTF_8);
        List<Example> examples = examples(lines);
        assertThat(examples).as("marked examples in %s", GUIDE).hasSizeGreaterThanOrEqualTo(5);
        // every bash block of the guide is marked: an unmarked one would be an example nobody runs
        long bashBlocks = lines.stream().filter(l -> l.trim().equals("```bash")).count();
        assertThat(examples).hasSize((int) bashBlocks);

        Path dir = Path.of("target", "api-guide-examples").toAbsolutePath();
        deleteRecursively(dir);
        Files.createDirectories(dir.resolve("status"));
        Files.createSymbolicLink(dir.resolve("auth"), REPOSITORY.resolve("auth"));

        StringBuilder script = new StringBuilder();
        script.append("cd '").append(dir).append("'\n");
        // each curl call's response headers into status/<n> (a counter file: command substitutions are subshells)
        script.append("echo 0 > status/n\n");
        script.append("curl() { local n=$(( $(cat status/n) + 1 )); echo $n > status/n; ")
                .append("command curl -D status/$n \"$@\"; }\n");
        for (Example example : examples) {
            script.append("echo \"== example at line ")
                    .append(example.line())
                    .append(" from call $(( $(cat status/n) + 1 ))\"\n");
            script.append(localAddressesToTheTestStack(example.script()));
        }
        Path file = dir.resolve("examples.sh");
        Files.writeString(file, script.toString(), StandardCharsets.UTF_8);

        Process bash = new ProcessBuilder("bash", file.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("output.txt").toFile())
                .start();
        assertThat(bash.waitFor(5, TimeUnit.MINUTES)).as("the examples finish").isTrue();
        String output = Files.readString(dir.resolve("output.txt"));
        log.info("api-guide examples output:\n{}", output.length() > 20_000 ? output.substring(0, 20_000) : output);

        int call = 0;
        for (Example example : examples) {
            List<Integer> actual = new ArrayList<>();
            for (int k = 0; k < example.expected().size(); k++) {
                call++;
                actual.add(status(dir.resolve("status").resolve(Integer.toString(call))));
            }
            assertThat(actual)
                    .as(
                            "statuses of the example at docs/api-guide.md line %d (output: %s)",
                            example.line(), dir.resolve("output.txt"))
                    .isEqualTo(example.expected());
        }
        assertThat(Files.readString(dir.resolve("status/n")).trim())
                .as("curl calls made")
                .isEqualTo(Integer.toString(call));
    }

    private String localAddressesToTheTestStack(String script) {
        return script.replace("http://127.0.0.1:8180/realms/rehab", keycloak().issuerUri())
                .replace("http://localhost:8080", "http://localhost:" + port);
    }

    /** The status of the last response in a {@code curl -D} file (after any 100 Continue); 0 when none. */
    private static int status(Path headers) throws IOException {
        if (!Files.exists(headers)) {
            return 0;
        }
        int status = 0;
        for (String line : Files.readAllLines(headers, StandardCharsets.ISO_8859_1)) {
            if (line.startsWith("HTTP/")) {
                status = Integer.parseInt(line.split(" ")[1]);
            }
        }
        return status;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
