package org.rehabfhir.auth.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * Requests Spring Security's {@code StrictHttpFirewall} refuses ({@code ;} in the path, encoded {@code .} or
 * {@code /}, {@code //}, non-printable characters...): 400 with an OperationOutcome (not Spring's error page), and
 * told to the {@link SecurityRejectionListener}s so that they are audited like every other refusal.
 */
public class OperationOutcomeRequestRejectedHandler implements RequestRejectedHandler {

    private final SecurityRejections rejections;

    public OperationOutcomeRequestRejectedHandler(SecurityRejections rejections) {
        this.rejections = rejections;
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, RequestRejectedException rejected)
            throws IOException {
        rejections.notify(request, 400, "request_rejected_by_firewall");
        OperationOutcomeJson.write(
                response,
                400,
                "invalid",
                "The request URL is not allowed (path parameters, encoded dots or slashes, or other unsafe characters)");
    }
}
