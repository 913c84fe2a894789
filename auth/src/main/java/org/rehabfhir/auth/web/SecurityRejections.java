package org.rehabfhir.auth.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls every {@link SecurityRejectionListener}, never letting one break the response. */
public final class SecurityRejections {

    private static final Logger log = LoggerFactory.getLogger(SecurityRejections.class);

    private final List<SecurityRejectionListener> listeners;

    public SecurityRejections(List<SecurityRejectionListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    public void notify(HttpServletRequest request, int status, String reason) {
        log.debug("Rejected {} {} with {}: {}", request.getMethod(), request.getRequestURI(), status, reason);
        for (SecurityRejectionListener listener : listeners) {
            try {
                listener.rejected(request, status, reason);
            } catch (RuntimeException e) {
                log.warn(
                        "Security rejection listener {} failed",
                        listener.getClass().getName(),
                        e);
            }
        }
    }
}
