package org.rehabfhir.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.DefaultOAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OAuth2IntrospectionException;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;

class CachingTokenIntrospectorTest {

    private static final Duration TTL = Duration.ofSeconds(5);

    private final AtomicLong nanos = new AtomicLong();
    private final List<String> asked = new ArrayList<>();
    private RuntimeException failure;

    private final OpaqueTokenIntrospector keycloak = token -> {
        asked.add(token);
        if (failure != null) {
            throw failure;
        }
        return new DefaultOAuth2AuthenticatedPrincipal(Map.of("active", true, "sub", token), List.of());
    };

    private final CachingTokenIntrospector cache = new CachingTokenIntrospector(keycloak, TTL, 100, nanos::get);

    @Test
    void anActiveTokenIsAskedOncePerWindow() {
        OAuth2AuthenticatedPrincipal first = cache.introspect("token-a");
        nanos.addAndGet(TTL.minusMillis(1).toNanos());
        assertThat(cache.introspect("token-a")).isSameAs(first);

        assertThat(asked).containsExactly("token-a");
    }

    @Test
    void afterTheWindowKeycloakIsAskedAgain() {
        cache.introspect("token-a");
        nanos.addAndGet(TTL.toNanos());
        failure = new BadOpaqueTokenException("Provided token isn't active");

        assertThatThrownBy(() -> cache.introspect("token-a")).isInstanceOf(BadOpaqueTokenException.class);
        assertThat(asked).containsExactly("token-a", "token-a");
    }

    @Test
    void anInactiveAnswerIsNeverKept() {
        failure = new BadOpaqueTokenException("Provided token isn't active");
        assertThatThrownBy(() -> cache.introspect("token-a")).isInstanceOf(BadOpaqueTokenException.class);
        failure = null;

        assertThat(cache.introspect("token-a").getAttributes()).containsEntry("sub", "token-a");
        assertThat(asked).containsExactly("token-a", "token-a");
    }

    @Test
    void anUnreachableKeycloakIsNeverKept() {
        failure = new OAuth2IntrospectionException("Connection refused");
        assertThatThrownBy(() -> cache.introspect("token-a")).isInstanceOf(OAuth2IntrospectionException.class);
        assertThatThrownBy(() -> cache.introspect("token-a")).isInstanceOf(OAuth2IntrospectionException.class);

        assertThat(asked).hasSize(2);
    }

    @Test
    void eachTokenHasItsOwnAnswer() {
        cache.introspect("token-a");
        cache.introspect("token-b");

        assertThat(cache.introspect("token-b").getAttributes()).containsEntry("sub", "token-b");
        assertThat(asked).containsExactly("token-a", "token-b");
    }
}
