package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.awaitility.core.ConditionTimeoutException;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.TokenClient;
import org.springframework.jdbc.core.JdbcTemplate;

/** Helpers of the audit ITs: fresh tokens (a unique jti each), the audit rows behind them, raw HTTP. */
final class AuditTestSupport {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private AuditTestSupport() {}

    static String freshUserToken(String username) {
        return KeycloakServer.shared().tokens().userToken(username);
    }

    static String freshEhrToken() {
        return KeycloakServer.shared().tokens().ehrHospitalToken();
    }

    /** One claim of a token, read with the dev-services token client's decoder. */
    static String claim(String token, String name) {
        return String.valueOf(TokenClient.claims(token).get(name));
    }

    static String jti(String token) {
        return claim(token, "jti");
    }

    static String sub(String token) {
        return claim(token, "sub");
    }

    /** The audit rows of one token, waiting briefly until at least {@code atLeast} exist. */
    static List<Map<String, Object>> rowsOfToken(JdbcTemplate jdbc, String token, int atLeast) {
        return waitFor(jdbc, "SELECT * FROM rehab_audit_event WHERE token_id = ? ORDER BY seq", atLeast, jti(token));
    }

    static List<Map<String, Object>> waitFor(JdbcTemplate jdbc, String sql, int atLeast, Object... args) {
        List<Map<String, Object>> rows;
        try {
            rows = await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> jdbc.queryForList(sql, args), found -> found.size() >= atLeast);
        } catch (ConditionTimeoutException fewer) {
            return jdbc.queryForList(sql, args); // the caller's assertion says how many are missing
        }
        // a second look: a duplicate written late would show here
        int seen = rows.size();
        try {
            await().during(Duration.ofMillis(150))
                    .atMost(Duration.ofSeconds(1))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> jdbc.queryForList(sql, args).size() == seen);
        } catch (ConditionTimeoutException more) {
            // a late row arrived: returned below for the caller's assertion
        }
        return jdbc.queryForList(sql, args);
    }

    static Map<String, Object> single(List<Map<String, Object>> rows) {
        assertThat(rows).as("audit rows").hasSize(1);
        return rows.get(0);
    }

    static List<String> array(Object sqlArray) {
        try {
            Object[] values = (Object[]) ((java.sql.Array) sqlArray).getArray();
            return java.util.Arrays.stream(values).map(String::valueOf).toList();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static JdbcTemplate jdbc(DataSource dataSource) {
        return new JdbcTemplate(dataSource);
    }

    record Response(int status, String body) {}

    static Response send(String method, String url, String token, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        headers.forEach(request::header);
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
        if (body != null) {
            request.header("Content-Type", "application/fhir+json");
        }
        request.method(method, publisher);
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
