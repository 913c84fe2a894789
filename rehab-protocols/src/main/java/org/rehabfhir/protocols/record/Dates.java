package org.rehabfhir.protocols.record;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.hl7.fhir.r4.model.BaseDateTimeType;

/**
 * Calendar days of FHIR dates in the clinic's time zone, never the JVM's: a value with a time and an offset (or
 * {@code Z}) is an instant, converted to the clinic's zone; a value without a time ({@code 2024-05-01}, {@code 2024-05},
 * {@code 2024}) or without an offset is already a local date and is taken as written.
 */
public final class Dates {

    private Dates() {}

    /** The day of a FHIR date, dateTime or instant in {@code zone}; empty when there is no value. */
    public static Optional<LocalDate> localDate(BaseDateTimeType value, ZoneId zone) {
        if (value == null
                || value.getValueAsString() == null
                || value.getValueAsString().isBlank()) {
            return Optional.empty();
        }
        String text = value.getValueAsString().strip();
        if (text.length() <= 10) {
            String[] parts = text.split("-");
            return Optional.of(LocalDate.of(
                    Integer.parseInt(parts[0]),
                    parts.length > 1 ? Integer.parseInt(parts[1]) : 1,
                    parts.length > 2 ? Integer.parseInt(parts[2]) : 1));
        }
        try {
            return Optional.of(
                    OffsetDateTime.parse(text).atZoneSameInstant(zone).toLocalDate());
        } catch (DateTimeParseException noOffset) {
            return Optional.of(LocalDateTime.parse(text).toLocalDate());
        }
    }

    /** The instant a local day starts in {@code zone}. */
    public static Instant startOfDay(LocalDate day, ZoneId zone) {
        return day.atStartOfDay(zone).toInstant();
    }
}
