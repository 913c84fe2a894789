package org.rehabfhir.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ca.uhn.fhir.parser.IParser;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rehabfhir.auth.smart.Permission;
import org.rehabfhir.auth.smart.RehabRole;
import org.rehabfhir.auth.smart.RoleRights;
import org.rehabfhir.server.bulk.BulkExportClient;
import org.rehabfhir.server.ingest.SyntheaPopulation.Export;
import org.rehabfhir.server.ingest.SyntheaPopulation.Variant;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.Tokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Synthea population (generated at test time, {@link SyntheaPopulation}) loaded as a hospital's interface engine
 * sends it: each bundle file posted unmodified with the EHR client's token ({@code ehr-demo-hospital}), the
 * hospital and practitioner bundles first. Every bundle must be accepted as exported, or be above a documented limit
 * and refused 413 naming the limit and what to do instead; no resource of an accepted bundle may be lost (each type
 * counted in the bundle, in the response and by search afterwards); and the patients' regimens must be right: knee
 * osteoarthritis gets the knee regimen, a stroke within the post-stroke window (Synthea closes the stroke Condition
 * after the acute episode) gets the chronic-stroke regimen marked "history of stroke: confirm rehabilitation need".
 * After the last variant, the EHR gets every loaded patient back with one Bulk Data Group export: per type as many
 * resources as it sent.
 */
class SyntheaIngestIT extends AbstractFhirServerIT {

    private static final Logger log = LoggerFactory.getLogger(SyntheaIngestIT.class);

    static final String SNOMED = "http://snomed.info/sct";
    static final String STROKE = "230690007";
    static final String KNEE_OA = "239873007";
    /** The chronic-stroke regimen's post-stroke window (historyMaxDaysSinceOnset) and its chronic threshold. */
    static final int POST_STROKE_DAYS = 1826;

    static final int CHRONIC_AFTER_DAYS = 30;
    static final String HISTORY_NOTE = "history of stroke: confirm rehabilitation need";

    /**
     * The patients of the accepted patient bundles of every variant, and per type the resources their bundles held
     * that a Group export gives the EHR back ({@link #groupExportable}): what the export must return.
     */
    private static final List<String> LOADED_PATIENTS = new ArrayList<>();

    private static final Map<String, Integer> LOADED_FOR_EXPORT = new TreeMap<>();

    /** Why a bundle was answered as it was: the acceptance table of the run. */
    record Outcome(String file, int entries, int status, String cause) {}

    @ParameterizedTest
    @EnumSource(Variant.class)
    void theExportIsAcceptedAsSentNothingIsLostAndTheRegimensFit(Variant variant) throws Exception {
        Export export = SyntheaPopulation.get(variant);
        BundlePoster poster = new BundlePoster(baseUrl(), Tokens::ehr);
        IParser json = CLIENT_CONTEXT.newJsonParser();
        List<Outcome> outcomes = new ArrayList<>();
        int checkedKnee = 0;
        int checkedStroke = 0;

        for (Path file : export.inLoadOrder()) {
            Bundle sent = json.parseResource(Bundle.class, Export.read(file));
            BundlePoster.Response response = poster.post(file);
            String name = file.getFileName().toString();
            if (response.status() == 413) {
                OperationOutcome oo = json.parseResource(OperationOutcome.class, response.body());
                String message = oo.getIssueFirstRep().getDiagnostics();
                assertThat(message)
                        .as(name)
                        .contains("maximum is 20000 for EHR systems")
                        .contains("several transaction Bundles");
                outcomes.add(new Outcome(name, sent.getEntry().size(), 413, message));
                continue;
            }
            if (response.status() != 200) {
                outcomes.add(new Outcome(name, sent.getEntry().size(), response.status(), firstIssue(response.body())));
                continue;
            }
            Bundle answer = json.parseResource(Bundle.class, response.body());
            assertThat(answer.getEntry()).as(name).hasSameSizeAs(sent.getEntry());
            Map<String, List<String>> stored = storedIdsByType(sent, answer, name);
            assertThat(counts(stored)).as("%s: stored per type", name).isEqualTo(countByType(sent));
            assertSearchable(stored, name);
            outcomes.add(new Outcome(name, sent.getEntry().size(), 200, "accepted"));

            if (sent.getType() == Bundle.BundleType.TRANSACTION) {
                String patient = stored.get("Patient").get(0);
                LOADED_PATIENTS.add("Patient/" + patient);
                countByType(sent).forEach((type, n) -> {
                    if (groupExportable(type)) {
                        LOADED_FOR_EXPORT.merge(type, n, Integer::sum);
                    }
                });
                RegimenCheck check = checkRegimens(sent, "Patient/" + patient, name);
                checkedKnee += check.knee ? 1 : 0;
                checkedStroke += check.stroke ? 1 : 0;
            }
        }
        log.info(
                "SYNTHEA {} ({} patients, generated in {} ms):\n{}",
                variant,
                export.patients().size(),
                export.generationMillis(),
                String.join("\n", outcomes.stream().map(Outcome::toString).toList()));
        assertThat(outcomes)
                .as("every bundle accepted, or above the documented limit")
                .allSatisfy(o -> assertThat(o.status()).as(o.toString()).isIn(200, 413));
        if (variant == Variant.PLAIN) {
            // the fixed seed's population holds both groups (the US Core export is its first few people)
            assertThat(checkedKnee)
                    .as("patients with knee osteoarthritis checked")
                    .isPositive();
            // Synthea's population is not reproducible to the patient (the same seed gave a post-stroke patient
            // in earlier runs and none on 2026-12-01): every one it holds is checked above; the rule itself is
            // unit-tested with fixed records (Icd10EditionsAndHistoryTest)
            if (checkedStroke == 0) {
                log.warn("SYNTHEA {}: this population holds no post-stroke patient to check", variant);
            }
        }
        if (variant.ordinal() == Variant.values().length - 1) {
            // one export (30 s to 5 min, as the population of the day is large) for the patients of both variants,
            // after the last variant's load
            assertTheGroupExportGivesBackWhatWasLoaded(LOADED_PATIENTS, LOADED_FOR_EXPORT);
        }
    }

    /**
     * The patients loaded, as a Group the EHR creates, exported with Bulk Data ({@code Group/{id}/$export}) by
     * the EHR: per type exactly as many resources as their accepted bundles held.
     */
    private void assertTheGroupExportGivesBackWhatWasLoaded(List<String> patients, Map<String, Integer> loaded)
            throws Exception {
        assertThat(patients).as("patients loaded").isNotEmpty();
        Group cohort = new Group();
        cohort.setType(Group.GroupType.PERSON).setActual(true).setName("Synthea population");
        patients.forEach(p -> cohort.addMember().setEntity(new Reference(p)));
        String group = ehr().create()
                .resource(cohort)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        long start = System.nanoTime();
        Map<String, Integer> exported = BulkExportClient.exportAndCount(
                Tokens::ehr, baseUrl() + "/" + group + "/$export?_type=" + String.join(",", loaded.keySet()));
        log.info(
                "SYNTHEA bulk export (Group of {} patients, EHR) in {} ms: exported {}, loaded {}",
                patients.size(),
                (System.nanoTime() - start) / 1_000_000,
                exported,
                loaded);
        assertThat(exported)
                .as("Group export per type, against the bundles loaded")
                .isEqualTo(loaded);
    }

    /**
     * Whether a Group export gives the type back to the EHR: in the Patient compartment (a Group export holds its
     * members' compartments; Synthea's Medications are named by reference, outside it) and readable by the EHR role.
     */
    private static boolean groupExportable(String type) {
        boolean compartment = "Patient".equals(type)
                || !CLIENT_CONTEXT
                        .getResourceDefinition(type)
                        .getSearchParamsForCompartmentName("Patient")
                        .isEmpty();
        return compartment && RoleRights.maximum(RehabRole.EHR_SYSTEM, type).contains(Permission.READ);
    }

    /** The stored id of every entry, per type, from the transaction/batch response (each entry 201 or 200). */
    private static Map<String, List<String>> storedIdsByType(Bundle sent, Bundle answer, String name) {
        Map<String, List<String>> ids = new TreeMap<>();
        for (int i = 0; i < answer.getEntry().size(); i++) {
            Bundle.BundleEntryResponseComponent r = answer.getEntry().get(i).getResponse();
            String type = sent.getEntry().get(i).getResource().fhirType();
            assertThat(r.getStatus())
                    .as("%s entry %d (%s): %s", name, i, type, r.getOutcome())
                    .matches("20[01].*");
            String[] location = r.getLocation().split("/");
            assertThat(location[0]).as("%s entry %d", name, i).isEqualTo(type);
            ids.computeIfAbsent(type, t -> new ArrayList<>()).add(location[1]);
        }
        return ids;
    }

    private static Map<String, Integer> countByType(Bundle bundle) {
        Map<String, Integer> counts = new TreeMap<>();
        bundle.getEntry().forEach(e -> counts.merge(e.getResource().fhirType(), 1, Integer::sum));
        return counts;
    }

    private static Map<String, Integer> counts(Map<String, List<String>> ids) {
        Map<String, Integer> counts = new TreeMap<>();
        ids.forEach((type, list) -> counts.put(type, list.size()));
        return counts;
    }

    /** Every stored resource is found again by search ({@code _id}, in pages of ids), as the EHR. */
    private void assertSearchable(Map<String, List<String>> stored, String name) {
        for (Map.Entry<String, List<String>> type : stored.entrySet()) {
            List<String> ids = type.getValue().stream().distinct().toList();
            int found = 0;
            for (int from = 0; from < ids.size(); from += 100) {
                String chunk = String.join(",", ids.subList(from, Math.min(ids.size(), from + 100)));
                Bundle count = ehr().search()
                        .byUrl(type.getKey() + "?_id=" + chunk + "&_summary=count")
                        .returnBundle(Bundle.class)
                        .execute();
                found += count.getTotal();
            }
            assertThat(found).as("%s: %s searchable", name, type.getKey()).isEqualTo(ids.size());
        }
    }

    record RegimenCheck(boolean knee, boolean stroke) {}

    /**
     * The regimens the patient's record calls for, computed from the bundle as sent, against what
     * {@code $recommend-regimens} answers the physiotherapist.
     */
    private RegimenCheck checkRegimens(Bundle sent, String patient, String name) {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        boolean knee = false;
        boolean postStroke = false;
        for (Bundle.BundleEntryComponent e : sent.getEntry()) {
            if (!(e.getResource() instanceof Condition c)) {
                continue;
            }
            String status = c.getClinicalStatus().getCodingFirstRep().getCode();
            if (c.getCode().hasCoding(SNOMED, KNEE_OA) && "active".equals(status)) {
                knee = true;
            }
            if (c.getCode().hasCoding(SNOMED, STROKE)
                    && c.hasOnsetDateTimeType()
                    && ("resolved".equals(status) || "inactive".equals(status))) {
                LocalDate onset = c.getOnsetDateTimeType()
                        .getValue()
                        .toInstant()
                        .atZone(ZoneOffset.UTC)
                        .toLocalDate();
                long days = ChronoUnit.DAYS.between(onset, today);
                postStroke |= days > CHRONIC_AFTER_DAYS && days <= POST_STROKE_DAYS - 1;
            }
        }
        if (!knee && !postStroke) {
            return new RegimenCheck(false, false);
        }
        Bundle recommended = physio().operation()
                .onInstance(patient)
                .named("$recommend-regimens")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .returnResourceType(Bundle.class)
                .execute();
        List<CarePlan> plans = recommended.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(CarePlan.class::isInstance)
                .map(CarePlan.class::cast)
                .toList();
        String all = plans.stream()
                        .map(p -> p.getInstantiatesCanonical().get(0).getValue())
                        .toList() + " "
                + abbreviate(CLIENT_CONTEXT.newJsonParser().encodeResourceToString(recommended));
        List<String> exclusions = exclusions(recommended);
        if (!exclusions.isEmpty()) {
            // Synthea's people differ from run to run (its reference time is the day of the run): one of them may be
            // excluded by the safety screen (an MMSE of 15 in one run). Then nothing is recommended, and every
            // exclusion must rest on the record as sent: the value it cites is one of the bundle's Observations.
            log.info("SYNTHEA {}: excluded by the safety screen, so no regimen: {}", name, exclusions);
            assertThat(plans)
                    .as("%s: excluded (%s) yet recommended: %s", name, exclusions, all)
                    .isEmpty();
            for (String exclusion : exclusions) {
                citedValue(exclusion).ifPresent(value -> assertThat(observationValues(sent))
                        .as("%s: the excluding value of '%s' is in the record as sent", name, exclusion)
                        .anySatisfy(v -> assertThat(v).isCloseTo(value, offset(0.001))));
            }
            return new RegimenCheck(knee, postStroke);
        }
        if (knee) {
            assertThat(plans).as("%s (knee osteoarthritis): %s", name, all).anySatisfy(p -> assertThat(canonical(p))
                    .contains("bw-knee-osteoarthritis"));
        }
        if (postStroke) {
            assertThat(plans).as("%s (post-stroke): %s", name, all).anySatisfy(p -> {
                assertThat(canonical(p)).contains("bw-stroke-chronic");
                assertThat(explanation(p)).contains(HISTORY_NOTE);
            });
        }
        return new RegimenCheck(knee, postStroke);
    }

    /** The safety screen's exclusions in a $recommend-regimens answer: its error issues, as "code: diagnostics". */
    private static List<String> exclusions(Bundle recommended) {
        return recommended.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(OperationOutcome.class::isInstance)
                .flatMap(o -> ((OperationOutcome) o).getIssue().stream())
                .filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR
                        || i.getSeverity() == OperationOutcome.IssueSeverity.FATAL)
                .map(i -> i.getDetails().getCodingFirstRep().getCode() + ": " + i.getDiagnostics())
                .toList();
    }

    /** A measured value compared with a threshold: "MMSE 15.277 < 20", "heart rate 130/min > 120". */
    private static final Pattern NUMBER = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*\\S*\\s*[<>]=?\\s*\\d");

    /** The value an exclusion's diagnostics compare with a threshold ("MMSE 15.277 < 20": 15.277), if any. */
    private static Optional<Double> citedValue(String exclusion) {
        String diagnostics = exclusion.substring(exclusion.indexOf(": ") + 2);
        Matcher m = NUMBER.matcher(diagnostics);
        return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
    }

    /** Every numeric Observation value of a bundle as sent (valueQuantity, valueInteger, components). */
    private static List<Double> observationValues(Bundle sent) {
        List<Double> values = new ArrayList<>();
        for (Bundle.BundleEntryComponent e : sent.getEntry()) {
            if (e.getResource() instanceof Observation o) {
                if (o.hasValueQuantity() && o.getValueQuantity().hasValue()) {
                    values.add(o.getValueQuantity().getValue().doubleValue());
                }
                if (o.hasValueIntegerType()) {
                    values.add(o.getValueIntegerType().getValue().doubleValue());
                }
                o.getComponent().stream()
                        .filter(c ->
                                c.hasValueQuantity() && c.getValueQuantity().hasValue())
                        .forEach(c -> values.add(c.getValueQuantity().getValue().doubleValue()));
            }
        }
        return values;
    }

    private static String canonical(CarePlan plan) {
        return plan.getInstantiatesCanonical().get(0).getValue();
    }

    private static String explanation(CarePlan plan) {
        StringBuilder text = new StringBuilder();
        for (Resource contained : plan.getContained()) {
            if (contained instanceof OperationOutcome oo) {
                oo.getIssue().forEach(i -> text.append(i.getDiagnostics()).append('\n'));
            }
        }
        return text.toString();
    }

    private static String firstIssue(String body) {
        try {
            OperationOutcome oo = CLIENT_CONTEXT.newJsonParser().parseResource(OperationOutcome.class, body);
            return oo.getIssue().size() + " issue(s), first: "
                    + abbreviate(oo.getIssueFirstRep().getDiagnostics());
        } catch (RuntimeException notAnOutcome) {
            return abbreviate(body);
        }
    }

    static String abbreviate(String body) {
        return body == null || body.length() < 3000 ? body : body.substring(0, 3000) + "...";
    }
}
