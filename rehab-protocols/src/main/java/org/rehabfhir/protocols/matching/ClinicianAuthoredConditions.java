package org.rehabfhir.protocols.matching;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.rehabfhir.protocols.record.Codes;

/**
 * Conditions without a template ({@code matching/clinician-authored-conditions.tsv}): hip fracture, knee and hip
 * replacement, ankle surgery.
 */
public final class ClinicianAuthoredConditions {

    public static final String DEFAULT_RESOURCE = "matching/clinician-authored-conditions.tsv";

    /** One row of the table; {@code kind} is snomed, icd10cm or text. */
    public record Row(String group, String kind, String value, String display, String source, Pattern pattern) {}

    private final List<Row> rows;

    public ClinicianAuthoredConditions(List<Row> rows) {
        this.rows = List.copyOf(rows);
    }

    public static ClinicianAuthoredConditions loadDefault() {
        List<Row> rows = new ArrayList<>();
        for (String[] c : CuratedSnomedHierarchy.Tsv.read(DEFAULT_RESOURCE, 5)) {
            Pattern p = "text".equals(c[1]) ? Codes.words(c[2]) : null;
            rows.add(new Row(c[0], c[1], c[2], c[3], c[4], p));
        }
        return new ClinicianAuthoredConditions(rows);
    }

    public List<Row> rows() {
        return rows;
    }
}
