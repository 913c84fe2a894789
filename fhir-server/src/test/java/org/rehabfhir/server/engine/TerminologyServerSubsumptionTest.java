package org.rehabfhir.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SNOMED CT subsumption client against a terminology server on loopback (the JDK's HTTP server answering
 * {@code CodeSystem/$subsumes} as a FHIR terminology server does).
 */
class TerminologyServerSubsumptionTest {

    /** codeA>codeB → the outcome the stand-in server answers; anything else answers 500. */
    private static final Map<String, String> OUTCOMES = Map.of(
            "230690007>422504002", "subsumes",
            "230690007>239873007", "not-subsumed",
            "230690007>230690007", "equivalent");

    private HttpServer server;
    /** While true, the stand-in server answers every question with a 500 (an outage). */
    private volatile boolean down;

    private final List<String> queries = new ArrayList<>();
    private TerminologyServerSubsumption subsumption;

    @BeforeEach
    void startTerminologyServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/fhir/CodeSystem/$subsumes", exchange -> {
            String query = exchange.getRequestURI().getQuery();
            queries.add(query);
            String codeA = parameter(query, "codeA");
            String codeB = parameter(query, "codeB");
            String outcome = query.contains("system=http") && !down ? OUTCOMES.get(codeA + ">" + codeB) : null;
            byte[] body = outcome == null
                    ? "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"exception\"}]}"
                            .getBytes(StandardCharsets.UTF_8)
                    : ("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"outcome\",\"valueCode\":\""
                                    + outcome + "\"}]}")
                            .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/fhir+json");
            exchange.sendResponseHeaders(outcome == null ? 500 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        subsumption = new TerminologyServerSubsumption(
                "http://127.0.0.1:" + server.getAddress().getPort() + "/fhir");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void descendantIsSubsumed() {
        assertThat(subsumption.subsumes("230690007", "422504002")).contains(true);
    }

    @Test
    void equivalentCodeCountsAsSubsumed() {
        assertThat(subsumption.subsumes("230690007", "230690007")).contains(true);
    }

    @Test
    void unrelatedCodeIsNotSubsumed() {
        assertThat(subsumption.subsumes("230690007", "239873007")).contains(false);
    }

    @Test
    void serverErrorMeansUnknownSoTheCuratedTableDecides() {
        assertThat(subsumption.subsumes("24700007", "49049000")).isEqualTo(Optional.empty());
    }

    @Test
    void aFailureIsNotCachedTheServerIsAskedAgainAfterItRecovers() {
        down = true;
        assertThat(subsumption.subsumes("230690007", "422504002")).isEmpty();

        down = false;
        assertThat(subsumption.subsumes("230690007", "422504002")).contains(true);
        assertThat(subsumption.subsumes("230690007", "422504002")).contains(true);

        assertThat(queries).hasSize(2);
    }

    @Test
    void answersAreCachedAndTheQueryNamesSnomed() {
        subsumption.subsumes("230690007", "422504002");
        subsumption.subsumes("230690007", "422504002");

        assertThat(queries).hasSize(1);
        assertThat(queries.get(0)).contains("system=http").contains("snomed.info");
    }

    private static String parameter(String query, String name) {
        for (String pair : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        return "";
    }
}
