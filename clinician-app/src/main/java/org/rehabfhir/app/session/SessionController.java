package org.rehabfhir.app.session;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.rehabfhir.app.fhir.Fhir;
import org.rehabfhir.app.fhir.FhirApi;
import org.rehabfhir.app.fhir.Issues;
import org.rehabfhir.app.plan.PlanView;
import org.rehabfhir.app.web.Ids;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** Physiotherapist screen 5: log one session ({@code CarePlan/{id}/$record-session}), prefilled with the current phase's dose. */
@Controller
public class SessionController {

    private final FhirApi api;

    public SessionController(FhirApi api) {
        this.api = api;
    }

    @GetMapping("/careplans/{id}/session")
    public String form(@PathVariable String id, Model model) {
        IGenericClient fhir = api.client();
        CarePlan plan =
                fhir.read().resource(CarePlan.class).withId(Ids.require(id)).execute();
        PlanView view = PlanView.of(0, plan, List.of());
        PlanView.Phase phase = view.phases().isEmpty() ? null : view.phases().get(currentPhase(plan));
        Map<String, String> values = SessionForm.defaults(
                phase == null ? null : Fhir.plain(phase.minutes()),
                phase == null ? null : phase.supervision(),
                phase == null ? null : Fhir.plain(phase.speed()),
                phase == null ? null : Fhir.plain(phase.incline()));
        return render(fhir, plan, model, values, Issues.none());
    }

    @PostMapping("/careplans/{id}/session")
    public String record(@PathVariable String id, @RequestParam Map<String, String> form, Model model) {
        IGenericClient fhir = api.client();
        CarePlan plan =
                fhir.read().resource(CarePlan.class).withId(Ids.require(id)).execute();
        Map<String, String> errors = new LinkedHashMap<>();
        Parameters session = SessionForm.parameters(form, errors);
        if (!errors.isEmpty()) {
            Map<String, List<String>> byField = new LinkedHashMap<>();
            errors.forEach((k, v) -> byField.put(k, List.of(v)));
            return render(fhir, plan, model, form, new Issues(byField, List.of()));
        }
        try {
            fhir.operation()
                    .onInstance("CarePlan/" + plan.getIdElement().getIdPart())
                    .named("$record-session")
                    .withParameters(session)
                    .returnResourceType(Bundle.class)
                    .execute();
        } catch (UnprocessableEntityException | InvalidRequestException refused) {
            return render(fhir, plan, model, form, Issues.from(refused, SessionForm.FIELDS));
        }
        return "redirect:/careplans/" + plan.getIdElement().getIdPart() + "/progress?recorded=true";
    }

    /** The phase whose dates contain today, else the first. */
    static int currentPhase(CarePlan plan) {
        java.util.Date now = new java.util.Date();
        for (int i = 0; i < plan.getActivity().size(); i++) {
            var repeat =
                    plan.getActivity().get(i).getDetail().getScheduledTiming().getRepeat();
            if (repeat.hasBoundsPeriod()
                    && repeat.getBoundsPeriod().hasStart()
                    && !repeat.getBoundsPeriod().getStart().after(now)
                    && (!repeat.getBoundsPeriod().hasEnd()
                            || !repeat.getBoundsPeriod().getEnd().before(now))) {
                return i;
            }
        }
        return 0;
    }

    private String render(IGenericClient fhir, CarePlan plan, Model model, Map<String, String> values, Issues issues) {
        String patientId = plan.getSubject().getReferenceElement().getIdPart();
        Patient patient = fhir.read().resource(Patient.class).withId(patientId).execute();
        model.addAttribute("planId", plan.getIdElement().getIdPart());
        model.addAttribute("planTitle", plan.hasTitle() ? plan.getTitle() : "Care plan");
        model.addAttribute("patientId", patientId);
        model.addAttribute("patientName", Fhir.name(patient));
        model.addAttribute("v", values);
        model.addAttribute("issues", issues);
        return "session";
    }
}
