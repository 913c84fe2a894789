package org.rehabfhir.auth.limits;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import java.util.concurrent.Semaphore;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.rehabfhir.auth.config.RehabSecurityProperties.LargeRequests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At most {@code rehab.security.limits.large-requests.max-concurrent} large requests at once in this server process:
 * HAPI holds a transaction whole in memory while it parses, validates and stores it (a 12,000-entry record keeps
 * about 0.9 GB live, docs/operations.md), so the heap is sized for a few of them, not for every EHR interface at
 * once. A request is large when it is a transaction or batch of more than {@code min-entries} entries or its body is
 * larger than {@code min-body}. The next large request is refused at once, before it is parsed, with 503, a
 * {@code Retry-After} header and an OperationOutcome (issue code {@code throttled}); nothing of it is stored. Smaller
 * requests are never held back.
 */
final class LargeRequestGate {

    private static final Logger log = LoggerFactory.getLogger(LargeRequestGate.class);
    /** Request user data: this request holds a permit. */
    static final String PERMIT = LargeRequestGate.class.getName() + ".permit";

    private final LargeRequests settings;
    private final Semaphore permits;

    LargeRequestGate(LargeRequests settings) {
        this.settings = settings;
        this.permits = new Semaphore(settings.getMaxConcurrent());
    }

    /** Whether a request of {@code entries} Bundle entries (-1: not a Bundle) and {@code bytes} body bytes is large. */
    boolean isLarge(int entries, long bytes) {
        return entries > settings.getMinEntries()
                || bytes > settings.getMinBody().toBytes();
    }

    /** Takes a permit for a large request, or refuses it with 503 when all are taken. */
    void admit(RequestDetails request, int entries, long bytes) {
        if (!isLarge(entries, bytes) || request.getUserData().containsKey(PERMIT)) {
            return;
        }
        if (!permits.tryAcquire()) {
            long retryAfter = settings.getRetryAfter().toSeconds();
            log.warn(
                    "Large request refused ({} entries, {} bytes): {} large requests are in progress",
                    entries,
                    bytes,
                    settings.getMaxConcurrent());
            OperationOutcome outcome = new OperationOutcome();
            outcome.addIssue()
                    .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                    .setCode(OperationOutcome.IssueType.THROTTLED)
                    .setDiagnostics(message(entries, bytes, retryAfter));
            UnclassifiedServerFailureException busy =
                    new UnclassifiedServerFailureException(503, message(entries, bytes, retryAfter), outcome);
            busy.addResponseHeader("Retry-After", Long.toString(retryAfter));
            throw busy;
        }
        request.getUserData().put(PERMIT, Boolean.TRUE);
    }

    /** Gives the request's permit back (when the request is done, whatever its outcome). */
    void release(RequestDetails request) {
        if (request.getUserData().remove(PERMIT) != null) {
            permits.release();
        }
    }

    /** Permits free now (tests). */
    int available() {
        return permits.availablePermits();
    }

    private String message(int entries, long bytes, long retryAfter) {
        String size = entries > settings.getMinEntries() ? entries + " entries" : bytes + " bytes";
        return "The server is processing " + settings.getMaxConcurrent() + " large requests (more than "
                + settings.getMinEntries() + " Bundle entries or "
                + settings.getMinBody().toBytes()
                + " bytes) already, the most it takes at once (rehab.security.limits.large-requests.max-concurrent);"
                + " this one (" + size + ") was not processed and nothing of it was stored: send it again after "
                + retryAfter + " seconds (Retry-After)";
    }
}
