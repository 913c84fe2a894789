package org.rehabfhir.app.caseload;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.gclient.ReferenceClientParam;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.rehabfhir.app.fhir.Bundles;
import org.rehabfhir.app.fhir.Fhir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Builds the physiotherapist's caseload from the FHIR API: the patients of her active CareTeams
 * ({@code CareTeam?participant=Practitioner/{me}&status=active&_include=CareTeam:patient}) and of her open
 * referrals ({@code ServiceRequest?status=active}, narrowed by the server; kept when addressed to her, or to a
 * department for physiotherapy), each with the newest plan's status,
 * the last session and what needs attention.
 */
@Service
public class CaseloadService {

    private static final Logger log = LoggerFactory.getLogger(CaseloadService.class);
    private static final int MAX_PAGES = 10;

    public Caseload load(IGenericClient fhir, String practitioner) {
        List<String> notes = new ArrayList<>();
        Map<String, Patient> patients = new LinkedHashMap<>();
        Map<String, String> source = new LinkedHashMap<>();
        Map<String, String> referrals = new LinkedHashMap<>();
        if (practitioner == null) {
            notes.add("Your account names no Practitioner (fhirUser claim): the caseload cannot be looked up.");
            return new Caseload(List.of(), notes);
        }
        try {
            Bundle teams = fhir.search()
                    .forResource(CareTeam.class)
                    .where(new ReferenceClientParam("participant").hasId(practitioner))
                    .and(new TokenClientParam("status").exactly().code("active"))
                    .include(CareTeam.INCLUDE_PATIENT)
                    .count(100)
                    .returnBundle(Bundle.class)
                    .execute();
            Map<String, Patient> included = new LinkedHashMap<>();
            Bundles.allPages(fhir, teams, Patient.class, MAX_PAGES).forEach(p -> included.put(p.getIdPart(), p));
            for (CareTeam team : Bundles.allPages(fhir, teams, CareTeam.class, MAX_PAGES)) {
                String id = team.getSubject().getReferenceElement().getIdPart();
                if (id != null && included.containsKey(id)) {
                    patients.putIfAbsent(id, included.get(id));
                    source.putIfAbsent(id, "Care team");
                }
            }
        } catch (ForbiddenOperationException noCareTeamSearch) {
            // Older servers do not let physiotherapists search CareTeams: list the patients the server lets her see
            // (with care-team narrowing on, exactly the patients of her care teams).
            log.info("CareTeam search refused ({}); caseload from the Patient search", noCareTeamSearch.getMessage());
            notes.add("The server does not let you search care teams; the list shows the patients it lets you see.");
            Bundle found = fhir.search()
                    .forResource(Patient.class)
                    .count(100)
                    .returnBundle(Bundle.class)
                    .execute();
            for (Patient p : Bundles.allPages(fhir, found, Patient.class, MAX_PAGES)) {
                patients.putIfAbsent(p.getIdPart(), p);
                source.putIfAbsent(p.getIdPart(), "Care team");
            }
        }
        try {
            // the server narrows the search to the referrals she may see: those to her and to her department
            Bundle open = fhir.search()
                    .forResource(ServiceRequest.class)
                    .where(new TokenClientParam("status").exactly().code("active"))
                    .count(100)
                    .returnBundle(Bundle.class)
                    .execute();
            for (ServiceRequest referral : Bundles.allPages(fhir, open, ServiceRequest.class, MAX_PAGES)) {
                String id = referral.getSubject().getReferenceElement().getIdPart();
                if (id == null || !isOpenReferralFor(referral, practitioner)) {
                    continue;
                }
                referrals.putIfAbsent(id, referral.getIdElement().getIdPart());
                if (!patients.containsKey(id)) {
                    patients.put(
                            id, fhir.read().resource(Patient.class).withId(id).execute());
                    source.put(id, "Referral");
                }
            }
        } catch (ForbiddenOperationException noReferralSearch) {
            log.info("ServiceRequest search refused: {}", noReferralSearch.getMessage());
            notes.add("The server does not let you search referrals; open referrals are not listed.");
        }

        List<CaseloadRow> rows = new ArrayList<>();
        for (Patient patient : patients.values()) {
            rows.add(row(fhir, patient, source.get(patient.getIdPart()), referrals.get(patient.getIdPart())));
        }
        rows.sort(Comparator.comparing(CaseloadRow::name, String.CASE_INSENSITIVE_ORDER));
        return new Caseload(rows, notes);
    }

    CaseloadRow row(IGenericClient fhir, Patient patient, String source, String referralId) {
        String id = patient.getIdPart();
        List<CaseloadRow.Flag> flags = new ArrayList<>();
        String planStatus;
        Optional<CarePlan> plan = Optional.empty();
        try {
            Bundle plans = fhir.search()
                    .forResource(CarePlan.class)
                    .where(new ReferenceClientParam("patient").hasId("Patient/" + id))
                    .sort()
                    .descending("_lastUpdated")
                    .count(20)
                    .returnBundle(Bundle.class)
                    .execute();
            List<CarePlan> list = Bundles.resources(plans, CarePlan.class);
            plan = newestRelevant(list);
            planStatus = plan.map(p -> p.getStatus().toCode()).orElse("none");
        } catch (ForbiddenOperationException e) {
            planStatus = "unknown";
        }
        String lastSession = "";
        try {
            Bundle sessions = fhir.search()
                    .forResource(Observation.class)
                    .where(new ReferenceClientParam("patient").hasId("Patient/" + id))
                    .and(new TokenClientParam("code").exactly().systemAndCode(Fhir.LOINC, Fhir.LOINC_DURATION))
                    .sort()
                    .descending("date")
                    .count(1)
                    .returnBundle(Bundle.class)
                    .execute();
            lastSession = Bundles.resources(sessions, Observation.class).stream()
                    .findFirst()
                    .map(o -> Fhir.day(o.getEffectiveDateTimeType().getValue()))
                    .orElse("");
        } catch (ForbiddenOperationException e) {
            lastSession = "";
        }
        screenStatus(fhir, id).ifPresent(status -> {
            if (!"clear".equals(status)) {
                flags.add(new CaseloadRow.Flag(
                        "excluded".equals(status) ? "Screen: excluded" : "Screen incomplete", "warn"));
            }
        });
        if (plan.isPresent() && plan.get().getStatus() == CarePlan.CarePlanStatus.ONHOLD) {
            flags.add(new CaseloadRow.Flag("On hold after a fall", "alert"));
        }
        if (plan.isPresent() && plan.get().getStatus() == CarePlan.CarePlanStatus.ACTIVE) {
            progressDecision(fhir, plan.get().getIdElement().getIdPart()).ifPresent(decision -> {
                switch (decision) {
                    case "progress" -> flags.add(new CaseloadRow.Flag("Progress due", "info"));
                    case "regress" -> flags.add(new CaseloadRow.Flag("Regression due", "alert"));
                    case "suspend" -> flags.add(new CaseloadRow.Flag("Review after a fall", "alert"));
                    default -> {}
                }
            });
        }
        if (referralId != null && "Referral".equals(source)) {
            flags.add(new CaseloadRow.Flag("New referral", "info"));
        }
        return new CaseloadRow(
                id, Fhir.name(patient), details(patient), source, referralId, planStatus, lastSession, flags);
    }

    /** The plan that matters now: an active or on-hold one, else the newest. */
    static Optional<CarePlan> newestRelevant(List<CarePlan> newestFirst) {
        return newestFirst.stream()
                .filter(p -> p.getStatus() == CarePlan.CarePlanStatus.ACTIVE
                        || p.getStatus() == CarePlan.CarePlanStatus.ONHOLD)
                .findFirst()
                .or(() -> newestFirst.stream()
                        .filter(p -> p.getStatus() != CarePlan.CarePlanStatus.ENTEREDINERROR)
                        .findFirst());
    }

    /** The id of {@link #newestRelevant}, or {@code null}. */
    public static String newestRelevantId(List<CarePlan> newestFirst) {
        return newestRelevant(newestFirst)
                .map(p -> p.getIdElement().getIdPart())
                .orElse(null);
    }

    public static String detailsOf(Patient patient) {
        return details(patient);
    }

    static String details(Patient patient) {
        List<String> parts = new ArrayList<>();
        if (patient.hasBirthDate()) {
            parts.add("born " + Fhir.day(patient.getBirthDate()));
        }
        if (patient.hasGender()) {
            parts.add(patient.getGender().getDisplay().toLowerCase());
        }
        return String.join(", ", parts);
    }

    /** The overall status of {@code Patient/{id}/$screen}, empty when the server cannot tell. */
    Optional<String> screenStatus(IGenericClient fhir, String patientId) {
        return codedOutput(fhir, "Patient/" + patientId, "$screen", "status");
    }

    /** The decision of {@code CarePlan/{id}/$evaluate-progress}, empty when the server cannot tell. */
    Optional<String> progressDecision(IGenericClient fhir, String carePlanId) {
        return codedOutput(fhir, "CarePlan/" + carePlanId, "$evaluate-progress", "decision");
    }

    /**
     * The code (or the primitive value) of output parameter {@code name} of a GET operation on {@code instance};
     * empty when the server cannot tell (the operation refused or failed). An expired sign-in is passed on.
     */
    private static Optional<String> codedOutput(IGenericClient fhir, String instance, String operation, String name) {
        try {
            Parameters result = fhir.operation()
                    .onInstance(instance)
                    .named(operation)
                    .withNoParameters(Parameters.class)
                    .useHttpGet()
                    .execute();
            return Optional.ofNullable(result.getParameter(name))
                    .map(p -> p.getValue() instanceof Coding c
                            ? c.getCode()
                            : p.getValue().primitiveValue());
        } catch (AuthenticationException e) {
            throw e;
        } catch (BaseServerResponseException notAvailable) {
            return Optional.empty();
        }
    }

    /** SNOMED CT 91251008 |Physical therapy procedure|: what a physiotherapy referral asks for (clinical brief). */
    static final String PHYSICAL_THERAPY = "91251008";

    /**
     * Whether an active referral is one she may take on: addressed to her, or to a department (an Organization) for
     * physiotherapy. (Which departments are hers is the server's knowledge: it lets her see only their referrals.)
     */
    static boolean isOpenReferralFor(ServiceRequest referral, String practitioner) {
        boolean toHer = referral.getPerformer().stream()
                .anyMatch(p -> practitioner.equals(
                        p.getReferenceElement().toUnqualifiedVersionless().getValue()));
        boolean toADepartment = referral.getPerformer().stream()
                .anyMatch(p -> "Organization".equals(p.getReferenceElement().getResourceType()));
        boolean physiotherapy = java.util.stream.Stream.concat(
                        referral.getCategory().stream(), java.util.stream.Stream.of(referral.getCode()))
                .flatMap(c -> c.getCoding().stream())
                .anyMatch(c -> "http://snomed.info/sct".equals(c.getSystem()) && PHYSICAL_THERAPY.equals(c.getCode()));
        return toHer || (toADepartment && physiotherapy);
    }
}
