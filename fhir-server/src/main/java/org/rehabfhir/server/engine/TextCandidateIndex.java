package org.rehabfhir.server.engine;

import static ca.uhn.fhir.batch2.jobs.reindex.ReindexUtils.JOB_REINDEX;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.api.IJobPartitionProvider;
import ca.uhn.fhir.batch2.jobs.parameters.PartitionedUrl;
import ca.uhn.fhir.batch2.jobs.reindex.ReindexJobParameters;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.batch2.model.JobInstanceStartRequest;
import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.SearchParameter;
import org.rehabfhir.protocols.record.ObservationSource;
import org.rehabfhir.protocols.record.RecordReads;
import org.rehabfhir.server.reliability.RegistryRefresh;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The server's index of the engine's text candidates ({@link RecordReads}: a patient's newest Observations but
 * those coded with one of {@link RecordReads#TEXT_CANDIDATES_EXCEPT}): a SearchParameter of its own,
 * {@code Observation?text-candidate-patient=Patient/x}, the patient of every Observation not coded with one of those
 * codes. HAPI stores one link row for it with each such Observation, so the read looks up that patient's rows. The
 * same read with {@code code:not} made PostgreSQL hash every heart rate of the database ({@code NOT IN}) and walk
 * every resource's id at each recommendation: a cost that grew with all patients' device feeds.
 *
 * <p>An index the reads trust must hold a row for every Observation, whichever replica wrote it. So, at start, under
 * the catalogue's load lock: the definition is stored when it is missing or differs (without HAPI's immediate
 * reindex); every replica's registry holds it within {@link RegistryRefresh#maxLag()}; after twice that (the
 * <em>settle</em> time) a reindex job of the Observations begins, so it covers whatever was written before every
 * writer indexed. {@link #ready()}: HAPI's registry holds the definition with this expression and a reindex job of
 * the Observations begun at least the settle time after the definition was stored has completed. Until then
 * {@link StoredObservations} reads with {@code code:not}: the same answer, the slow way. A start that finds no such
 * job (a replica stopped before it began it, or it failed) begins one. Off with {@code
 * rehab.engine.text-candidate-index=false}: for a rolling update from a release that does not load stored
 * SearchParameters, whose replicas would write Observations without the index's rows (docs/operations.md,
 * "Upgrades").
 */
@Component
public class TextCandidateIndex {

    private static final Logger log = LoggerFactory.getLogger(TextCandidateIndex.class);
    /** The search parameter's code, as a client would search by it. */
    public static final String CODE = "text-candidate-patient";

    static final String ID = "rehab-observation-text-candidate-patient";
    static final String URL = "http://rehab-fhir.org/fhir/SearchParameter/observation-text-candidate-patient";
    /** How long an answer of {@link #ready()} is kept: the registry and the job table are not asked per read. */
    static final long RECHECK_NANOS = 5_000_000_000L;

    private static final int JOB_PAGE = 100;
    private static final String OBSERVATIONS = "Observation?";
    private static final Set<StatusEnum> BEGUN_OR_DONE =
            EnumSet.complementOf(EnumSet.of(StatusEnum.FAILED, StatusEnum.CANCELLED));

    private final boolean enabled;
    private final Duration settle;
    private final DaoRegistry daoRegistry;
    private final DataSource dataSource;
    private final Supplier<Optional<Instant>> registeredSince;
    private final Predicate<Instant> reindexedSince;
    private final Predicate<Instant> reindexBegunSince;
    private final Runnable refreshRegistry;
    private final Runnable startReindex;
    private final LongSupplier nanoTime;
    private volatile Checked checked;

    private record Checked(long at, boolean ready) {}

    @Autowired
    public TextCandidateIndex(
            EngineProperties properties,
            RegistryRefresh registryRefresh,
            DaoRegistry daoRegistry,
            DataSource dataSource,
            ISearchParamRegistry searchParamRegistry,
            IJobCoordinator jobCoordinator,
            IJobPartitionProvider jobPartitions) {
        this(
                properties.textCandidateIndex(),
                registryRefresh.maxLag().multipliedBy(2),
                daoRegistry,
                dataSource,
                () -> registeredSince(searchParamRegistry, daoRegistry),
                since -> reindexedSince(jobCoordinator, since),
                since -> anyReindexSince(jobCoordinator, since, BEGUN_OR_DONE),
                searchParamRegistry::forceRefresh,
                () -> startReindex(jobCoordinator, jobPartitions),
                System::nanoTime);
    }

    /**
     * @param registeredSince when the stored definition was written, if HAPI's registry holds it with this
     *     expression (else empty)
     * @param reindexedSince whether a reindex job of the Observations begun at or after the given instant completed
     * @param reindexBegunSince whether one begun at or after the given instant runs or completed
     */
    TextCandidateIndex(
            boolean enabled,
            Duration settle,
            DaoRegistry daoRegistry,
            DataSource dataSource,
            Supplier<Optional<Instant>> registeredSince,
            Predicate<Instant> reindexedSince,
            Predicate<Instant> reindexBegunSince,
            Runnable refreshRegistry,
            Runnable startReindex,
            LongSupplier nanoTime) {
        this.enabled = enabled;
        this.settle = settle;
        this.daoRegistry = daoRegistry;
        this.dataSource = dataSource;
        this.registeredSince = registeredSince;
        this.reindexedSince = reindexedSince;
        this.reindexBegunSince = reindexBegunSince;
        this.refreshRegistry = refreshRegistry;
        this.startReindex = startReindex;
        this.nanoTime = nanoTime;
    }

    /** The SearchParameter, built from the engine's exclusions (one place for the codes). */
    public static SearchParameter searchParameter() {
        SearchParameter sp = new SearchParameter();
        sp.setId(ID);
        sp.setUrl(URL);
        sp.setVersion("1");
        sp.setName("TextCandidatePatient");
        sp.setStatus(Enumerations.PublicationStatus.ACTIVE);
        sp.setExperimental(false);
        sp.setPublisher("Rehab-FHIR project");
        sp.setDescription("The patient (subject) of an Observation that is not coded with "
                + RecordReads.TEXT_CANDIDATES_EXCEPT.stream()
                        .map(c -> c.system() + "|" + c.code())
                        .collect(Collectors.joining(", "))
                + " (heart rate: device feeds). The server's index of the protocol engine's text candidates: a"
                + " patient's newest Observations but heart rates, read by $recommend-regimens, $screen and $apply.");
        sp.setCode(CODE);
        sp.addBase("Observation");
        sp.setType(Enumerations.SearchParamType.REFERENCE);
        sp.setExpression(expression(RecordReads.TEXT_CANDIDATES_EXCEPT));
        sp.setXpathUsage(SearchParameter.XPathUsageType.NORMAL);
        sp.addTarget("Patient");
        return sp;
    }

    /** FHIRPath: the Observation's patient when none of its codings is one of {@code except}. */
    static String expression(List<ObservationSource.Code> except) {
        return filter(except) + ".subject.where(resolve() is Patient)";
    }

    /** FHIRPath: the Observation itself when none of its codings is one of {@code except}, else nothing. */
    static String filter(List<ObservationSource.Code> except) {
        String anyExcepted = except.stream()
                .map(c -> "(system = '" + c.system() + "' and code = '" + c.code() + "')")
                .collect(Collectors.joining(" or "));
        return "Observation.where(code.coding.where(" + anyExcepted + ").exists().not())";
    }

    /** Whether the engine's text candidates are read by this index ({@code except} the engine's exclusions). */
    boolean answers(List<ObservationSource.Code> except) {
        return except.equals(RecordReads.TEXT_CANDIDATES_EXCEPT) && ready();
    }

    /**
     * HAPI's registry holds the search parameter as built here and a reindex of the Observations begun at least the
     * settle time after it was stored has completed. Kept {@link #RECHECK_NANOS}.
     */
    public boolean ready() {
        if (!enabled) {
            return false;
        }
        long now = nanoTime.getAsLong();
        Checked last = checked;
        if (last != null && now - last.at() < RECHECK_NANOS) {
            return last.ready();
        }
        Optional<Instant> since = registeredSince.get();
        boolean ready = since.isPresent() && reindexedSince.test(since.get().plus(settle));
        if (last == null || last.ready() != ready) {
            if (ready) {
                log.info("Text candidates read by the index {} (Observation?{}=)", URL, CODE);
            } else {
                log.info(
                        "Text candidates read with code:not: the index {} is {}",
                        URL,
                        since.isPresent()
                                ? "not reindexed yet (no reindex of the Observations begun " + settle
                                        + " after its definition was stored has completed)"
                                : "not in HAPI's registry with its expression yet");
            }
        }
        checked = new Checked(now, ready);
        return ready;
    }

    private static Optional<Instant> registeredSince(ISearchParamRegistry registry, DaoRegistry daoRegistry) {
        RuntimeSearchParam active = registry.getActiveSearchParam(
                "Observation", CODE, ISearchParamRegistry.SearchParamLookupContextEnum.SEARCH);
        if (active == null || !searchParameter().getExpression().equals(active.getPath())) {
            return Optional.empty();
        }
        return storedSince(daoRegistry);
    }

    private static Optional<Instant> storedSince(DaoRegistry daoRegistry) {
        try {
            SearchParameter stored = daoRegistry
                    .getResourceDao(SearchParameter.class)
                    .read(new IdType("SearchParameter", ID), new SystemRequestDetails());
            return Optional.of(stored.getMeta().getLastUpdated().toInstant());
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            return Optional.empty();
        }
    }

    /** A reindex job that covers the Observations, created at or after {@code from}, has completed. */
    static boolean reindexedSince(IJobCoordinator jobs, Instant from) {
        return anyReindexSince(jobs, from, EnumSet.of(StatusEnum.COMPLETED));
    }

    private static boolean anyReindexSince(IJobCoordinator jobs, Instant from, Set<StatusEnum> statuses) {
        for (int page = 0; ; page++) {
            List<JobInstance> found =
                    jobs.getJobInstancesByJobDefinitionIdAndStatuses(JOB_REINDEX, statuses, JOB_PAGE, page);
            if (found.stream()
                    .anyMatch(job -> job.getCreateTime() != null
                            && !job.getCreateTime().toInstant().isBefore(from)
                            && coversObservations(job))) {
                return true;
            }
            if (found.size() < JOB_PAGE) {
                return false;
            }
        }
    }

    /** The job reindexes the Observations: no URL (every type) or one of Observation. */
    static boolean coversObservations(JobInstance job) {
        ReindexJobParameters parameters = job.getParameters(ReindexJobParameters.class);
        List<PartitionedUrl> urls = parameters == null ? List.of() : parameters.getPartitionedUrls();
        return urls.isEmpty()
                || urls.stream().anyMatch(u -> u.getUrl() == null || u.getUrl().startsWith(OBSERVATIONS));
    }

    private static void startReindex(IJobCoordinator jobs, IJobPartitionProvider partitions) {
        ReindexJobParameters parameters = new ReindexJobParameters();
        partitions
                .getPartitionedUrls(new SystemRequestDetails(), List.of(OBSERVATIONS))
                .forEach(parameters::addPartitionedUrl);
        JobInstanceStartRequest request = new JobInstanceStartRequest();
        request.setJobDefinitionId(JOB_REINDEX);
        request.setParameters(parameters);
        String id = jobs.startInstance(new SystemRequestDetails(), request).getInstanceId();
        log.info("Reindex of the Observations for {} begun (job {})", CODE, id);
    }

    @Order(1)
    @EventListener(ApplicationReadyEvent.class)
    public void onReady() {
        if (!enabled) {
            log.info("Text candidates read with code:not (rehab.engine.text-candidate-index=false)");
            return;
        }
        Instant stored = CatalogueLoader.underLoadLock(dataSource, () -> {
            store();
            return storedSince(daoRegistry).orElseThrow();
        });
        Instant reindexFrom = stored.plus(settle);
        if (reindexBegunSince.test(reindexFrom)) {
            return; // begun or done after the settle time (another replica, or an earlier start)
        }
        long delay = Math.max(0, Duration.between(Instant.now(), reindexFrom).toMillis()) + 1_000;
        log.info(
                "Reindex of the Observations for {} begins in {} ms, when every replica's registry holds it",
                CODE,
                delay);
        CompletableFuture.runAsync(startReindex, CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS))
                .exceptionally(e -> {
                    log.warn(
                            "Reindex of the Observations for {} could not begin: {} (the next start begins one)",
                            CODE,
                            e.toString());
                    return null;
                });
    }

    /** Creates or updates the stored SearchParameter when it differs from {@link #searchParameter()}. */
    CatalogueLoader.Outcome store() {
        IFhirResourceDao<SearchParameter> dao = daoRegistry.getResourceDao(SearchParameter.class);
        SearchParameter wanted = searchParameter();
        SearchParameter stored;
        try {
            stored = dao.read(new IdType("SearchParameter", ID), new SystemRequestDetails());
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            stored = null;
        }
        CatalogueLoader.Outcome outcome;
        if (stored != null && CatalogueLoader.sameContent(stored, wanted)) {
            outcome = CatalogueLoader.Outcome.UNCHANGED;
        } else {
            // no reindex now: it begins after the settle time, once every replica indexes by the new definition
            SystemRequestDetails request = new SystemRequestDetails();
            request.getUserData().put(JpaConstants.SKIP_REINDEX_ON_UPDATE, Boolean.TRUE);
            dao.update(wanted, request);
            outcome = stored == null ? CatalogueLoader.Outcome.CREATED : CatalogueLoader.Outcome.UPDATED;
            log.info("SearchParameter {} {}", URL, outcome == CatalogueLoader.Outcome.CREATED ? "created" : "updated");
        }
        // this replica indexes by the stored definition before it serves (HAPI refreshes it only after a reindex
        // request, and another replica may have stored it while this one started)
        refreshRegistry.run();
        checked = null;
        return outcome;
    }
}
