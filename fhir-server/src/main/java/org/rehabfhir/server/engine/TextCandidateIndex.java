package org.rehabfhir.server.engine;

import static ca.uhn.fhir.batch2.jobs.reindex.ReindexUtils.JOB_REINDEX;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.api.IJobPartitionProvider;
import ca.uhn.fhir.batch2.jobs.reindex.ReindexJobParameters;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.batch2.model.JobInstanceStartRequest;
import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.dao.ReindexParameters;
import ca.uhn.fhir.jpa.model.sched.HapiJob;
import ca.uhn.fhir.jpa.model.sched.IHasScheduledJobs;
import ca.uhn.fhir.jpa.model.sched.ISchedulerService;
import ca.uhn.fhir.jpa.model.sched.ScheduledJobDefinition;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.SearchParameter;
import org.quartz.JobExecutionContext;
import org.rehabfhir.protocols.record.ObservationSource;
import org.rehabfhir.protocols.record.RecordReads;
import org.rehabfhir.server.reliability.RegistryRefresh;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The server's index of the engine's text candidates ({@link RecordReads}: a patient's newest Observations but
 * those coded with one of {@link RecordReads#TEXT_CANDIDATES_EXCEPT}): a SearchParameter of its own,
 * {@code Observation?text-candidate-patient=Patient/x}, the patient of every Observation not coded with one of those
 * codes. HAPI stores one link row for it with each such Observation, so the read looks up that patient's rows. The
 * same read with {@code code:not} made PostgreSQL hash every heart rate of the database ({@code NOT IN}) and walk
 * every resource's id at each recommendation: a cost that grew with all patients' device feeds.
 *
 * <p>An index the reads trust must hold a row for every Observation, whichever replica wrote it. Its state is kept
 * in {@code rehab_search_index} (Flyway V3: definition, when stored, the reindex job, complete), changed only under
 * the catalogue's load lock:
 * <ol>
 *   <li>at start, the definition is stored when it is missing or differs (without HAPI's immediate reindex), this
 *       replica's registry refreshed, and the state reset when the definition is new;</li>
 *   <li>every replica's registry holds it within {@link RegistryRefresh#maxLag()}; after the <em>settle</em> time
 *       ({@link #settle}), and once no transaction of the database begun before then is still open (a long EHR
 *       transaction may have extracted its indexes before its replica knew the definition), a reindex job of the
 *       Observations begins: it covers whatever was written before every writer indexed;</li>
 *   <li>a local job ({@link #ADVANCE_EVERY}) follows it: completed without errors, the index is complete; completed
 *       with errors, failed, cancelled, gone, or running without progress for {@link #STALE}, another begins after
 *       a back-off ({@link #backoff}), at most {@link #MAX_ATTEMPTS} times, then it stays incomplete with a
 *       warning.</li>
 * </ol>
 * {@link #ready()}: the state is complete for this definition and HAPI's registry holds it. Until then
 * {@link StoredObservations} reads with {@code code:not}: the same answer, the slow way. Off with {@code
 * rehab.engine.text-candidate-index=false}: for a rolling update from a release that does not load stored
 * SearchParameters, whose replicas would write Observations without the index's rows (docs/operations.md,
 * "Upgrades").
 */
@Component
public class TextCandidateIndex implements IHasScheduledJobs {

    private static final Logger log = LoggerFactory.getLogger(TextCandidateIndex.class);
    /** The search parameter's code, as a client would search by it. */
    public static final String CODE = "text-candidate-patient";

    static final String ID = "rehab-observation-text-candidate-patient";
    static final String URL = "http://rehab-fhir.org/fhir/SearchParameter/observation-text-candidate-patient";
    /** The FHIRPath of this release's definition, built once from the engine's exclusions. */
    static final String EXPRESSION = expression(RecordReads.TEXT_CANDIDATES_EXCEPT);
    /** How long an answer of {@link #ready()} is kept: the state is not read per request. */
    static final Duration RECHECK = Duration.ofSeconds(5);
    /** How often each replica looks at the reindex (under the lock: one at a time). */
    static final Duration ADVANCE_EVERY = Duration.ofSeconds(30);
    /** At least this long between storing a definition and beginning its reindex (long write transactions). */
    static final Duration MIN_SETTLE = Duration.ofSeconds(30);
    /** A running reindex job without progress this long is given up and begun again. */
    static final Duration STALE = Duration.ofMinutes(30);
    /** Reindexes begun for one definition before the index stays incomplete (an operator resets attempts). */
    static final int MAX_ATTEMPTS = 5;
    /** The wait before the second attempt; it doubles with each further one. */
    static final Duration FIRST_BACKOFF = Duration.ofMinutes(10);

    private static final String OBSERVATIONS = "Observation?";

    private final boolean enabled;
    private final Duration settle;
    private final DaoRegistry daoRegistry;
    private final DataSource dataSource;
    private final JdbcTemplate jdbc;
    private final ISearchParamRegistry searchParamRegistry;
    private final IJobCoordinator jobs;
    private final IJobPartitionProvider jobPartitions;
    private volatile Checked checked;
    /** This replica has stored the definition (HAPI's scheduler runs before the application is ready). */
    private volatile boolean started;

    private record Checked(long at, boolean ready) {}

    /** A row of {@code rehab_search_index}. */
    record State(
            String definition,
            Instant storedAt,
            String reindexJob,
            int attempts,
            Instant nextAttemptAt,
            boolean complete) {}

    @Autowired
    public TextCandidateIndex(
            EngineProperties properties,
            RegistryRefresh registryRefresh,
            DaoRegistry daoRegistry,
            DataSource dataSource,
            ISearchParamRegistry searchParamRegistry,
            IJobCoordinator jobs,
            IJobPartitionProvider jobPartitions) {
        this.enabled = properties.textCandidateIndex();
        this.settle = settle(registryRefresh.maxLag());
        this.daoRegistry = daoRegistry;
        this.dataSource = dataSource;
        this.jdbc = new JdbcTemplate(dataSource);
        this.searchParamRegistry = searchParamRegistry;
        this.jobs = jobs;
        this.jobPartitions = jobPartitions;
    }

    /** Twice the registries' lag (a refresh begun just before the store, and the next), at least {@link #MIN_SETTLE}. */
    static Duration settle(Duration registryLag) {
        Duration twice = registryLag.multipliedBy(2);
        return twice.compareTo(MIN_SETTLE) < 0 ? MIN_SETTLE : twice;
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
        sp.setExpression(EXPRESSION);
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
     * The index is complete for this definition (its reindex done) and HAPI's registry holds it. Kept
     * {@link #RECHECK}.
     */
    public boolean ready() {
        if (!enabled) {
            return false;
        }
        long now = System.nanoTime();
        Checked last = checked;
        if (last != null && now - last.at() < RECHECK.toNanos()) {
            return last.ready();
        }
        Optional<State> state = state();
        boolean complete = state.filter(s -> s.complete() && s.definition().equals(EXPRESSION))
                .isPresent();
        boolean ready = complete && registered();
        if (last == null || last.ready() != ready) {
            if (ready) {
                log.info("Text candidates read by the index {} (Observation?{}=)", URL, CODE);
            } else {
                log.info(
                        "Text candidates read with code:not: the index {} is {}",
                        URL,
                        complete ? "not in HAPI's registry with its expression yet" : "not complete (reindex pending)");
            }
        }
        checked = new Checked(now, ready);
        return ready;
    }

    private boolean registered() {
        RuntimeSearchParam active = searchParamRegistry.getActiveSearchParam(
                "Observation", CODE, ISearchParamRegistry.SearchParamLookupContextEnum.SEARCH);
        return active != null && EXPRESSION.equals(active.getPath());
    }

    Optional<State> state() {
        return jdbc
                .query(
                        "SELECT definition, stored_at, reindex_job, attempts, next_attempt_at, complete"
                                + " FROM rehab_search_index WHERE code = ?",
                        (rs, n) -> new State(
                                rs.getString(1),
                                rs.getTimestamp(2).toInstant(),
                                rs.getString(3),
                                rs.getInt(4),
                                rs.getTimestamp(5) == null
                                        ? null
                                        : rs.getTimestamp(5).toInstant(),
                                rs.getBoolean(6)),
                        CODE)
                .stream()
                .findFirst();
    }

    @Order(1)
    @EventListener(ApplicationReadyEvent.class)
    public void onReady() {
        if (!enabled) {
            log.info("Text candidates read with code:not (rehab.engine.text-candidate-index=false)");
            return;
        }
        CatalogueLoader.underLoadLock(dataSource, () -> {
            store();
            return null;
        });
        started = true;
        advance();
    }

    @Override
    public void scheduleJobs(ISchedulerService scheduler) {
        ScheduledJobDefinition job = new ScheduledJobDefinition();
        job.setId(TextCandidateIndex.class.getName());
        job.setJobClass(Advance.class);
        scheduler.scheduleLocalJob(ADVANCE_EVERY.toMillis(), job);
    }

    /**
     * Stores the SearchParameter when it differs from {@link #searchParameter()} and, when the definition is new to
     * the state, resets the state (a reindex due after the settle time). Call under the load lock.
     */
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
            // no reindex now: it begins after the settle time, once every replica indexes by this definition
            SystemRequestDetails request = new SystemRequestDetails();
            request.getUserData().put(JpaConstants.SKIP_REINDEX_ON_UPDATE, Boolean.TRUE);
            dao.update(wanted, request);
            outcome = stored == null ? CatalogueLoader.Outcome.CREATED : CatalogueLoader.Outcome.UPDATED;
            log.info("SearchParameter {} {}", URL, outcome == CatalogueLoader.Outcome.CREATED ? "created" : "updated");
        }
        // this replica indexes by the stored definition before it serves (HAPI refreshes only after a reindex
        // request, and another replica may have stored it while this one started)
        searchParamRegistry.forceRefresh();
        Optional<State> state = state();
        if (outcome != CatalogueLoader.Outcome.UNCHANGED
                || state.filter(s -> s.definition().equals(wanted.getExpression()))
                        .isEmpty()) {
            state.filter(s -> !s.complete() && s.reindexJob() != null).ifPresent(s -> cancel(s.reindexJob()));
            jdbc.update(
                    "INSERT INTO rehab_search_index (code, definition, stored_at, updated_at) VALUES (?, ?, now(),"
                            + " now()) ON CONFLICT (code) DO UPDATE SET definition = EXCLUDED.definition, stored_at ="
                            + " now(), reindex_job = NULL, attempts = 0, next_attempt_at = NULL,"
                            + " complete = false, updated_at = now()",
                    CODE,
                    wanted.getExpression());
            log.info("Index {}: a reindex of the Observations begins {} from now at the earliest", CODE, settle);
        }
        checked = null;
        return outcome;
    }

    /** One step of the reindex, under the load lock: begin it when due, follow it, record its completion. */
    public void advance() {
        if (!enabled || !started || state().filter(State::complete).isPresent()) {
            return;
        }
        CatalogueLoader.underLoadLock(dataSource, () -> {
            state().filter(s -> !s.complete()).ifPresent(this::advance); // again: another replica may have moved it
            return null;
        });
    }

    private void advance(State state) {
        if (!state.definition().equals(EXPRESSION)) {
            return; // another release's definition: its replicas move it
        }
        if (state.reindexJob() == null) {
            if (state.attempts() >= MAX_ATTEMPTS
                    || (state.nextAttemptAt() != null && !dbAtOrAfter(state.nextAttemptAt()))) {
                return;
            }
            Instant due = state.storedAt().plus(settle);
            if (dbAtOrAfter(due) && !transactionOpenSince(due)) {
                begin();
            }
            return;
        }
        JobInstance job;
        try {
            job = jobs.getInstance(state.reindexJob());
        } catch (ResourceNotFoundException gone) {
            failed(state, "is gone");
            return;
        }
        StatusEnum status = job.getStatus();
        if (status == StatusEnum.COMPLETED) {
            if (job.getErrorCount() > 0) {
                failed(state, "completed with " + job.getErrorCount() + " errors (" + job.getErrorMessage() + ")");
                return;
            }
            jdbc.update(
                    "UPDATE rehab_search_index SET complete = true, updated_at = now() WHERE code = ? AND"
                            + " reindex_job = ?",
                    CODE,
                    job.getInstanceId());
            checked = null;
            log.info("Index {}: reindex job {} completed, the index is complete", CODE, job.getInstanceId());
        } else if (status == StatusEnum.FAILED || status == StatusEnum.CANCELLED) {
            failed(state, status + " (" + job.getErrorMessage() + ")");
        } else if (stale(job, Instant.now())) {
            cancel(job.getInstanceId());
            failed(state, "made no progress since " + job.getUpdateTime() + " and was cancelled");
        }
    }

    /** The reindex did not fill the index: another after {@link #backoff}, up to {@link #MAX_ATTEMPTS}. */
    private void failed(State state, String why) {
        int attempts = state.attempts() + 1;
        Duration wait = backoff(attempts);
        jdbc.update(
                "UPDATE rehab_search_index SET reindex_job = NULL, attempts = ?, next_attempt_at = now() +"
                        + " make_interval(secs => ?), updated_at = now() WHERE code = ?",
                attempts,
                (double) wait.toSeconds(),
                CODE);
        if (attempts >= MAX_ATTEMPTS) {
            log.warn(
                    "Index {}: reindex job {} {}; {} attempts: the index stays incomplete and the reads on code:not."
                            + " HAPI's log names the Observations it could not reindex; after fixing them, set"
                            + " attempts = 0 in rehab_search_index for another",
                    CODE,
                    state.reindexJob(),
                    why,
                    attempts);
        } else {
            log.warn("Index {}: reindex job {} {}; another begins in {}", CODE, state.reindexJob(), why, wait);
        }
    }

    /** The wait after the {@code attempts}-th failed reindex: {@link #FIRST_BACKOFF}, doubling. */
    static Duration backoff(int attempts) {
        return FIRST_BACKOFF.multipliedBy(1L << Math.min(Math.max(attempts - 1, 0), 10));
    }

    private boolean dbAtOrAfter(Instant instant) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT now() >= ?", Boolean.class, Timestamp.from(instant)));
    }

    /** A transaction of this database begun before {@code instant} is still open (another session's). */
    private boolean transactionOpenSince(Instant instant) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <>"
                        + " pg_backend_pid() AND xact_start < ?)",
                Boolean.class,
                Timestamp.from(instant)));
    }

    private void cancel(String jobId) {
        try {
            jobs.cancelInstance(jobId);
        } catch (RuntimeException e) {
            log.debug("Index {}: reindex job {} not cancelled: {}", CODE, jobId, e.toString());
        }
    }

    /** A running job (not one queued behind others) whose last change is older than {@link #STALE}. */
    static boolean stale(JobInstance job, Instant now) {
        if (job.getStatus() != StatusEnum.IN_PROGRESS && job.getStatus() != StatusEnum.ERRORED) {
            return false;
        }
        Instant last = job.getUpdateTime() != null
                ? job.getUpdateTime().toInstant()
                : job.getCreateTime() != null ? job.getCreateTime().toInstant() : now;
        return last.plus(STALE).isBefore(now);
    }

    private void begin() {
        ReindexJobParameters parameters = new ReindexJobParameters();
        parameters.setReindexSearchParameters(ReindexParameters.ReindexSearchParametersEnum.ALL);
        jobPartitions
                .getPartitionedUrls(new SystemRequestDetails(), List.of(OBSERVATIONS))
                .forEach(parameters::addPartitionedUrl);
        JobInstanceStartRequest request = new JobInstanceStartRequest();
        request.setJobDefinitionId(JOB_REINDEX);
        request.setParameters(parameters);
        String id = jobs.startInstance(new SystemRequestDetails(), request).getInstanceId();
        jdbc.update("UPDATE rehab_search_index SET reindex_job = ?, updated_at = now() WHERE code = ?", id, CODE);
        log.info("Index {}: reindex of the Observations begun (job {})", CODE, id);
    }

    /**
     * The Quartz job: HAPI's job factory creates it and autowires its fields (a job has no constructor arguments).
     */
    public static class Advance implements HapiJob {

        @Autowired
        private TextCandidateIndex index;

        @Override
        public void execute(JobExecutionContext context) {
            index.advance();
        }
    }
}
