package org.rehabfhir.protocols.matching;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ICD-10 editions other than ICD-10-CM (WHO ICD-10, national modifications such as ICD-10-GM) and the mapping of
 * each ICD-10-CM prefix of the catalogue to that edition's own prefix ({@code matching/icd10-editions.tsv}): the
 * editions differ in the 4th and 5th characters, so a prefix is mapped row by row, never guessed. Immutable.
 */
public final class Icd10Editions {

    public static final String DEFAULT_RESOURCE = "matching/icd10-editions.tsv";

    /** How an ICD-10-CM prefix maps into an edition. */
    public enum Relation {
        EQUIVALENT,
        BROADER,
        NONE
    }

    /** One row: in {@code edition} (code system {@code system}), ICD-10-CM {@code cmPrefix} is {@code prefix}. */
    public record Mapping(
            String edition, String system, String cmPrefix, String prefix, Relation relation, String note) {}

    private final Map<String, Map<String, Mapping>> bySystem;

    private Icd10Editions(List<Mapping> rows) {
        Map<String, Map<String, Mapping>> m = new LinkedHashMap<>();
        for (Mapping row : rows) {
            m.computeIfAbsent(row.system(), k -> new LinkedHashMap<>()).put(row.cmPrefix(), row);
        }
        m.replaceAll((k, v) -> Collections.unmodifiableMap(v));
        this.bySystem = Collections.unmodifiableMap(m);
    }

    public static Icd10Editions loadDefault() {
        try (InputStream in = Icd10Editions.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(DEFAULT_RESOURCE + " not on the classpath");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Icd10Editions parse(BufferedReader reader) throws IOException {
        List<Mapping> rows = new ArrayList<>();
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length < 6) {
                throw new IllegalStateException("Bad row in " + DEFAULT_RESOURCE + ": " + line);
            }
            Relation relation = Relation.valueOf(f[4].strip().toUpperCase(java.util.Locale.ROOT));
            rows.add(new Mapping(
                    f[0].strip(),
                    f[1].strip(),
                    f[2].strip(),
                    "-".equals(f[3].strip()) ? null : f[3].strip(),
                    relation,
                    f[5].strip()));
        }
        return new Icd10Editions(rows);
    }

    /** Whether {@code system} is one of the editions of the table. */
    public boolean isEdition(String system) {
        return system != null && bySystem.containsKey(system);
    }

    /** The edition's mapping of an ICD-10-CM prefix; empty when the table has no row for it. */
    public Optional<Mapping> map(String system, String cmPrefix) {
        Map<String, Mapping> rows = bySystem.get(system);
        return rows == null ? Optional.empty() : Optional.ofNullable(rows.get(cmPrefix));
    }

    /** Every row (for tests and documentation). */
    public List<Mapping> mappings() {
        return bySystem.values().stream().flatMap(m -> m.values().stream()).toList();
    }
}
