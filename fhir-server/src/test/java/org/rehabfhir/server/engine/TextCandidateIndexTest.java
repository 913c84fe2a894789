package org.rehabfhir.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.context.FhirContext;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
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
    void theReindexBeginsTwiceTheRegistriesLagAfterTheDefinitionAndNeverSoonerThanTheMinimum() {
        assertThat(TextCandidateIndex.settle(Duration.ofSeconds(5))).isEqualTo(TextCandidateIndex.MIN_SETTLE);
        assertThat(TextCandidateIndex.settle(Duration.ofSeconds(70))).isEqualTo(Duration.ofSeconds(140));
    }

    @Test
    void aRunningJobWithoutProgressForHalfAnHourIsStaleAQueuedOneIsNot() {
        Instant now = Instant.parse("2026-12-02T12:00:00Z");
        JobInstance job = new JobInstance();
        job.setStatus(StatusEnum.IN_PROGRESS);
        job.setCreateTime(Date.from(now.minus(Duration.ofHours(5))));
        job.setUpdateTime(Date.from(now.minus(Duration.ofMinutes(29))));
        assertThat(TextCandidateIndex.stale(job, now)).isFalse();
        job.setUpdateTime(Date.from(now.minus(Duration.ofMinutes(31))));
        assertThat(TextCandidateIndex.stale(job, now)).isTrue();
        job.setStatus(StatusEnum.QUEUED);
        assertThat(TextCandidateIndex.stale(job, now))
                .as("waiting behind other jobs")
                .isFalse();
    }

    @Test
    void aFailedReindexIsBegunAgainAfterABackOffThatDoubles() {
        assertThat(TextCandidateIndex.backoff(1)).isEqualTo(TextCandidateIndex.FIRST_BACKOFF);
        assertThat(TextCandidateIndex.backoff(2)).isEqualTo(TextCandidateIndex.FIRST_BACKOFF.multipliedBy(2));
        assertThat(TextCandidateIndex.backoff(4)).isEqualTo(TextCandidateIndex.FIRST_BACKOFF.multipliedBy(8));
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
