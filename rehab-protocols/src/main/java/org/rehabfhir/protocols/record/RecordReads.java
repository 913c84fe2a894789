package org.rehabfhir.protocols.record;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Observation;
import org.rehabfhir.protocols.matching.ConditionMatcher;
import org.rehabfhir.protocols.screening.SafetyScreener;

/**
 * The Observations the safety screen and the condition matching read, instead of the patient's whole record (a
 * device feed puts thousands of heart rates on it):
 * <ol>
 *   <li>the Observations coded with one of the screen's and the matcher's codes of the project's code systems
 *       ({@link SafetyScreener#OBSERVATION_CODES}, {@link ConditionMatcher#OBSERVATION_CODES}), newest first: the
 *       newest {@link #CODED_FIRST_READ} of all of them in one read (screens and assessments write a few per visit);
 *       when that read was full (a record with many sessions: each writes its outcome measures), the codes of which
 *       fewer than {@link #PER_CODE} came back are read together, {@link #PER_CODE} times as many as there are of
 *       them (one read: they are mostly findings of a screen, a handful each); only when that read is full too, each
 *       code still short is read on its own, its newest {@link #PER_CODE}. So every code has its newest
 *       {@link #PER_CODE} (or all it has) read however long the history of the others: the criteria read the newest
 *       of a code, or the newest with a value;</li>
 *   <li>the newest heart rate (LOINC 8867-4; the screen reads only the newest, at any age, to say how old it is),
 *       asked for within the vitals window first, at any age only when there is none there;</li>
 *   <li>for the criteria that also recognise an Observation by its text (another system's code whose display
 *       says "MMSE", "systolic", ...): the newest {@link #TEXT_CANDIDATES} Observations but heart rates of the longest
 *       recency window ({@link SafetyScreener#LONGEST_WINDOW_DAYS} days), "but heart rates" being
 *       {@link #TEXT_CANDIDATES_EXCEPT}. A text-only Observation older than the {@link #TEXT_CANDIDATES} newest others
 *       of that window is not seen.</li>
 * </ol>
 * The screen and the matcher then work on these as on a whole record: the same newest-first rules and windows.
 */
public final class RecordReads {

    /** The first read of the screen's and the matcher's own codes: at most this many, of all the codes together. */
    public static final int CODED_FIRST_READ = 100;
    /** Each of those codes has at least its newest this many read (or all it has). */
    public static final int PER_CODE = 20;
    /** At most this many other recent Observations, for recognition by text. */
    public static final int TEXT_CANDIDATES = 50;
    /**
     * The codes the text candidates leave out: the heart rate, which a device feed writes by the thousand and which
     * the screen reads by its code. A store can keep the other Observations indexed by patient ahead of the read.
     */
    public static final List<ObservationSource.Code> TEXT_CANDIDATES_EXCEPT = List.of(SafetyScreener.HEART_RATE);

    private RecordReads() {}

    /** The Observations for {@code SafetyScreener.screen} and {@code ConditionMatcher.match}, as of {@code today}. */
    public static List<Observation> forScreening(ObservationSource source, LocalDate today) {
        List<ObservationSource.Code> coded = Stream.concat(
                        SafetyScreener.OBSERVATION_CODES.stream(), ConditionMatcher.OBSERVATION_CODES.stream())
                .distinct()
                .toList();
        Map<String, Observation> byId = new LinkedHashMap<>();
        List<Observation> newestCoded = source.newest(coded, CODED_FIRST_READ);
        add(byId, newestCoded);
        if (newestCoded.size() >= CODED_FIRST_READ) {
            // the read was cut at its limit: a code with few among the newest may have older ones it needs. Most such
            // codes have a handful in all (screens, assessments): their newest, together, in one more read
            List<ObservationSource.Code> few = fewerThanPerCode(coded, List.of(newestCoded));
            if (!few.isEmpty()) {
                int together = PER_CODE * few.size();
                List<Observation> newestOfFew = source.newest(few, together);
                add(byId, newestOfFew);
                if (newestOfFew.size() >= together) {
                    // that read was cut too (another long history): each code still short of its newest, on its own
                    for (ObservationSource.Code code : fewerThanPerCode(few, List.of(newestCoded, newestOfFew))) {
                        add(byId, source.newest(List.of(code), PER_CODE));
                    }
                }
            }
        }
        // the newest heart rate: within the vitals window when there is one there (a short read on a long feed)
        List<Observation> heartRate = source.newestSince(
                List.of(SafetyScreener.HEART_RATE), today.minusDays(SafetyScreener.HEART_RATE_WINDOW_DAYS), 1);
        add(byId, heartRate.isEmpty() ? source.newest(List.of(SafetyScreener.HEART_RATE), 1) : heartRate);
        // one day more than the window: the store may count days in another zone than the clinic's
        add(
                byId,
                source.newestSinceExcept(
                        today.minusDays(SafetyScreener.LONGEST_WINDOW_DAYS + 1L),
                        TEXT_CANDIDATES_EXCEPT,
                        TEXT_CANDIDATES));
        return List.copyOf(byId.values());
    }

    /**
     * The codes of which fewer than {@link #PER_CODE} came back in each of the reads (each read newest first, so what
     * it has of a code is that code's newest: the code has the longest of these prefixes read).
     */
    private static List<ObservationSource.Code> fewerThanPerCode(
            List<ObservationSource.Code> codes, List<List<Observation>> reads) {
        return codes.stream()
                .filter(code -> reads.stream()
                        .allMatch(read -> read.stream()
                                        .filter(o -> Codes.has(o.getCode(), code.system(), code.code()))
                                        .count()
                                < PER_CODE))
                .toList();
    }

    private static void add(Map<String, Observation> byId, List<Observation> found) {
        for (Observation o : found) {
            String key = o.getIdElement().hasIdPart()
                    ? o.getIdElement().toUnqualifiedVersionless().getValue()
                    : "#" + System.identityHashCode(o);
            byId.putIfAbsent(key, o);
        }
    }
}
