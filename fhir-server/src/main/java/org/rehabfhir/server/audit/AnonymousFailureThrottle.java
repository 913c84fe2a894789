package org.rehabfhir.server.audit;

import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Repeated anonymous failures (401s without a valid token, requests Tomcat or the firewall refuse) from one source
 * are aggregated instead of each filling the audit table: per source address and window
 * ({@code rehab.audit.anonymous-failures.window}, 60 s), the first {@code per-source} (20) are written singly; the
 * rest are counted and written as one summary AuditEvent per {@code aggregate-every} (100) failures and at the end of
 * the window. Nothing is hidden from the auditor: every failure is in a single event or in a summary's count.
 * {@code exempt-sources} lists addresses that are always recorded singly (none by default).
 */
@Component
public class AnonymousFailureThrottle {

    /** Sources tracked at once; beyond that all new sources share one counter. */
    static final int MAX_SOURCES = 10_000;

    static final String OTHER_SOURCES = "other";

    private final AuditTrail trail;
    private final int perSource;
    private final int aggregateEvery;
    private final Duration window;
    /** Sources always recorded singly (none by default; the tests exempt their own loopback client). */
    private final java.util.Set<String> exemptSources;

    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rehab-audit-anonymous-flush");
        t.setDaemon(true);
        return t;
    });

    public AnonymousFailureThrottle(
            AuditTrail trail,
            @Value("${rehab.audit.anonymous-failures.per-source:20}") int perSource,
            @Value("${rehab.audit.anonymous-failures.aggregate-every:100}") int aggregateEvery,
            @Value("${rehab.audit.anonymous-failures.window:60s}") Duration window,
            @Value("${rehab.audit.anonymous-failures.exempt-sources:}") java.util.Set<String> exemptSources) {
        this.trail = trail;
        this.exemptSources = java.util.Set.copyOf(exemptSources);
        this.perSource = perSource;
        this.aggregateEvery = Math.max(1, aggregateEvery);
        this.window = window;
        long period = Math.max(1, Math.min(window.toSeconds(), 10));
        flusher.scheduleWithFixedDelay(this::flushExpired, period, period, TimeUnit.SECONDS);
    }

    private static final class Window {
        final Instant start;
        int singles;
        int suppressed;
        Instant firstSuppressed;
        Instant lastSuppressed;
        AuditEntry last;

        Window(Instant start) {
            this.start = start;
        }
    }

    /** Writes {@code entry} (an anonymous failure) singly, or counts it towards a summary. */
    public void record(AuditEntry entry) {
        String source = entry.sourceIp() == null ? "unknown" : entry.sourceIp();
        if (exemptSources.contains(source)) {
            trail.writeQuietly(entry);
            return;
        }
        Instant now = Instant.now();
        AuditEntry summary = null;
        boolean single;
        String key = windows.containsKey(source) || windows.size() < MAX_SOURCES ? source : OTHER_SOURCES;
        synchronized (this) {
            Window w = windows.get(key);
            if (w != null && w.start.plus(window).isBefore(now)) {
                summary = summaryOf(key, windows.remove(key));
                w = null;
            }
            if (w == null) {
                w = new Window(now);
                windows.put(key, w);
            }
            single = w.singles < perSource;
            if (single) {
                w.singles++;
            } else {
                w.suppressed++;
                w.firstSuppressed = w.firstSuppressed == null ? now : w.firstSuppressed;
                w.lastSuppressed = now;
                w.last = entry;
                if (w.suppressed >= aggregateEvery) {
                    AuditEntry full = summaryOf(key, w);
                    w.suppressed = 0;
                    w.firstSuppressed = null;
                    if (summary == null) {
                        summary = full;
                    } else {
                        trail.writeQuietly(full);
                    }
                }
            }
        }
        if (summary != null) {
            trail.writeQuietly(summary);
        }
        if (single) {
            trail.writeQuietly(entry);
        }
    }

    /** Writes the summaries of windows that are over. */
    void flushExpired() {
        List<AuditEntry> summaries = new ArrayList<>();
        Instant now = Instant.now();
        synchronized (this) {
            windows.entrySet().removeIf(e -> {
                if (e.getValue().start.plus(window).isBefore(now)) {
                    AuditEntry s = summaryOf(e.getKey(), e.getValue());
                    if (s != null) {
                        summaries.add(s);
                    }
                    return true;
                }
                return false;
            });
        }
        summaries.forEach(trail::writeQuietly);
    }

    @PreDestroy
    void close() {
        flusher.shutdownNow();
        List<AuditEntry> summaries = new ArrayList<>();
        synchronized (this) {
            windows.forEach((k, w) -> {
                AuditEntry s = summaryOf(k, w);
                if (s != null) {
                    summaries.add(s);
                }
            });
            windows.clear();
        }
        summaries.forEach(trail::writeQuietly);
    }

    private static AuditEntry summaryOf(String source, Window w) {
        if (w == null || w.suppressed == 0 || w.last == null) {
            return null;
        }
        AuditEntry last = w.last;
        String description = "aggregated: " + w.suppressed + " further anonymous failures from " + source
                + " between " + w.firstSuppressed + " and " + w.lastSuppressed + " (not recorded singly; last: "
                + last.requestMethod() + " " + last.requestPath() + " -> " + last.httpStatus() + ")";
        return new AuditEntry(
                last.recorded(),
                last.interaction(),
                last.httpStatus(),
                description,
                AuditAgent.ANONYMOUS,
                OTHER_SOURCES.equals(source) ? null : source,
                List.of(),
                List.of(),
                List.of(),
                last.requestMethod(),
                "(aggregated)",
                null,
                null);
    }
}
