package org.rehabfhir.server.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.parser.IParser;
import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.ingest.BundlePoster;
import org.rehabfhir.server.ingest.SyntheaPopulation;
import org.rehabfhir.server.ingest.SyntheaPopulation.Export;
import org.rehabfhir.server.ingest.SyntheaPopulation.Variant;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.Tokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.test.context.TestPropertySource;

/**
 * Benchmark, not a test (its name matches none of failsafe's patterns, so {@code ./mvnw verify} skips it): loads the
 * Synthea population of {@code SyntheaIngestIT} (generated at start, {@code -Dsynthea.population}, default 10) as the
 * EHR client, each patient bundle one unmodified transaction over HTTP, first with 1 client, then the same bundles
 * again (new patients) with 4 clients in parallel; prints resources stored per second (with 4 clients, a record
 * beyond the server's 2 large-request permits is answered 503 and sent again after its Retry-After, as an EHR
 * interface should: the figure includes that waiting). Then the heap one
 * 12,000-entry transaction needs (a Synthea record whose Observations are repeated up to 12,000 entries), measured
 * in this JVM, which runs the server: peak heap in use during the request and the largest heap left after a
 * garbage collection during it (the live data), both above the heap in use before. Run:
 * {@code ./mvnw -pl fhir-server -am verify -Dit.test=IngestBenchmark -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false | grep BENCHMARK}. While the
 * 12,000-entry transaction runs, another client reads one resource in a loop: each read appends its AuditEvent to
 * the one hash chain, so the slowest read shows how long the large write held the chain's lock. Only that part:
 * {@code -Dbenchmark.large-only=true}.
 */
@TestPropertySource(properties = "rehab.security.limits.large-requests.min-entries=2000")
class IngestBenchmark extends AbstractFhirServerIT {

    private static final Logger log = LoggerFactory.getLogger(IngestBenchmark.class);

    @Test
    void syntheaIngestAtOneAndFourClientsAndTheHeapOfA12000EntryBundle() throws Exception {
        Export export = SyntheaPopulation.get(Variant.valueOf(System.getProperty("benchmark.variant", "PLAIN")));
        BundlePoster poster = new BundlePoster(baseUrl(), Tokens::ehr);
        for (Path infrastructure : export.infrastructure()) {
            assertThat(poster.post(infrastructure).status()).isEqualTo(200);
        }
        IParser json = CLIENT_CONTEXT.newJsonParser();
        if (Boolean.getBoolean("benchmark.large-only")) { // only the 12,000-entry transaction
            heapOfA12000EntryBundle(export, json, poster);
            return;
        }
        List<Integer> entries = new ArrayList<>();
        long bytes = 0;
        for (Path patient : export.patients()) {
            entries.add(json.parseResource(Bundle.class, Export.read(patient))
                    .getEntry()
                    .size());
            bytes += patient.toFile().length();
        }
        int resources = entries.stream().mapToInt(Integer::intValue).sum();
        log.info(
                "BENCHMARK ingest: Synthea {} population: {} patient bundles, {} resources ({} to {} entries per"
                        + " bundle), {} MB, generated in {} ms",
                export.variant(),
                entries.size(),
                resources,
                entries.stream().min(Integer::compare).orElse(0),
                entries.stream().max(Integer::compare).orElse(0),
                bytes / (1024 * 1024),
                export.generationMillis());

        List<String> table = new ArrayList<>();
        table.add(String.format("BENCHMARK | clients | bundles | resources | seconds | resources/s |"));
        for (int clients : new int[] {1, 4}) {
            long started = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<Integer>> posted = new ArrayList<>();
                for (Path patient : export.patients()) {
                    // records above large-requests.min-entries beyond the concurrent maximum: 503, sent again
                    posted.add(
                            pool.submit(() -> poster.postUntilAccepted(patient).status()));
                }
                for (Future<Integer> status : posted) {
                    assertThat(status.get()).isEqualTo(200);
                }
            } finally {
                pool.shutdown();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            String row = String.format(
                    "BENCHMARK | %d | %d | %d | %.1f | %.0f |",
                    clients, entries.size(), resources, seconds, resources / seconds);
            log.info(row);
            table.add(row);
        }
        log.info("BENCHMARK ingest table:\n{}", String.join("\n", table));

        heapOfA12000EntryBundle(export, json, poster);
    }

    private void heapOfA12000EntryBundle(Export export, IParser json, BundlePoster poster) throws InterruptedException {
        Path largest = export.patients().stream()
                .max(Comparator.comparingLong(p -> p.toFile().length()))
                .orElseThrow();
        Bundle record = json.parseResource(Bundle.class, Export.read(largest));
        List<Bundle.BundleEntryComponent> observations = record.getEntry().stream()
                .filter(e -> e.getResource() instanceof Observation)
                .toList();
        int i = 0;
        while (record.getEntry().size() < 12_000) {
            Bundle.BundleEntryComponent copy =
                    observations.get(i++ % observations.size()).copy();
            copy.setFullUrl("urn:uuid:" + UUID.randomUUID());
            record.addEntry(copy);
        }
        while (record.getEntry().size() > 12_000) {
            record.getEntry().remove(record.getEntry().size() - 1); // only Observations: nothing references them
        }
        String body = json.encodeResourceToString(record);
        record = null;

        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        AtomicLong peak = new AtomicLong(before);
        AtomicLong liveAfterGc = new AtomicLong(0);
        NotificationListener listener = (notification, handback) -> {
            if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                GarbageCollectionNotificationInfo info =
                        GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                long after = info.getGcInfo().getMemoryUsageAfterGc().values().stream()
                        .mapToLong(u -> u.getUsed())
                        .sum();
                liveAfterGc.accumulateAndGet(after, Math::max);
            }
        };
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener(listener, null, null);
        }
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        AuditedReads reads = new AuditedReads(
                baseUrl() + "/"
                        + ehr().create()
                                .resource(new Patient())
                                .execute()
                                .getId()
                                .toUnqualifiedVersionless()
                                .getValue(),
                running);
        Thread reader = new Thread(reads);
        long started = System.nanoTime();
        reader.start();
        BundlePoster.Response response = poster.post(body);
        double seconds = (System.nanoTime() - started) / 1e9;
        running.set(false);
        reader.join();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            try {
                ((NotificationEmitter) gc).removeNotificationListener(listener);
            } catch (javax.management.ListenerNotFoundException ignored) {
                // not registered
            }
        }
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        long mb = 1024 * 1024;
        log.info(
                "BENCHMARK heap of one 12,000-entry transaction ({} MB body, from {}): peak heap in use {} MB above"
                        + " the {} MB before; largest heap after a GC during it {} MB above; stored in {} s; max heap {} MB",
                body.length() / mb,
                largest.getFileName(),
                (peak.get() - before) / mb,
                before / mb,
                Math.max(0, liveAfterGc.get() - before) / mb,
                String.format("%.1f", seconds),
                memory.getHeapMemoryUsage().getMax() / mb);
        log.info(
                "BENCHMARK audited reads by another client during the 12,000-entry transaction (each appends to the"
                        + " audit chain): {} answered, {} failed, slowest {} ms, median {} ms",
                reads.answered(),
                reads.failed,
                reads.slowest(),
                reads.median());
    }

    /**
     * Another client reading one resource over and over while the large transaction runs: each read's AuditEvent
     * is appended to the same hash chain (its advisory lock), so a read waits as long as the chain's lock is held.
     */
    private static final class AuditedReads implements Runnable {

        private final HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        private final String url;
        private final AtomicBoolean running;
        private final List<Long> millis = new ArrayList<>();
        int failed;

        AuditedReads(String url, AtomicBoolean running) {
            this.url = url;
            this.running = running;
        }

        @Override
        public void run() {
            while (running.get()) {
                long begin = System.nanoTime();
                try {
                    HttpResponse<Void> answer = http.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofMinutes(5))
                                    .header("Authorization", "Bearer " + Tokens.ehr())
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (answer.statusCode() == 200) {
                        millis.add((System.nanoTime() - begin) / 1_000_000);
                    } else {
                        failed++;
                    }
                    Thread.sleep(20);
                } catch (java.io.IOException e) {
                    failed++;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        int answered() {
            return millis.size();
        }

        long slowest() {
            return millis.stream().mapToLong(Long::longValue).max().orElse(0);
        }

        long median() {
            return millis.isEmpty() ? 0 : millis.stream().sorted().toList().get(millis.size() / 2);
        }
    }
}
