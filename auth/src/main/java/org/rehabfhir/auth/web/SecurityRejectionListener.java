package org.rehabfhir.auth.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Told about every request the security layer rejects before it reaches HAPI: 401 (no, malformed, expired, foreign
 * token...), 403 at the HTTP level, 413 (body too large). Implement it as a Spring bean to audit those requests
 * (every bean implementing it is called; exceptions are logged and swallowed).
 */
public interface SecurityRejectionListener {

    /**
     * @param request the rejected request (its body has not been read)
     * @param status the HTTP status sent
     * @param reason a short reason, safe to store (no token content)
     */
    void rejected(HttpServletRequest request, int status, String reason);
}
