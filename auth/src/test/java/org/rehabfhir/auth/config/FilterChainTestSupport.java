package org.rehabfhir.auth.config;

import org.rehabfhir.auth.jwt.TestTokens;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

/**
 * What the tests of the auto-configured filter chain share: a token issuer with its JWKS endpoint made here (no
 * Keycloak; one for the test JVM, since Spring keeps each class's context cached), the properties that point the
 * chain at it, and MockMvc.
 */
@AutoConfigureMockMvc
abstract class FilterChainTestSupport {

    static final TestTokens TOKENS = startTokens();

    @Autowired
    MockMvc mvc;

    @DynamicPropertySource
    static void tokenIssuer(DynamicPropertyRegistry registry) {
        registry.add("rehab.security.issuer-uri", () -> TestTokens.ISSUER);
        registry.add("rehab.security.jwks-uri", TOKENS::jwksUri);
    }

    private static TestTokens startTokens() {
        try {
            TestTokens tokens = new TestTokens();
            Runtime.getRuntime().addShutdownHook(new Thread(tokens::close));
            return tokens;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
