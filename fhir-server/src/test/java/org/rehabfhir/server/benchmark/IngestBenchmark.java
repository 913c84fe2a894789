package org.rehabfhir.server.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.parser.IParser;
import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
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
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.ingest.BundlePoster;
import org.rehabfhir.server.ingest.SyntheaPopulation;
import org.rehabfhir.server.ingest.SyntheaPopulation.Export;
import org.rehabfhir.server.ingest.SyntheaPopulation.Variant;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.Tokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Benchmark, not a test (its name matches none of failsafe's patterns, so {@code ./mvnw verify} skips it): loads the
 * Synthea population of {@code SyntheaIngestIT} (generated at start, {@code -Dsynthea.population}, default 10) as the
 * EHR client, each patient bundle one unmodified transaction over HTTP, first with 1 client, then the same bundles
 * again (new patients) with 4 clients in parallel; prints resources stored per second. Then the heap one
 * 12,000-entry transaction needs (a Synthea record whose Observations are repeated up to 12,000 entries), measured
 * in this JVM, which runs the server: peak heap in use during the request and the largest heap left after a
 * garbage collection during it (the live data), both above the heap in use before. Run:
 * {@code ./mvnw -pl fhir-server -am verify -Dit.test=IngestBenchmark -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false | grep BENCHMARK}.
 */
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
		List<Integer> entries = new ArrayList<>();
		long bytes = 0;
		for (Path patient : export.patients()) {
			entries.add(json.parseResource(Bundle.class, Export.read(patient)).getEntry().size());
			bytes += patient.toFile().length();
		}
		int resources = entries.stream().mapToInt(Integer::intValue).sum();
		log.info("BENCHMARK ingest: Synthea {} population: {} patient bundles, {} resources ({} to {} entries per"
				+ " bundle), {} MB, generated in {} ms", export.variant(), entries.size(), resources,
				entries.stream().min(Integer::compare).orElse(0), entries.stream().max(Integer::compare).orElse(0),
				bytes / (1024 * 1024), export.generationMillis());

		List<String> table = new ArrayList<>();
		table.add(String.format("BENCHMARK | clients | bundles | resources | seconds | resources/s |"));
		for (int clients : new int[] {1, 4}) {
			long started = System.nanoTime();
			ExecutorService pool = Executors.newFixedThreadPool(clients);
			try {
				List<Future<Integer>> posted = new ArrayList<>();
				for (Path patient : export.patients()) {
					posted.add(pool.submit(() -> poster.post(patient).status()));
				}
				for (Future<Integer> status : posted) {
					assertThat(status.get()).isEqualTo(200);
				}
			} finally {
				pool.shutdown();
			}
			double seconds = (System.nanoTime() - started) / 1e9;
			String row = String.format("BENCHMARK | %d | %d | %d | %.1f | %.0f |", clients, entries.size(), resources,
					seconds, resources / seconds);
			log.info(row);
			table.add(row);
		}
		log.info("BENCHMARK ingest table:\n{}", String.join("\n", table));

		heapOfA12000EntryBundle(export, json, poster);
	}

	private void heapOfA12000EntryBundle(Export export, IParser json, BundlePoster poster) {
		Path largest = export.patients().stream().max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
		Bundle record = json.parseResource(Bundle.class, Export.read(largest));
		List<Bundle.BundleEntryComponent> observations = record.getEntry().stream()
				.filter(e -> e.getResource() instanceof Observation).toList();
		int i = 0;
		while (record.getEntry().size() < 12_000) {
			Bundle.BundleEntryComponent copy = observations.get(i++ % observations.size()).copy();
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
				long after = info.getGcInfo().getMemoryUsageAfterGc().values().stream().mapToLong(u -> u.getUsed()).sum();
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
		long started = System.nanoTime();
		BundlePoster.Response response = poster.post(body);
		double seconds = (System.nanoTime() - started) / 1e9;
		running.set(false);
		for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
			try {
				((NotificationEmitter) gc).removeNotificationListener(listener);
			} catch (javax.management.ListenerNotFoundException ignored) {
				// not registered
			}
		}
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		long mb = 1024 * 1024;
		log.info("BENCHMARK heap of one 12,000-entry transaction ({} MB body, from {}): peak heap in use {} MB above"
				+ " the {} MB before; largest heap after a GC during it {} MB above; stored in {} s; max heap {} MB",
				body.length() / mb, largest.getFileName(), (peak.get() - before) / mb, before / mb,
				Math.max(0, liveAfterGc.get() - before) / mb, String.format("%.1f", seconds),
				memory.getHeapMemoryUsage().getMax() / mb);
	}
}
