package org.rehabfhir.auth.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.access.AccessDeniedHandler;

/** 403 at the HTTP level: Spring's bearer-token handler (sets {@code WWW-Authenticate}) plus an OperationOutcome. */
public class OperationOutcomeAccessDeniedHandler implements AccessDeniedHandler {

    private final BearerTokenAccessDeniedHandler bearer = new BearerTokenAccessDeniedHandler();
    private final SecurityRejections rejections;

    public OperationOutcomeAccessDeniedHandler(SecurityRejections rejections) {
        this.rejections = rejections;
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
            throws IOException {
        bearer.handle(request, response, denied);
        rejections.notify(request, response.getStatus(), "access_denied");
        OperationOutcomeJson.write(response, response.getStatus(), "forbidden", "Access denied");
    }
}
