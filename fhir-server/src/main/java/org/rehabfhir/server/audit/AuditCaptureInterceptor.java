package org.rehabfhir.server.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.rehabfhir.server.reliability.DatabaseUnavailableInterceptor;
import org.springframework.stereotype.Component;

/**
 * One AuditEvent per request that reaches HAPI. A request that writes has it committed with its data, in the write's
 * database transaction ({@link WriteAuditInTransaction}); here, for every other request: successes are written just before the response is sent
 * ({@code SERVER_OUTGOING_RESPONSE}, after the authorization checks of the response, so that a failed write can still
 * refuse the answer), with {@code SERVER_PROCESSING_COMPLETED_NORMALLY} as a fallback; failures (4xx, 5xx, HAPI
 * 403, validation 422) at {@code SERVER_HANDLE_EXCEPTION}. A flag in the request's user data makes it exactly one.
 * It also refuses update, patch, delete and create of AuditEvent through the API (405) for everybody.
 */
@Component
@Interceptor
public class AuditCaptureInterceptor {

    static final String AUDITED = AuditCaptureInterceptor.class.getName() + ".audited";
    /** Run after every other outgoing-response hook (authorization checks of the response among them). */
    private static final int LAST = 1_000_000;

    private final AuditTrail trail;
    private final AuditEntryFactory factory;
    private final AuditProperties properties;

    public AuditCaptureInterceptor(AuditTrail trail, AuditEntryFactory factory, AuditProperties properties) {
        this.trail = trail;
        this.factory = factory;
        this.properties = properties;
    }

    /** The caller's request, for the writes an operation makes with a system request ({@link WriteAuditInTransaction}). */
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void bindCaller(ServletRequestDetails request) {
        CallerRequests.bind(request);
    }

    @Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
    public void unbindCaller() {
        CallerRequests.unbind();
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLER_SELECTED)
    public void refuseAuditEventWrites(RequestDetails request) {
        if (!"AuditEvent".equals(request.getResourceName()) || request.getRequestType() == null) {
            return;
        }
        RequestTypeEnum method = request.getRequestType();
        boolean operation =
                request.getOperation() != null && request.getOperation().startsWith("$");
        if (method == RequestTypeEnum.PUT
                || method == RequestTypeEnum.PATCH
                || method == RequestTypeEnum.DELETE
                || (method == RequestTypeEnum.POST && !operation)) {
            throw new MethodNotAllowedException(
                    "AuditEvents are append-only: they are written by the server and cannot be created, updated or"
                            + " deleted through the API",
                    RequestTypeEnum.GET);
        }
    }

    /** AuditEvents in transaction bundles (or any other JPA path of a request) are refused as well. */
    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void refuseJpaAuditEventCreate(IBaseResource resource) {
        refuseJpaAuditEvent(resource);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void refuseJpaAuditEventUpdate(IBaseResource oldResource, IBaseResource newResource) {
        refuseJpaAuditEvent(newResource);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
    public void refuseJpaAuditEventDelete(IBaseResource resource) {
        refuseJpaAuditEvent(resource);
    }

    private static void refuseJpaAuditEvent(IBaseResource resource) {
        if (resource instanceof org.hl7.fhir.r4.model.AuditEvent) {
            throw new MethodNotAllowedException(
                    "AuditEvents are append-only and written by the server only", RequestTypeEnum.GET);
        }
    }

    /**
     * A write whose audit failed in its commit: answered with that failure, not with the commit's wrappers; unless
     * the audit failed because the database went away (a restart during the write: the write is rolled back too),
     * which {@link DatabaseUnavailableInterceptor} answers 503 with a retry (found by the fault suite's quick run).
     */
    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException auditNotWritten(Throwable exception) {
        AuditNotWrittenException notWritten = AuditNotWrittenException.in(exception);
        if (notWritten == null
                || notWritten == exception
                || DatabaseUnavailableInterceptor.isDatabaseUnavailable(notWritten)) {
            return null;
        }
        return notWritten;
    }

    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = LAST)
    public void success(RequestDetails request, ResponseDetails response, IBaseResource resource) {
        if (skip(request)) {
            return;
        }
        int status = response != null && response.getResponseCode() > 0 ? response.getResponseCode() : 200;
        IBaseResource body =
                response != null && response.getResponseResource() != null ? response.getResponseResource() : resource;
        AuditEntry entry = factory.fromHapi(request, body, status, null);
        markAudited(request);
        try {
            trail.write(entry);
        } catch (RuntimeException e) {
            request.getUserData().remove(AUDITED); // let the failure be audited (if the store comes back)
            throw e;
        }
    }

    @Hook(value = Pointcut.SERVER_PROCESSING_COMPLETED_NORMALLY, order = LAST)
    public void completed(RequestDetails request) {
        if (skip(request)) {
            return;
        }
        int status = request instanceof ServletRequestDetails s && s.getServletResponse() != null
                ? s.getServletResponse().getStatus()
                : 200;
        markAudited(request);
        trail.writeQuietly(factory.fromHapi(request, null, status, null));
    }

    @Hook(value = Pointcut.SERVER_HANDLE_EXCEPTION, order = LAST)
    public boolean failure(RequestDetails request, BaseServerResponseException exception) {
        if (!skip(request)) {
            markAudited(request);
            String reason = exception.getClass().getSimpleName() + ": " + safeMessage(exception.getMessage());
            AuditEntry entry = factory.fromHapi(request, null, exception.getStatusCode(), reason);
            if (DatabaseUnavailableInterceptor.answeredUnavailable(request)) {
                // the append would wait for a connection once more (the pool's connection timeout) and fail: the
                // 503 is answered within one timeout, and the refused request is in the log instead of the chain
                trail.logNotWritten(entry, "the database is unavailable");
            } else {
                trail.writeQuietly(entry);
            }
        }
        return true;
    }

    private boolean skip(RequestDetails request) {
        if (!trail.enabled() || request.getUserData().containsKey(AUDITED)) {
            return true;
        }
        return request.getRestOperationType() == RestOperationTypeEnum.METADATA && !properties.isAuditMetadata();
    }

    static boolean isAudited(RequestDetails request) {
        return request.getUserData().containsKey(AUDITED);
    }

    static void markAudited(RequestDetails request) {
        request.getUserData().put(AUDITED, Boolean.TRUE);
        if (request instanceof ServletRequestDetails servlet) {
            AuditedRequests.mark(servlet.getServletRequest());
        }
    }

    private static String safeMessage(String message) {
        if (message == null) {
            return "";
        }
        String oneLine = message.replaceAll("[\\r\\n\\t]+", " ");
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
    }
}
