package org.rehabfhir.protocols.record;

import java.time.LocalDate;
import java.util.List;
import org.hl7.fhir.r4.model.Observation;

/**
 * Where the engine reads one patient's Observations from, a read at a time, instead of taking the whole record:
 * the server answers each read with a targeted search (code, date, newest first, a limit). The engine says what it
 * needs ({@link RecordReads}); it never learns how the answer was found.
 */
public interface ObservationSource {

    /** A code to read by: {@code system} and {@code code}. */
    record Code(String system, String code) {}

    /** The patient's Observations coded with any of {@code codes}, newest first (effective date), at most {@code limit}. */
    List<Observation> newest(List<Code> codes, int limit);

    /** As {@link #newest(List, int)}, only those effective on or after {@code since}. */
    List<Observation> newestSince(List<Code> codes, LocalDate since, int limit);

    /**
     * The patient's Observations effective on or after {@code since} whose code is none of {@code excluded}, newest
     * first, at most {@code limit}.
     */
    List<Observation> newestSinceExcept(LocalDate since, List<Code> excluded, int limit);
}
