package org.rehabfhir.app.session;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;

/**
 * The quick session form and its {@code $record-session} Parameters: date, minutes, surface, speed (km/h), incline
 * (%), supervision (1-4), RPE (0-10), pain before and 24 h after (0-10), heart rate, near-fall, fall, notes. Values
 * that are not numbers are errors of their field here; ranges are the server's to check (its 422 names the
 * parameter, shown next to the field).
 */
public final class SessionForm {

    public static final List<String> FIELDS = List.of(
            "date",
            "minutes",
            "surface",
            "speed",
            "incline",
            "supervision",
            "rpe",
            "painBefore",
            "pain24h",
            "heartRate",
            "nearFall",
            "fall",
            "notes");

    private SessionForm() {}

    public static Parameters parameters(Map<String, String> form, Map<String, String> errors) {
        Parameters p = new Parameters();
        String date = form.get("date");
        if (date != null && !date.isBlank()) {
            try {
                p.addParameter()
                        .setName("date")
                        .setValue(new DateTimeType(Date.from(LocalDateTime.parse(date.trim())
                                .atZone(ZoneId.systemDefault())
                                .toInstant())));
            } catch (RuntimeException e) {
                errors.put("date", "Enter the date and time of the session.");
            }
        }
        decimal(p, form, "minutes", errors);
        code(p, form, "surface");
        decimal(p, form, "speed", errors);
        decimal(p, form, "incline", errors);
        code(p, form, "supervision");
        integer(p, form, "rpe", errors);
        integer(p, form, "painBefore", errors);
        integer(p, form, "pain24h", errors);
        integer(p, form, "heartRate", errors);
        bool(p, form, "nearFall");
        bool(p, form, "fall");
        String notes = form.get("notes");
        if (notes != null && !notes.isBlank()) {
            p.addParameter().setName("notes").setValue(new StringType(notes.trim()));
        }
        return p;
    }

    /** The defaults of a new session: now, the phase's dose where known, no events. */
    public static Map<String, String> defaults(String minutes, String supervision, String speed, String incline) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("date", LocalDateTime.now().withSecond(0).withNano(0).toString());
        d.put("minutes", minutes == null ? "" : minutes);
        d.put("surface", speed == null || speed.isEmpty() ? "overground" : "treadmill");
        d.put("speed", speed == null ? "" : speed);
        d.put("incline", incline == null ? "" : incline);
        d.put("supervision", supervision == null ? "2" : supervision);
        d.put("nearFall", "false");
        d.put("fall", "false");
        return d;
    }

    private static void decimal(Parameters p, Map<String, String> form, String name, Map<String, String> errors) {
        String raw = form.get(name);
        if (raw == null || raw.isBlank()) {
            return;
        }
        try {
            p.addParameter().setName(name).setValue(new DecimalType(new BigDecimal(raw.trim())));
        } catch (NumberFormatException e) {
            errors.put(name, "Enter a number.");
        }
    }

    private static void integer(Parameters p, Map<String, String> form, String name, Map<String, String> errors) {
        String raw = form.get(name);
        if (raw == null || raw.isBlank()) {
            return;
        }
        try {
            p.addParameter().setName(name).setValue(new IntegerType(Integer.parseInt(raw.trim())));
        } catch (NumberFormatException e) {
            errors.put(name, "Enter a whole number.");
        }
    }

    private static void code(Parameters p, Map<String, String> form, String name) {
        String raw = form.get(name);
        if (raw != null && !raw.isBlank()) {
            p.addParameter().setName(name).setValue(new CodeType(raw.trim()));
        }
    }

    private static void bool(Parameters p, Map<String, String> form, String name) {
        String raw = form.get(name);
        if (raw != null && !raw.isBlank()) {
            p.addParameter().setName(name).setValue(new BooleanType("true".equals(raw.trim())));
        }
    }
}
