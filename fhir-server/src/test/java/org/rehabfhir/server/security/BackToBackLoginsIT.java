package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.TokenClient;
import org.rehabfhir.devservices.TokenClient.TokenResponse;

/**
 * Logins of one demo user at the same time (as tests and the clinician app's users do back to back) all get a token:
 * Keycloak 26 refuses a login while another login of the same user is still being accounted by its brute-force
 * protection, with the answer of a wrong password; the test client retries that refusal for a demo user's own
 * password ({@link TokenClient#password}). The realm's brute-force settings stay as they are, and nothing is counted
 * as a failure (alice can still log in afterwards).
 */
class BackToBackLoginsIT {

    @Test
    void concurrentLoginsOfOneDemoUserAllGetAToken() throws Exception {
        TokenClient tokens = KeycloakServer.shared().tokens();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<TokenResponse>> logins = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                logins.add(pool.submit(() ->
                        tokens.password(TokenClient.ALICE, TokenClient.ALICE_PASSWORD, TokenClient.PHYSIO_SCOPES)));
            }
            for (Future<TokenResponse> login : logins) {
                TokenResponse response = login.get();
                assertThat(response.ok()).as(response.body()).isTrue();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(tokens.password(TokenClient.ALICE, TokenClient.ALICE_PASSWORD, null)
                        .ok())
                .isTrue();
    }
}
