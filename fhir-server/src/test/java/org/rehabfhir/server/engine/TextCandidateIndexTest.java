package org.rehabfhir.server.engine;

import static ca.uhn.fhir.batch2.jobs.reindex.ReindexUtils.JOB_REINDEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anySet;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.jobs.reindex.ReindexJobParameters;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.context.FhirContext;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.record.ObservationSource;
import org.rehabfhir.protocols.record.RecordReads;

class TextCandidateIndexTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();

    @Test
    void theExpressionLeavesOutExactlyTheObservationsCodedWithAnExcludedCode() {
        String filter = TextCandidateIndex.filter(RecordReads.TEXT_CANDIDATES_EXCEPT);

        assertThat(matches(filter, observation(new Coding("http://loinc.org", "8867-4", "Heart rate"))))
                .isFalse();
        assertThat(matches(
                        filter,
                        observation(
                                new Coding("http://hospital.example.org/codes", "HR", "Pulse"),
                                new Coding("http://loinc.org", "8867-4", null))))
                .isFalse();
        assertThat(matches(filter, observation(new Coding("http://loinc.org", "8480-6", "Systolic"))))
                .isTrue();
        assertThat(matches(filter, observation(new Coding("http://example.org/other-system", "8867-4", null))))
                .isTrue();
        Observation textOnly = new Observation().setCode(new CodeableConcept().setText("MMSE total score"));
        assertThat(matches(filter, textOnly)).isTrue();
        assertThat(TextCandidateIndex.searchParameter().getExpression())
                .isEqualTo(filter + ".subject.where(resolve() is Patient)");
    }

    @Test
    void severalExcludedCodesAreEachLeftOut() {
        String filter = TextCandidateIndex.filter(List.of(
                new ObservationSource.Code("http://loinc.org", "8867-4"),
                new ObservationSource.Code("http://loinc.org", "59408-5")));

        assertThat(matches(filter, observation(new Coding("http://loinc.org", "59408-5", null))))
                .isFalse();
        assertThat(matches(filter, observation(new Coding("http://loinc.org", "8867-4", null))))
                .isFalse();
        assertThat(matches(filter, observation(new Coding("http://loinc.org", "9279-1", null))))
                .isTrue();
    }

    @Test
    void readsWaitForTheRegistryAndForAReindexBegunTheSettleTimeAfterTheDefinition() {
        Instant stored = Instant.parse("2026-12-02T10:00:00Z");
        Duration settle = Duration.ofSeconds(10);
        AtomicReference<Optional<Instant>> registered = new AtomicReference<>(Optional.empty());
        AtomicBoolean reindexed = new AtomicBoolean(false);
        AtomicReference<Instant> askedFrom = new AtomicReference<>();
        AtomicInteger asked = new AtomicInteger();
        AtomicLong now = new AtomicLong();
        TextCandidateIndex index = new TextCandidateIndex(
                true,
                settle,
                null,
                null,
                () -> {
                    asked.incrementAndGet();
                    return registered.get();
                },
                from -> {
                    askedFrom.set(from);
                    return reindexed.get();
                },
                from -> false,
                () -> {},
                () -> {},
                now::get);

        assertThat(index.ready()).isFalse();
        registered.set(Optional.of(stored));
        assertThat(index.ready()).as("kept").isFalse();
        now.addAndGet(TextCandidateIndex.RECHECK_NANOS);
        assertThat(index.ready()).as("registered, not reindexed").isFalse();
        assertThat(askedFrom).hasValue(stored.plus(settle));
        reindexed.set(true);
        now.addAndGet(TextCandidateIndex.RECHECK_NANOS);
        assertThat(index.ready()).isTrue();
        assertThat(index.answers(RecordReads.TEXT_CANDIDATES_EXCEPT)).isTrue();
        assertThat(index.answers(List.of(new ObservationSource.Code("http://loinc.org", "59408-5"))))
                .as("other exclusions than the index's")
                .isFalse();
        assertThat(asked).hasValue(3);
        registered.set(Optional.of(stored.plus(Duration.ofDays(1))));
        reindexed.set(false);
        now.addAndGet(TextCandidateIndex.RECHECK_NANOS);
        assertThat(index.ready()).as("a newer definition, not reindexed").isFalse();
    }

    @Test
    void offItIsNeverReady() {
        TextCandidateIndex off = new TextCandidateIndex(
                false,
                Duration.ZERO,
                null,
                null,
                () -> Optional.of(Instant.EPOCH),
                from -> true,
                from -> true,
                () -> {},
                () -> {},
                System::nanoTime);

        assertThat(off.ready()).isFalse();
    }

    @Test
    void onlyACompletedReindexOfTheObservationsBegunSinceCounts() {
        Instant from = Instant.parse("2026-12-02T10:00:10Z");
        IJobCoordinator jobs = mock(IJobCoordinator.class);
        when(jobs.getJobInstancesByJobDefinitionIdAndStatuses(eq(JOB_REINDEX), anySet(), anyInt(), anyInt()))
                .thenReturn(List.of());
        assertThat(TextCandidateIndex.reindexedSince(jobs, from)).as("no job").isFalse();

        Set<StatusEnum> completed = EnumSet.of(StatusEnum.COMPLETED);
        when(jobs.getJobInstancesByJobDefinitionIdAndStatuses(JOB_REINDEX, completed, 100, 0))
                .thenReturn(List.of(job(from.minusSeconds(1), "Observation?"), job(from, "Patient?")));
        assertThat(TextCandidateIndex.reindexedSince(jobs, from))
                .as("one begun before, one of other resources")
                .isFalse();

        when(jobs.getJobInstancesByJobDefinitionIdAndStatuses(JOB_REINDEX, completed, 100, 0))
                .thenReturn(List.of(job(from.minusSeconds(1), "Observation?"), job(from.plusSeconds(3), null)));
        assertThat(TextCandidateIndex.reindexedSince(jobs, from))
                .as("one of every resource type, begun since")
                .isTrue();
        when(jobs.getJobInstancesByJobDefinitionIdAndStatuses(JOB_REINDEX, completed, 100, 0))
                .thenReturn(List.of(job(from.plusSeconds(3), "Observation?")));
        assertThat(TextCandidateIndex.reindexedSince(jobs, from)).isTrue();
    }

    private static JobInstance job(Instant created, String url) {
        JobInstance job = new JobInstance();
        job.setCreateTime(Date.from(created));
        ReindexJobParameters parameters = new ReindexJobParameters();
        if (url != null) {
            parameters.addUrl(url);
        }
        job.setParameters(parameters);
        return job;
    }

    private static Observation observation(Coding... codings) {
        CodeableConcept code = new CodeableConcept();
        for (Coding c : codings) {
            code.addCoding(c);
        }
        return new Observation().setCode(code);
    }

    private static boolean matches(String filter, Observation observation) {
        return !FHIR.newFhirPath()
                .evaluate(observation, filter, org.hl7.fhir.r4.model.Base.class)
                .isEmpty();
    }
}
