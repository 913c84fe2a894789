package org.rehabfhir.server.benchmark;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closed-loop load: {@code clients} threads, each sending its next request as soon as the previous one answered,
 * for a time or a number of requests. Latencies of every request are kept (nanoseconds) and added up over rounds in
 * a {@link Sample}. An answer of 400 or above counts as an error (the first one is logged with its body).
 */
final class Load {

    private static final Logger log = LoggerFactory.getLogger(Load.class);

    /** The {@code i}-th request of one worker. */
    interface Call {
        HttpRequest request(int worker, long i);
    }

    private Load() {}

    /** The figures of one workload on one server, added up over rounds. */
    static final class Sample {
        private long[] nanos = new long[1024];
        private int count;
        private long errors;
        private long wallNanos;
        private final long unitsPerRequest;

        Sample(long unitsPerRequest) {
            this.unitsPerRequest = unitsPerRequest;
        }

        synchronized void add(long latency) {
            if (count == nanos.length) {
                nanos = Arrays.copyOf(nanos, count * 2);
            }
            nanos[count++] = latency;
        }

        synchronized void error() {
            errors++;
        }

        synchronized int count() {
            return count;
        }

        long errors() {
            return errors;
        }

        /** Requests per second over the rounds' wall time. */
        double perSecond() {
            return wallNanos == 0 ? 0 : count / (wallNanos / 1e9);
        }

        /** Resources (or other units) per second: requests per second times units per request. */
        double unitsPerSecond() {
            return perSecond() * unitsPerRequest;
        }

        long unitsPerRequest() {
            return unitsPerRequest;
        }

        /** The p-th percentile latency in milliseconds. */
        synchronized double percentileMs(double p) {
            if (count == 0) {
                return Double.NaN;
            }
            long[] sorted = Arrays.copyOf(nanos, count);
            Arrays.sort(sorted);
            int index = Math.min(count - 1, Math.max(0, (int) Math.ceil(p / 100.0 * count) - 1));
            return sorted[index] / 1e6;
        }
    }

    /** Runs for {@code duration}; adds to {@code sample}. */
    static void forDuration(HttpClient http, int clients, Duration duration, Call call, Sample sample, String label) {
        long deadline = System.nanoTime() + duration.toNanos();
        run(http, clients, call, sample, label, (i, now) -> now < deadline, Long.MAX_VALUE);
    }

    /** Sends {@code requests} requests in all (spread over the clients); adds to {@code sample}. */
    static void requests(HttpClient http, int clients, long requests, Call call, Sample sample, String label) {
        run(http, clients, call, sample, label, (i, now) -> true, requests);
    }

    /** Sends {@code requests} requests and hands each successful answer's body to {@code bodies}. */
    static void requests(
            HttpClient http,
            int clients,
            long requests,
            Call call,
            Sample sample,
            String label,
            Consumer<String> bodies) {
        run(http, clients, call, sample, label, (i, now) -> true, requests, bodies);
    }

    private interface Continue {
        boolean test(long i, long now);
    }

    private static void run(
            HttpClient http, int clients, Call call, Sample sample, String label, Continue more, long limit) {
        run(http, clients, call, sample, label, more, limit, null);
    }

    private static void run(
            HttpClient http,
            int clients,
            Call call,
            Sample sample,
            String label,
            Continue more,
            long limit,
            Consumer<String> bodies) {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicLong next = new AtomicLong();
        AtomicLong firstErrorLogged = new AtomicLong();
        List<Future<?>> futures = new ArrayList<>();
        long started = System.nanoTime();
        for (int w = 0; w < clients; w++) {
            int worker = w;
            futures.add(pool.submit(() -> {
                long i;
                while ((i = next.getAndIncrement()) < limit && more.test(i, System.nanoTime())) {
                    HttpRequest request = call.request(worker, i);
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                        long latency = System.nanoTime() - t0;
                        if (response.statusCode() >= 400) {
                            sample.error();
                            if (firstErrorLogged.getAndIncrement() == 0) {
                                log.warn(
                                        "{}: {} {} answered {}: {}",
                                        label,
                                        request.method(),
                                        request.uri(),
                                        response.statusCode(),
                                        abbreviate(response.body()));
                            }
                        } else {
                            sample.add(latency);
                            if (bodies != null) {
                                bodies.accept(response.body());
                            }
                        }
                    } catch (IOException e) {
                        sample.error();
                        if (firstErrorLogged.getAndIncrement() == 0) {
                            log.warn("{}: {} {} failed: {}", label, request.method(), request.uri(), e.toString());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }));
        }
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(label + ": a load worker failed", e);
        } finally {
            pool.shutdownNow();
        }
        synchronized (sample) {
            sample.wallNanos += System.nanoTime() - started;
        }
    }

    /** The error diagnostics of an OperationOutcome body, else its start. */
    private static String abbreviate(String body) {
        String flat = body == null ? "" : body.replaceAll("\\s+", " ");
        java.util.regex.Matcher errors = java.util.regex.Pattern.compile(
                        "\"severity\": ?\"(?:error|fatal)\".*?\"diagnostics\": ?\"([^\"]*)\"")
                .matcher(flat);
        StringBuilder out = new StringBuilder();
        while (errors.find() && out.length() < 2000) {
            out.append(errors.group(1)).append(" | ");
        }
        return out.length() > 0 ? out.toString() : flat.length() > 600 ? flat.substring(0, 600) + "..." : flat;
    }
}
