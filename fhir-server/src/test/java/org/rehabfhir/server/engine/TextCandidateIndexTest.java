package org.rehabfhir.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
    void readsWaitForTheRegistryAndForEveryReindexAndTheAnswerIsKeptFiveSeconds() {
        AtomicBoolean registered = new AtomicBoolean(false);
        AtomicBoolean reindexing = new AtomicBoolean(true);
        AtomicInteger asked = new AtomicInteger();
        AtomicLong now = new AtomicLong();
        TextCandidateIndex index = new TextCandidateIndex(
                null,
                null,
                () -> {
                    asked.incrementAndGet();
                    return registered.get();
                },
                reindexing::get,
                () -> {},
                now::get);

        assertThat(index.ready()).isFalse();
        registered.set(true);
        assertThat(index.ready()).as("kept").isFalse();
        now.addAndGet(TextCandidateIndex.RECHECK_NANOS);
        assertThat(index.ready()).as("registered, a reindex running").isFalse();
        reindexing.set(false);
        now.addAndGet(TextCandidateIndex.RECHECK_NANOS);
        assertThat(index.ready()).isTrue();
        assertThat(index.answers(RecordReads.TEXT_CANDIDATES_EXCEPT)).isTrue();
        assertThat(index.answers(List.of(new ObservationSource.Code("http://loinc.org", "59408-5"))))
                .as("other exclusions than the index's")
                .isFalse();
        assertThat(asked).hasValue(3);
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
