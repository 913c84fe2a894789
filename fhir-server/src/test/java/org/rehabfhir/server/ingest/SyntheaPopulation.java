package org.rehabfhir.server.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.mitre.synthea.engine.Generator;
import org.mitre.synthea.export.Exporter;
import org.mitre.synthea.export.FhirR4;
import org.mitre.synthea.helpers.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small synthetic population generated at test time with Synthea (org.mitre.synthea:synthea from Maven Central,
 * in-process), exported as FHIR R4 transaction bundles the way an integrator exports it: once plain and once with
 * the US Core profiles ({@code exporter.fhir.use_us_core_ig}). Fixed seeds; ages 55-90; only living patients; a
 * keep module ({@code synthea/keep-stroke-or-knee-oa.json}) keeps only patients with a stroke history or an active
 * knee osteoarthritis, the two conditions whose regimens the tests check.
 *
 * <p>Written under {@code target/synthea/<variant>/fhir/}: the hospital and practitioner bundles
 * ({@code hospitalInformation*.json}, {@code practitionerInformation*.json}: the Organizations, Locations,
 * Practitioners and PractitionerRoles the patient bundles reference conditionally) and one bundle per patient. A
 * population is generated once per JVM and variant ({@link #get(Variant)}).
 */
public final class SyntheaPopulation {

    private static final Logger log = LoggerFactory.getLogger(SyntheaPopulation.class);

    /** The same people in both variants (Synthea is deterministic for a seed and a reference time). */
    static final long SEED = 20261201L;

    static final long CLINICIAN_SEED = 12L;

    /**
     * The resource types of the EHR contract an interface engine is set up to send (Synthea's
     * {@code exporter.fhir.included_resources}; Patient and Encounter are always exported). The rest of a Synthea
     * record (Claim, ExplanationOfBenefit, Immunization, Device, ImagingStudy, SupplyDelivery,
     * MedicationAdministration, CarePlan, Provenance) is outside the contract: a bundle holding it is refused with 403
     * naming every such entry.
     */
    static final String CONTRACT_TYPES = "Condition,Observation,Procedure,MedicationRequest,Medication,"
            + "AllergyIntolerance,DiagnosticReport,DocumentReference,CareTeam";

    /** Ages of the rehabilitation population (Synthea's age range, inclusive). */
    static final int MIN_AGE = 55;

    static final int MAX_AGE = 90;

    /**
     * The two exports. Populations are kept small (generation and load run in every build): the US Core export holds
     * the first people of the plain one (Synthea derives each person's seed from the population seed and the index).
     */
    public enum Variant {
        PLAIN(false, 8),
        US_CORE(true, 4);

        final boolean usCore;
        final int defaultPopulation;

        Variant(boolean usCore, int defaultPopulation) {
            this.usCore = usCore;
            this.defaultPopulation = defaultPopulation;
        }

        String folder() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    /** The bundles of one export: infrastructure first (they must be stored before the patients reference them). */
    public record Export(Variant variant, List<Path> infrastructure, List<Path> patients, long generationMillis) {

        public List<Path> inLoadOrder() {
            List<Path> all = new ArrayList<>(infrastructure);
            all.addAll(patients);
            return all;
        }

        public static String read(Path bundle) {
            try {
                return Files.readString(bundle, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final java.util.Map<Variant, Export> GENERATED = new java.util.EnumMap<>(Variant.class);

    /** Living patients kept: {@code -Dsynthea.population} for both variants, else the variant's default. */
    static int population(Variant variant) {
        return Integer.getInteger("synthea.population", variant.defaultPopulation);
    }

    private SyntheaPopulation() {}

    /** The population of the variant, generated on first use (Synthea's configuration is global: one at a time). */
    public static synchronized Export get(Variant variant) {
        return GENERATED.computeIfAbsent(variant, v -> generate(v, population(v), referenceTime()));
    }

    /** One reference time for every variant of this JVM, so that both hold the same records. */
    private static long referenceTime;

    private static long referenceTime() {
        if (referenceTime == 0) {
            referenceTime = System.currentTimeMillis();
        }
        return referenceTime;
    }

    private static Export generate(Variant variant, int population, long reference) {
        Path out = Path.of("target", "synthea", variant.folder()).toAbsolutePath();
        deleteRecursively(out);
        Path keep = keepModule(out.getParent());
        configure(variant, out);

        Generator.GeneratorOptions options = new Generator.GeneratorOptions();
        options.population = population;
        options.seed = SEED;
        options.clinicianSeed = CLINICIAN_SEED;
        options.referenceTime = reference;
        options.ageSpecified = true;
        options.minAge = MIN_AGE;
        options.maxAge = MAX_AGE;
        options.keepPatientsModulePath = keep;
        options.threadPoolSize =
                2; // the build machine has two cores; each person has its own seed, so the records do not depend on the
        // order
        long start = System.nanoTime();
        new Generator(options, new Exporter.ExporterRuntimeOptions()).run();
        long millis = (System.nanoTime() - start) / 1_000_000;

        Path fhir = out.resolve("fhir");
        List<Path> infrastructure = new ArrayList<>();
        List<Path> patients = new ArrayList<>();
        try (Stream<Path> files = Files.list(fhir)) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                String name = file.getFileName().toString();
                if (name.startsWith("hospitalInformation") || name.startsWith("practitionerInformation")) {
                    infrastructure.add(file);
                } else {
                    patients.add(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // hospitals (Organizations, Locations) before practitioners (PractitionerRoles reference them)
        infrastructure.sort(
                Comparator.comparing((Path p) -> !p.getFileName().toString().startsWith("hospital")));
        log.info(
                "Synthea {}: {} patient bundles and {} infrastructure bundles generated in {} ms ({})",
                variant,
                patients.size(),
                infrastructure.size(),
                millis,
                fhir);
        return new Export(variant, List.copyOf(infrastructure), List.copyOf(patients), millis);
    }

    /** Synthea's settings (keys of its {@code synthea.properties}); the rest stay Synthea's defaults. */
    private static void configure(Variant variant, Path out) {
        Config.set("exporter.baseDirectory", out.toString() + "/");
        Config.set("exporter.fhir.export", "true");
        Config.set("exporter.fhir.transaction_bundle", "true");
        Config.set("exporter.fhir.bulk_data", "false");
        Config.set("exporter.fhir.use_us_core_ig", Boolean.toString(variant.usCore));
        Config.set("exporter.fhir.included_resources", CONTRACT_TYPES);
        Config.set("exporter.fhir.excluded_resources", "");
        Config.set("exporter.hospital.fhir.export", "true");
        Config.set("exporter.practitioner.fhir.export", "true");
        Config.set("exporter.metadata.export", "false");
        Config.set("exporter.csv.export", "false");
        Config.set("exporter.ccda.export", "false");
        Config.set("exporter.text.export", "false");
        Config.set("generate.only_alive_patients", "true");
        Config.set("generate.log_patients.detail", "none");
        Config.set("generate.thread_pool_size", "2");
        // FhirR4 reads its two flags into static fields when the class is first loaded; a second export in the same
        // JVM must set them again (what Synthea's own tests do)
        setStatic("TRANSACTION_BUNDLE", true);
        setStatic("USE_US_CORE_IG", variant.usCore);
        try {
            var reload = FhirR4.class.getDeclaredMethod("reloadIncludeExclude");
            reload.setAccessible(true);
            reload.invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Synthea's FhirR4.reloadIncludeExclude not found: another version?", e);
        }
    }

    private static void setStatic(String name, boolean value) {
        try {
            Field field = FhirR4.class.getDeclaredField(name);
            field.setAccessible(true);
            field.setBoolean(null, value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Synthea's FhirR4." + name + " not found: another Synthea version?", e);
        }
    }

    private static Path keepModule(Path dir) {
        try (var in = SyntheaPopulation.class.getResourceAsStream("/synthea/keep-stroke-or-knee-oa.json")) {
            Files.createDirectories(dir);
            Path keep = dir.resolve("keep-stroke-or-knee-oa.json");
            Files.write(keep, in.readAllBytes());
            return keep;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
