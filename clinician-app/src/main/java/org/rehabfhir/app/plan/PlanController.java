package org.rehabfhir.app.plan;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.StringType;
import org.rehabfhir.app.fhir.Bundles;
import org.rehabfhir.app.fhir.Fhir;
import org.rehabfhir.app.fhir.FhirApi;
import org.rehabfhir.app.fhir.Issues;
import org.rehabfhir.app.security.CurrentUser;
import org.rehabfhir.app.web.Ids;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * Physiotherapist screen 4: recommend and plan. {@code $recommend-regimens} ranks the regimens (evidence label,
 * matched condition, explanation, screening); the chosen one is instantiated with {@code PlanDefinition/$apply},
 * edited within its limits, saved as a draft ({@code POST CarePlan}) and activated ({@code CarePlan/$activate},
 * with the override reason when the screen asks for one).
 */
@Controller
public class PlanController {

    private final FhirApi api;

    public PlanController(FhirApi api) {
        this.api = api;
    }

    @GetMapping("/patients/{id}/plan")
    public String recommend(@PathVariable String id, Model model) {
        IGenericClient fhir = api.client();
        Patient patient =
                fhir.read().resource(Patient.class).withId(Ids.require(id)).execute();
        return renderRecommendations(fhir, patient, model, Map.of(), null, Map.of());
    }

    @PostMapping("/patients/{id}/plan")
    public String save(
            @PathVariable String id,
            @RequestParam String regimen,
            @RequestParam Map<String, String> form,
            Authentication authentication,
            Model model) {
        IGenericClient fhir = api.client();
        Patient patient =
                fhir.read().resource(Patient.class).withId(Ids.require(id)).execute();
        // a canonical may name its version (url|version)
        int bar = regimen.indexOf('|');
        String query = bar < 0
                ? "PlanDefinition?url=" + regimen
                : "PlanDefinition?url=" + regimen.substring(0, bar) + "&version=" + regimen.substring(bar + 1);
        Bundle found = fhir.search().byUrl(query).returnBundle(Bundle.class).execute();
        List<PlanDefinition> definitions = Bundles.resources(found, PlanDefinition.class);
        if (definitions.isEmpty()) {
            return renderRecommendations(
                    fhir,
                    patient,
                    model,
                    Map.of(),
                    regimen,
                    Map.of("regimen", "This regimen is not in the catalogue."));
        }
        Parameters in = new Parameters();
        in.addParameter().setName("subject").setValue(new StringType("Patient/" + patient.getIdPart()));
        String practitioner = CurrentUser.of(authentication).fhirUser();
        if (practitioner != null) {
            in.addParameter().setName("practitioner").setValue(new StringType(practitioner));
        }
        String start = form.getOrDefault("start", "");
        try {
            in.addParameter()
                    .setName("start")
                    .setValue(new DateType(
                            start.isBlank()
                                    ? java.time.LocalDate.now().toString()
                                    : java.time.LocalDate.parse(start.trim()).toString()));
        } catch (java.time.format.DateTimeParseException e) {
            return renderRecommendations(fhir, patient, model, form, regimen, Map.of("start", "Enter the start date."));
        }
        CarePlan draft;
        try {
            draft = fhir.operation()
                    .onInstance(definitions.get(0).getIdElement().toUnqualifiedVersionless())
                    .named("$apply")
                    .withParameters(in)
                    .returnResourceType(CarePlan.class)
                    .execute();
        } catch (UnprocessableEntityException | InvalidRequestException refused) {
            return renderRecommendations(
                    fhir,
                    patient,
                    model,
                    form,
                    regimen,
                    Map.of(
                            "regimen",
                            String.join(" ", Issues.from(refused, List.of()).general())));
        }
        Map<String, String> errors = PlanEdits.apply(draft, form);
        if (!errors.isEmpty()) {
            return renderRecommendations(fhir, patient, model, form, regimen, errors);
        }
        draft.setStatus(CarePlan.CarePlanStatus.DRAFT);
        draft.setId((String) null);
        try {
            String planId = fhir.create().resource(draft).execute().getId().getIdPart();
            return "redirect:/careplans/" + planId + "/activate";
        } catch (UnprocessableEntityException | InvalidRequestException refused) {
            return renderRecommendations(
                    fhir,
                    patient,
                    model,
                    form,
                    regimen,
                    Map.of(
                            "regimen",
                            String.join(" ", Issues.from(refused, List.of()).general())));
        }
    }

    private String renderRecommendations(
            IGenericClient fhir,
            Patient patient,
            Model model,
            Map<String, String> form,
            String chosen,
            Map<String, String> errors) {
        Bundle result = fhir.operation()
                .onInstance("Patient/" + patient.getIdPart())
                .named("$recommend-regimens")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .returnResourceType(Bundle.class)
                .execute();
        List<PlanView> candidates = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        int rank = 0;
        for (Bundle.BundleEntryComponent e : result.getEntry()) {
            if (e.getResource() instanceof CarePlan plan) {
                candidates.add(PlanView.of(++rank, plan, List.of()));
            } else if (e.getResource() instanceof OperationOutcome oo) {
                oo.getIssue().forEach(i -> messages.add(i.getDiagnostics()));
            }
        }
        model.addAttribute("patientId", patient.getIdPart());
        model.addAttribute("patientName", Fhir.name(patient));
        model.addAttribute("candidates", candidates);
        model.addAttribute("messages", messages);
        model.addAttribute("form", form);
        model.addAttribute("chosen", chosen);
        model.addAttribute("errors", errors);
        model.addAttribute("today", java.time.LocalDate.now().toString());
        return "plan";
    }

    @GetMapping("/careplans/{id}/activate")
    public String review(@PathVariable String id, Model model) {
        return renderActivation(api.client(), Ids.require(id), model, Issues.none(), "");
    }

    @PostMapping("/careplans/{id}/activate")
    public String activate(
            @PathVariable String id, @RequestParam(defaultValue = "") String overrideReason, Model model) {
        IGenericClient fhir = api.client();
        Parameters in = new Parameters();
        if (!overrideReason.isBlank()) {
            in.addParameter().setName("overrideReason").setValue(new StringType(overrideReason.trim()));
        }
        try {
            CarePlan active = fhir.operation()
                    .onInstance("CarePlan/" + Ids.require(id))
                    .named("$activate")
                    .withParameters(in)
                    .returnResourceType(CarePlan.class)
                    .execute();
            return "redirect:/patients/"
                    + active.getSubject().getReferenceElement().getIdPart() + "?activated=" + id;
        } catch (UnprocessableEntityException | InvalidRequestException refused) {
            return renderActivation(fhir, id, model, Issues.from(refused, List.of("overrideReason")), overrideReason);
        }
    }

    private String renderActivation(IGenericClient fhir, String id, Model model, Issues issues, String reason) {
        CarePlan plan = fhir.read().resource(CarePlan.class).withId(id).execute();
        String patientId = plan.getSubject().getReferenceElement().getIdPart();
        Patient patient = fhir.read().resource(Patient.class).withId(patientId).execute();
        List<Goal> goals = new ArrayList<>();
        model.addAttribute("plan", PlanView.of(0, plan, goals));
        model.addAttribute("patientId", patientId);
        model.addAttribute("patientName", Fhir.name(patient));
        model.addAttribute("issues", issues);
        model.addAttribute("overrideReason", reason);
        return "activate";
    }

    static Map<String, String> copy(Map<String, String> form) {
        return new LinkedHashMap<>(form == null ? new HashMap<>() : form);
    }
}
