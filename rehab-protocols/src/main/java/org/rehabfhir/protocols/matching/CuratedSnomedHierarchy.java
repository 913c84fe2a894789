package org.rehabfhir.protocols.matching;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The curated table of SNOMED CT descendants ({@code matching/snomed-curated-descendants.tsv}). */
public final class CuratedSnomedHierarchy {

    public static final String DEFAULT_RESOURCE = "matching/snomed-curated-descendants.tsv";

    /** One row: {@code descendant} is-a {@code ancestor}, curated by the project. */
    public record Row(String ancestor, String descendant, String display, String status, String note) {}

    private final List<Row> rows;

    public CuratedSnomedHierarchy(List<Row> rows) {
        this.rows = List.copyOf(rows);
    }

    public static CuratedSnomedHierarchy loadDefault() {
        List<Row> rows = new ArrayList<>();
        for (String[] cols : Tsv.read(DEFAULT_RESOURCE, 5)) {
            rows.add(new Row(cols[0], cols[1], cols[2], cols[3], cols[4]));
        }
        return new CuratedSnomedHierarchy(rows);
    }

    public List<Row> rows() {
        return rows;
    }

    /** True when the table says {@code descendant} is a (strict) descendant of {@code ancestor}. */
    public boolean isDescendant(String ancestor, String descendant) {
        return rows.stream()
                .anyMatch(r -> r.ancestor().equals(ancestor) && r.descendant().equals(descendant));
    }

    /** Tab-separated classpath tables with '#' comments. */
    static final class Tsv {
        private Tsv() {}

        static List<String[]> read(String resource, int columns) {
            InputStream in = CuratedSnomedHierarchy.class.getClassLoader().getResourceAsStream(resource);
            if (in == null) {
                throw new IllegalStateException("Missing classpath resource " + resource);
            }
            List<String[]> out = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.isBlank() || line.startsWith("#")) {
                        continue;
                    }
                    String[] cols = line.split("\t", -1);
                    if (cols.length != columns) {
                        throw new IllegalStateException(resource + ": expected " + columns + " columns: " + line);
                    }
                    out.add(cols);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        }
    }
}
