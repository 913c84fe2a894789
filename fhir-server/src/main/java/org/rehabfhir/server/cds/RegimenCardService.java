package org.rehabfhir.server.cds;

import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestJson;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.hapi.fhir.cdshooks.api.CdsResolutionStrategyEnum;
import ca.uhn.hapi.fhir.cdshooks.api.CdsService;
import ca.uhn.hapi.fhir.cdshooks.api.CdsServicePrefetch;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceIndicatorEnum;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseCardJson;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseCardSourceJson;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseJson;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseLinkJson;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.auth.smart.OperationRights;
import org.rehabfhir.protocols.recommend.Candidate;
import org.rehabfhir.protocols.recommend.RecommendationResult;
import org.rehabfhir.protocols.recommend.RegimenRecommender;
import org.rehabfhir.protocols.screening.Criterion;
import org.rehabfhir.protocols.screening.ScreeningResult;
import org.rehabfhir.protocols.screening.ScreeningStatus;
import org.rehabfhir.server.engine.PatientScreening;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * The CDS Hooks 2.0 {@code patient-view} service {@value #ID}: when the EHR opens a patient's chart, the engine's
 * recommendation (the same as {@code Patient/{id}/$recommend-regimens}) as a card: the first-choice regimen with its
 * evidence label, the safety screen's status and what it still misses, and a SMART app link to the patient's page
 * in the clinician app. Data: the prefetch the EHR sends ({@code patient}, {@code conditions}, {@code observations});
 * what it does not send HAPI's prefetch service reads from this server's store ({@code source = DAO}), each resource
 * checked against the caller's rights ({@link CallerReadCheck}). No matching regimen: no card.
 */
public class RegimenCardService {

    public static final String ID = "rehab-backward-walking-regimen";
    /** The engine reads the same as {@code $recommend-regimens}: the caller's rights must cover that. */
    static final String SAME_READS_AS = "$recommend-regimens";

    private final RegimenRecommender recommender;
    private final PatientScreening screening;
    private final CdsProperties properties;

    public RegimenCardService(RegimenRecommender recommender, PatientScreening screening, CdsProperties properties) {
        this.recommender = recommender;
        this.screening = screening;
        this.properties = properties;
    }

    @CdsService(
            value = ID,
            hook = "patient-view",
            title = "Supervised backward-walking regimen",
            description = "Suggests the evidence-labelled backward-walking regimen that fits the patient's conditions,"
                    + " with the safety screen's status and what it still needs",
            prefetch = {
                @CdsServicePrefetch(
                        value = "patient",
                        query = "Patient/{{context.patientId}}",
                        source = CdsResolutionStrategyEnum.DAO),
                @CdsServicePrefetch(
                        value = "conditions",
                        query = "Condition?patient={{context.patientId}}",
                        source = CdsResolutionStrategyEnum.DAO),
                @CdsServicePrefetch(
                        value = "observations",
                        query = "Observation?patient={{context.patientId}}&_sort=-date&_count=200",
                        source = CdsResolutionStrategyEnum.DAO)
            })
    public CdsServiceResponseJson patientView(CdsServiceRequestJson request) {
        requireReads();
        IBaseResource patientResource = request.getPrefetch("patient");
        if (!(patientResource instanceof Patient patient)) {
            throw new InvalidRequestException("prefetch 'patient' must be the Patient of context.patientId");
        }
        RequestContextHolder.currentRequestAttributes()
                .setAttribute(
                        CdsAuditFilter.PATIENT_ATTRIBUTE,
                        "Patient/" + patient.getIdElement().getIdPart(),
                        RequestAttributes.SCOPE_REQUEST);
        List<Condition> conditions = entries(request.getPrefetch("conditions"), Condition.class);
        List<Observation> observations = entries(request.getPrefetch("observations"), Observation.class);
        RecommendationResult result = recommender.recommend(patient, conditions, observations, screening.today());
        CdsServiceResponseJson response = new CdsServiceResponseJson();
        String patientId = patient.getIdElement().getIdPart();
        switch (result.outcome()) {
            case CANDIDATES -> response.addCard(candidateCard(result.candidates(), patientId));
            case EXCLUDED -> response.addCard(excludedCard(result, patientId));
            case NO_REGIMEN -> {} // no card: nothing to suggest
        }
        return response;
    }

    private CdsServiceResponseCardJson candidateCard(List<Candidate> candidates, String patientId) {
        Candidate first = candidates.get(0);
        ScreeningResult screen = first.screening();
        ScreeningStatus status = screen.status();
        String regimen = first.planDefinition().getTitle();
        CdsServiceResponseCardJson card = card(patientId)
                .setSummary(truncate(
                        "Backward walking: " + regimen + " " + first.evidenceLabel() + " - screen " + status.display()))
                .setIndicator(
                        status == ScreeningStatus.CLEAR
                                ? CdsServiceIndicatorEnum.INFO
                                : CdsServiceIndicatorEnum.WARNING);
        StringBuilder detail = new StringBuilder();
        detail.append("**Recommended regimen:** ")
                .append(regimen)
                .append(" (`")
                .append(first.planDefinition().getUrl())
                .append("`)\n\n");
        detail.append("**Evidence:** ").append(first.evidenceLabel()).append("\n\n");
        detail.append("**Safety screen:** ")
                .append(status.display())
                .append(" (")
                .append(status.code())
                .append(")\n\n");
        List<Criterion> missing = screen.notAssessed();
        if (!missing.isEmpty()) {
            detail.append("**Missing for the screen:** ")
                    .append(missing.stream().map(Criterion::display).collect(Collectors.joining("; ")))
                    .append("\n\n");
        }
        first.explanation().forEach(line -> detail.append("- ").append(line).append('\n'));
        if (candidates.size() > 1) {
            detail.append("\nAlso possible: ")
                    .append(candidates.subList(1, candidates.size()).stream()
                            .map(c -> c.planDefinition().getTitle() + " " + c.evidenceLabel())
                            .collect(Collectors.joining("; ")));
        }
        return card.setDetail(detail.toString());
    }

    private CdsServiceResponseCardJson excludedCard(RecommendationResult result, String patientId) {
        String reasons = result.exclusion().map(RegimenCardService::issues).orElse("");
        return card(patientId)
                .setSummary("Backward walking: excluded by the safety screen")
                .setIndicator(CdsServiceIndicatorEnum.WARNING)
                .setDetail("**Safety screen:** " + ScreeningStatus.EXCLUDED.display() + " ("
                        + ScreeningStatus.EXCLUDED.code() + ")\n\n" + reasons);
    }

    private CdsServiceResponseCardJson card(String patientId) {
        CdsServiceResponseCardJson card = new CdsServiceResponseCardJson();
        card.setSource(new CdsServiceResponseCardSourceJson().setLabel("Rehab-FHIR backward-walking catalogue"));
        if (!properties.clinicianAppUrl().isEmpty()) {
            List<CdsServiceResponseLinkJson> links = new ArrayList<>();
            links.add(new CdsServiceResponseLinkJson()
                    .setLabel("Open in the Rehab-FHIR clinician app")
                    .setType("smart")
                    .setUrl(properties.clinicianAppUrl() + "/patients/" + patientId)
                    .setAppContext("patient=" + patientId));
            card.setLinks(links);
        }
        return card;
    }

    private static String issues(OperationOutcome outcome) {
        return outcome.getIssue().stream().map(i -> "- " + i.getDiagnostics()).collect(Collectors.joining("\n"));
    }

    /** CDS Hooks: the summary is at most 140 characters. */
    static String truncate(String summary) {
        return summary.length() <= 140 ? summary : summary.substring(0, 139) + "…";
    }

    private static void requireReads() {
        CallerContext caller = RehabSecurityContext.current()
                .orElseThrow(
                        () -> new ForbiddenOperationException("CDS Hooks services need an authenticated EHR system"));
        if (!OperationRights.coveredBy(SAME_READS_AS, caller.rights().rights())) {
            throw new ForbiddenOperationException(
                    "This CDS service reads the patient's Patient, Condition and Observation"
                            + " resources: the token needs read rights on all three");
        }
    }

    private static <T> List<T> entries(IBaseResource prefetch, Class<T> type) {
        if (prefetch == null) {
            return List.of();
        }
        if (!(prefetch instanceof Bundle bundle)) {
            throw new InvalidRequestException("prefetch must be a Bundle of " + type.getSimpleName());
        }
        return bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }
}
