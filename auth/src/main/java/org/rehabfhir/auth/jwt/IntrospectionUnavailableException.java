package org.rehabfhir.auth.jwt;

import org.springframework.security.core.AuthenticationException;

/**
 * Keycloak could not say whether a token is still active (unreachable, timeout, error answer): the request is
 * refused with 503 (fail closed), not 401, because the token itself may well be fine.
 */
public class IntrospectionUnavailableException extends AuthenticationException {

    private static final long serialVersionUID = 1L;

    public IntrospectionUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
