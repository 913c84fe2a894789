package org.rehabfhir.server.engine;

import static ca.uhn.fhir.batch2.jobs.reindex.ReindexUtils.JOB_REINDEX;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.SearchParameter;
import org.rehabfhir.protocols.record.ObservationSource;
import org.rehabfhir.protocols.record.RecordReads;
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
 * <p>Stored at start under the catalogue's load lock: created, or updated when its definition changed; HAPI then
 * reindexes the stored Observations (a batch job), except on a store without any Observation. {@link #ready()}
 * says whether reads may use it: HAPI's registry holds it with this expression and no reindex job is unfinished.
 * Until then {@link StoredObservations} reads with {@code code:not}, the same answer the slow way.
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

    private final DaoRegistry daoRegistry;
    private final DataSource dataSource;
    private final BooleanSupplier registered;
    private final BooleanSupplier reindexing;
    private final Runnable refreshRegistry;
    private final LongSupplier nanoTime;
    private volatile Checked checked;

    private record Checked(long at, boolean ready) {}

    @Autowired
    public TextCandidateIndex(
            DaoRegistry daoRegistry,
            DataSource dataSource,
            ISearchParamRegistry searchParamRegistry,
            IJobCoordinator jobCoordinator) {
        this(
                daoRegistry,
                dataSource,
                () -> registered(searchParamRegistry),
                () -> !jobCoordinator
                        .getJobInstancesByJobDefinitionIdAndStatuses(
                                JOB_REINDEX, StatusEnum.getNotEndedStatuses(), 1, 0)
                        .isEmpty(),
                searchParamRegistry::forceRefresh,
                System::nanoTime);
    }

    TextCandidateIndex(
            DaoRegistry daoRegistry,
            DataSource dataSource,
            BooleanSupplier registered,
            BooleanSupplier reindexing,
            Runnable refreshRegistry,
            LongSupplier nanoTime) {
        this.daoRegistry = daoRegistry;
        this.dataSource = dataSource;
        this.registered = registered;
        this.reindexing = reindexing;
        this.refreshRegistry = refreshRegistry;
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
     * HAPI's registry holds the search parameter as built here and no reindex job is unfinished (a reindex after its
     * creation or change fills its rows for the Observations stored before). Kept {@link #RECHECK_NANOS}.
     */
    public boolean ready() {
        long now = nanoTime.getAsLong();
        Checked last = checked;
        if (last != null && now - last.at() < RECHECK_NANOS) {
            return last.ready();
        }
        boolean isRegistered = registered.getAsBoolean();
        boolean ready = isRegistered && !reindexing.getAsBoolean();
        if (last == null || last.ready() != ready) {
            if (ready) {
                log.info("Text candidates read by the index {} (Observation?{}=)", URL, CODE);
            } else {
                log.info(
                        "Text candidates read with code:not: the index {} is {}",
                        URL,
                        isRegistered
                                ? "being reindexed (a REINDEX job is unfinished)"
                                : "not in HAPI's registry with its expression yet");
            }
        }
        checked = new Checked(now, ready);
        return ready;
    }

    private static boolean registered(ISearchParamRegistry registry) {
        RuntimeSearchParam active = registry.getActiveSearchParam(
                "Observation", CODE, ISearchParamRegistry.SearchParamLookupContextEnum.SEARCH);
        if (active != null && !searchParameter().getExpression().equals(active.getPath())) {
            log.info("HAPI's registry holds {} with another expression: {}", CODE, active.getPath());
        }
        return active != null && searchParameter().getExpression().equals(active.getPath());
    }

    @Order(1)
    @EventListener(ApplicationReadyEvent.class)
    public void onReady() {
        CatalogueLoader.underLoadLock(dataSource, this::store);
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
        if (stored != null && CatalogueLoader.sameContent(stored, wanted)) {
            return CatalogueLoader.Outcome.UNCHANGED;
        }
        SystemRequestDetails request = new SystemRequestDetails();
        boolean noObservations = daoRegistry
                .getResourceDao(Observation.class)
                .search(SearchParameterMap.newSynchronous().setLoadSynchronousUpTo(1), request)
                .isEmpty();
        if (noObservations) {
            // nothing to reindex: the index is complete from the first Observation on
            request.getUserData().put(JpaConstants.SKIP_REINDEX_ON_UPDATE, Boolean.TRUE);
        }
        dao.update(wanted, request);
        refreshRegistry.run(); // HAPI refreshes it after a reindex request only, not when told to skip the reindex
        log.info(
                "SearchParameter {} {}{}",
                URL,
                stored == null ? "created" : "updated",
                noObservations ? " (no Observation stored: nothing to reindex)" : "; HAPI reindexes the Observations");
        checked = null;
        return stored == null ? CatalogueLoader.Outcome.CREATED : CatalogueLoader.Outcome.UPDATED;
    }
}
