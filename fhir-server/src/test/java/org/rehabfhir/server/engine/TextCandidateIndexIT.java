package org.rehabfhir.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.jobs.reindex.ReindexJobParameters;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.time.Duration;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.SearchParameter;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The server's text-candidate index on a store that holds Observations from before it (an upgrade): its definition
 * is stored again, a reindex of the Observations begins after the settle time (HAPI's scheduler advances it), and the
 * reads use the index only once that reindex has completed, as recorded in {@code rehab_search_index}.
 */
class TextCandidateIndexIT extends AbstractFhirServerIT {

    @Autowired
    private TextCandidateIndex index;

    @Autowired
    private DaoRegistry daoRegistry;

    @Autowired
    private ISearchParamRegistry searchParamRegistry;

    @Autowired
    private IJobCoordinator jobs;

    @Test
    void anObservationStoredBeforeTheIndexIsFoundOnceHapiHasReindexedAndNotUsedBefore() {
        // an older definition that indexes nothing, stored without a reindex: what a store from before the index holds
        SearchParameter older = TextCandidateIndex.searchParameter();
        older.setExpression("Observation.subject.where(resolve() is Device)");
        SystemRequestDetails noReindex = new SystemRequestDetails();
        noReindex.getUserData().put(JpaConstants.SKIP_REINDEX_ON_UPDATE, Boolean.TRUE);
        daoRegistry.getResourceDao(SearchParameter.class).update(older, noReindex);
        searchParamRegistry.forceRefresh();
        await().atMost(Duration.ofSeconds(20)).until(() -> !index.ready());

        String patient = ehrPatient().getValue();
        Observation mmse = new Observation();
        mmse.setStatus(Observation.ObservationStatus.FINAL);
        mmse.setCode(new CodeableConcept().setText("MMSE total score"));
        mmse.setSubject(new Reference(patient));
        mmse.setEffective(new org.hl7.fhir.r4.model.DateTimeType(new java.util.Date()));
        String stored = ehr().create()
                .resource(mmse)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        index.onReady(); // a start of this release on that store: the definition stored, its state reset

        assertThat(index.ready()).as("not before the reindex").isFalse();
        assertThat(index.state()).get().satisfies(state -> {
            assertThat(state.complete()).isFalse();
            assertThat(state.reindexJob()).as("not before the settle time").isNull();
        });
        assertThat(byIndex(patient)).as("no row yet: reads must not use it").isEmpty();
        await().atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofSeconds(2))
                .until(index::ready);
        TextCandidateIndex.State state = index.state().orElseThrow();
        assertThat(state.complete()).isTrue();
        assertThat(state.attempts()).isZero();
        JobInstance job = jobs.getInstance(state.reindexJob());
        assertThat(job.getStatus().name()).isEqualTo("COMPLETED");
        assertThat(job.getCreateTime().toInstant())
                .as("begun the settle time after the definition")
                .isAfterOrEqualTo(state.storedAt().plus(TextCandidateIndex.MIN_SETTLE));
        assertThat(job.getParameters(ReindexJobParameters.class).getUrls()).containsExactly("Observation?");
        assertThat(byIndex(patient)).containsExactly(stored);
        assertThat(index.store()).as("a restart").isEqualTo(CatalogueLoader.Outcome.UNCHANGED);
        assertThat(index.state())
                .get()
                .extracting(TextCandidateIndex.State::complete)
                .isEqualTo(true);
    }

    private List<String> byIndex(String patient) {
        return daoRegistry
                .getResourceDao(Observation.class)
                .searchForResources(
                        SearchParameterMap.newSynchronous().add(TextCandidateIndex.CODE, new ReferenceParam(patient)),
                        new SystemRequestDetails())
                .stream()
                .map(o -> o.getIdElement().toUnqualifiedVersionless().getValue())
                .toList();
    }
}
