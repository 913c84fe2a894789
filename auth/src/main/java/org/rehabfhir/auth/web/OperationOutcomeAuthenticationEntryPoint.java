package org.rehabfhir.auth.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.rehabfhir.auth.jwt.IntrospectionUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.web.AuthenticationEntryPoint;

/**
 * 401: Spring's {@link BearerTokenAuthenticationEntryPoint} sets the status and the RFC 6750
 * {@code WWW-Authenticate: Bearer ...} header; this adds an OperationOutcome body (no stack trace, no token content)
 * and tells the {@link SecurityRejectionListener}s.
 */
public class OperationOutcomeAuthenticationEntryPoint implements AuthenticationEntryPoint {

    private static final Logger log = LoggerFactory.getLogger(OperationOutcomeAuthenticationEntryPoint.class);

    private final BearerTokenAuthenticationEntryPoint bearer = new BearerTokenAuthenticationEntryPoint();
    private final SecurityRejections rejections;

    public OperationOutcomeAuthenticationEntryPoint(SecurityRejections rejections) {
        this.rejections = rejections;
    }

    @Override
    public void commence(
            HttpServletRequest request, HttpServletResponse response, AuthenticationException authException)
            throws IOException {
        if (authException instanceof IntrospectionUnavailableException) {
            // fail closed, but not 401: the token may be fine, the identity provider did not answer
            response.setHeader("Retry-After", "5");
            rejections.notify(request, 503, "token_introspection_unavailable");
            OperationOutcomeJson.write(
                    response,
                    503,
                    "transient",
                    "The access token could not be checked with the identity provider; try again later");
            return;
        }
        bearer.commence(request, response, authException);
        boolean tokenSent = request.getHeader("Authorization") != null;
        String reason = tokenSent ? "invalid_token" : "missing_token";
        if (tokenSent) {
            // which check failed (Spring's message names it: expiry, signature/key, issuer, audience...; never the
            // token itself): the answer stays generic, the operator needs the cause
            log.info(
                    "Bearer token rejected for {} {}: {}",
                    request.getMethod(),
                    request.getRequestURI(),
                    authException.getMessage());
        }
        rejections.notify(request, response.getStatus(), reason);
        OperationOutcomeJson.write(
                response,
                response.getStatus(),
                "login",
                tokenSent
                        ? "The access token is invalid, expired or not meant for this server"
                        : "Authentication required: send an OAuth2 bearer access token");
    }
}
