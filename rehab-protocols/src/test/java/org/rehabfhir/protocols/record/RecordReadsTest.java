package org.rehabfhir.protocols.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.protocols.Fixtures.TODAY;
import static org.rehabfhir.protocols.Fixtures.ZONE;
import static org.rehabfhir.protocols.Fixtures.finding;
import static org.rehabfhir.protocols.Fixtures.quantity;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.Fixtures;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.screening.SafetyScreener;
import org.rehabfhir.protocols.screening.ScreeningResult;

class RecordReadsTest {

    private final SafetyScreener screener = new SafetyScreener(ZONE);

    /** Answers the reads from a list, as the server's searches do: by code and date, newest first, limited. */
    static final class ListSource implements ObservationSource {
        final List<Observation> all;
        int observationsHandedOut;
        int reads;

        ListSource(List<Observation> all) {
            this.all = all;
        }

        @Override
        public List<Observation> newest(List<Code> codes, int limit) {
            return take(coded(codes), limit);
        }

        private List<Observation> coded(List<Code> codes) {
            return all.stream()
                    .filter(o -> codes.stream().anyMatch(c -> Codes.has(o.getCode(), c.system(), c.code())))
                    .toList();
        }

        @Override
        public List<Observation> newestSince(List<Code> codes, LocalDate since, int limit) {
            return take(
                    coded(codes).stream()
                            .filter(o -> Observations.effectiveDate(o, ZONE)
                                    .map(d -> !d.isBefore(since))
                                    .orElse(false))
                            .toList(),
                    limit);
        }

        @Override
        public List<Observation> newestSinceExcept(LocalDate since, List<Code> excluded, int limit) {
            return take(
                    all.stream()
                            .filter(o -> Observations.effectiveDate(o, ZONE)
                                    .map(d -> !d.isBefore(since))
                                    .orElse(false))
                            .filter(o -> excluded.stream().noneMatch(c -> Codes.has(o.getCode(), c.system(), c.code())))
                            .toList(),
                    limit);
        }

        private List<Observation> take(List<Observation> found, int limit) {
            List<Observation> out = found.stream()
                    .sorted(Comparator.comparing(
                                    (Observation o) -> Observations.effective(o).orElse(Instant.EPOCH))
                            .reversed())
                    .limit(limit)
                    .toList();
            observationsHandedOut += out.size();
            reads++;
            return out;
        }
    }

    /** A screened record plus a device feed: a heart rate every two hours for two years, a TUG now and then. */
    private static List<Observation> recordWithDeviceFeed() {
        List<Observation> record = new ArrayList<>();
        record.add(quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_MMSE, 28, "{score}", 200));
        record.add(finding(RehabCodes.FINDING_UNSTABLE_ANGINA, false, 5));
        record.add(finding(RehabCodes.FINDING_MI, false, 5));
        record.add(finding(RehabCodes.FINDING_ARRHYTHMIA, false, 5));
        record.add(quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_SYSTOLIC, 130, "mm[Hg]", 2));
        record.add(quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_DIASTOLIC, 80, "mm[Hg]", 2));
        record.add(finding(RehabCodes.FINDING_TWO_STEP, true, 10));
        record.add(quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_WALK_DISTANCE, 200, "m", 10));
        record.add(finding(RehabCodes.FINDING_FALL_HISTORY, true, 300));
        for (int i = 0; i < 8760; i++) {
            Observation hr = Fixtures.obs(
                    RehabCodes.LOINC,
                    RehabCodes.LOINC_HEART_RATE,
                    TODAY.atTime(8, 0).minusHours(2L * i + 1));
            hr.setValue(new org.hl7.fhir.r4.model.Quantity()
                    .setValue(60 + i % 50)
                    .setUnit("/min")
                    .setSystem(RehabCodes.UCUM)
                    .setCode("/min"));
            record.add(hr);
        }
        for (int i = 0; i < 700; i++) {
            record.add(quantity(RehabCodes.LOINC, RehabCodes.LOINC_TUG, 9 + i % 5, "s", i));
        }
        return record;
    }

    @Test
    void theReadsScreenLikeTheWholeRecordWithoutHandingOutTheDeviceFeed() {
        List<Observation> record = recordWithDeviceFeed();
        ListSource source = new ListSource(record);

        List<Observation> read = RecordReads.forScreening(source, TODAY);

        ScreeningResult whole = screener.screen(List.of(), record, "knee-osteoarthritis", TODAY);
        ScreeningResult targeted = screener.screen(List.of(), read, "knee-osteoarthritis", TODAY);
        assertThat(targeted.results()).isEqualTo(whole.results());
        assertThat(source.observationsHandedOut).isLessThan(100);
        assertThat(read).noneMatch(o -> o.getIdElement().getIdPart() == null);
    }

    /** The device-feed record with an MMSE of 17 (excludes the patient) older than 600 walk tests. */
    private static List<Observation> mmseBehindSixHundredWalkTests() {
        List<Observation> record = new ArrayList<>(recordWithDeviceFeed());
        record.removeIf(o -> Codes.has(o.getCode(), RehabCodes.CS_FINDING, RehabCodes.FINDING_MMSE));
        record.add(quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_MMSE, 17, "{score}", 200));
        for (int i = 0; i < 600; i++) {
            record.add(quantity(RehabCodes.CS_OUTCOME, RehabCodes.OUTCOME_6MWD, 300 + i % 40, "m", i / 4));
        }
        return record;
    }

    private void assertScreensAsTheWholeRecordWithItsMmse(List<Observation> record, List<Observation> read) {
        ScreeningResult whole = screener.screen(List.of(), record, "knee-osteoarthritis", TODAY);
        assertThat(whole.results().toString()).contains("MMSE");
        assertThat(screener.screen(List.of(), read, "knee-osteoarthritis", TODAY)
                        .results())
                .isEqualTo(whole.results());
        assertThat(read).anyMatch(o -> Codes.has(o.getCode(), RehabCodes.CS_FINDING, RehabCodes.FINDING_MMSE));
    }

    @Test
    void aLongSessionHistoryDoesNotHideAnOlderFindingOfAnotherCode() {
        // 600 sessions' walk tests, all newer than the MMSE that excludes the patient: one read of the newest coded
        // Observations of all codes together would hand out only walk tests
        List<Observation> record = mmseBehindSixHundredWalkTests();
        ListSource source = new ListSource(record);

        List<Observation> read = RecordReads.forScreening(source, TODAY);

        assertScreensAsTheWholeRecordWithItsMmse(record, read);
        // the newest of every code, not the whole history: 100 together, then the codes with few among them together
        assertThat(source.observationsHandedOut).isLessThan(RecordReads.CODED_FIRST_READ + 100);
    }

    @Test
    void theCodesWithFewAmongTheNewestOfALongSessionHistoryAreReadTogether() {
        List<Observation> record = mmseBehindSixHundredWalkTests();
        ListSource source = new ListSource(record);

        List<Observation> read = RecordReads.forScreening(source, TODAY);

        assertScreensAsTheWholeRecordWithItsMmse(record, read);
        // the newest coded, the other codes together, the heart rate, the text candidates: not one read per code
        assertThat(source.reads).isEqualTo(4);
    }

    @Test
    void aFindingBehindTwoLongHistoriesIsStillRead() {
        // 600 walk tests, then 300 backward-walk tests older than all of them, then the excluding MMSE: the read of
        // the codes with few among the newest is cut by the backward-walk tests, and the MMSE is read on its own
        List<Observation> record = mmseBehindSixHundredWalkTests();
        for (int i = 0; i < 300; i++) {
            record.add(quantity(RehabCodes.CS_OUTCOME, RehabCodes.OUTCOME_3MBWT, 6 + i % 3, "s", 151 + i / 8));
        }
        ListSource source = new ListSource(record);

        List<Observation> read = RecordReads.forScreening(source, TODAY);

        assertScreensAsTheWholeRecordWithItsMmse(record, read);
    }

    @Test
    void aStaleHeartRateIsStillReadSoTheScreenSaysHowOldItIs() {
        Observation old = quantity(RehabCodes.LOINC, RehabCodes.LOINC_HEART_RATE, 70, "/min", 400);
        ScreeningResult targeted =
                screener.screen(List.of(), RecordReads.forScreening(new ListSource(List.of(old)), TODAY), null, TODAY);
        assertThat(targeted.results())
                .isEqualTo(screener.screen(List.of(), List.of(old), null, TODAY).results());
        assertThat(targeted.results().toString()).contains("400 days ago");
    }

    @Test
    void aRecentObservationRecognisedByItsTextIsRead() {
        Observation mmseUnderAnotherCode = Fixtures.obs(
                "http://example.org/local-codes", "COG-1", TODAY.atTime(9, 0).minusDays(20));
        mmseUnderAnotherCode.setCode(new CodeableConcept(
                new Coding("http://example.org/local-codes", "COG-1", "Mini-Mental State Examination total score")));
        mmseUnderAnotherCode.setValue(new org.hl7.fhir.r4.model.Quantity()
                .setValue(17)
                .setUnit("{score}")
                .setSystem(RehabCodes.UCUM)
                .setCode("{score}"));
        List<Observation> record = new ArrayList<>(recordWithDeviceFeed());
        record.removeIf(o -> Codes.has(o.getCode(), RehabCodes.CS_FINDING, RehabCodes.FINDING_MMSE));
        record.add(mmseUnderAnotherCode);

        List<Observation> read = RecordReads.forScreening(new ListSource(record), TODAY);

        assertThat(read).contains(mmseUnderAnotherCode);
        List<Condition> none = List.of();
        assertThat(screener.screen(none, read, null, TODAY).results())
                .isEqualTo(screener.screen(none, record, null, TODAY).results());
    }
}
