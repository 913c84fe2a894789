package org.rehabfhir.app.screen;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Questionnaire;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.rehabfhir.app.fhir.Bundles;
import org.rehabfhir.app.fhir.Fhir;
import org.rehabfhir.app.fhir.FhirApi;
import org.rehabfhir.app.fhir.Issues;
import org.rehabfhir.app.web.Ids;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * Physiotherapist screen 3: the safety screen. The Questionnaire {@code retro-walking-safety-screen} as a form; the
 * completed response is posted as a QuestionnaireResponse (the server turns it into the Observations the screener
 * reads), then {@code Patient/{id}/$screen} shows the result per criterion with its evidence.
 */
@Controller
public class ScreenController {

    private final FhirApi api;

    public ScreenController(FhirApi api) {
        this.api = api;
    }

    /**
     * The safety-screen Questionnaire by its canonical URL (the server stores each catalogue version under an id of its
     * own, {@code <id>-<version>}): the one the running server loaded last, i.e. its current catalogue's.
     */
    static Questionnaire screenQuestionnaire(IGenericClient fhir) {
        Bundle found = fhir.search()
                .forResource(Questionnaire.class)
                .where(Questionnaire.URL.matches().value(Fhir.SCREEN_QUESTIONNAIRE))
                .sort()
                .descending("_lastUpdated")
                .count(1)
                .returnBundle(Bundle.class)
                .execute();
        return Bundles.resources(found, Questionnaire.class).stream()
                .findFirst()
                .orElseThrow(() -> new ResourceNotFoundException("No Questionnaire " + Fhir.SCREEN_QUESTIONNAIRE));
    }

    @GetMapping("/patients/{id}/screen")
    public String form(@PathVariable String id, Model model) {
        IGenericClient fhir = api.client();
        Patient patient =
                fhir.read().resource(Patient.class).withId(Ids.require(id)).execute();
        Questionnaire questionnaire = screenQuestionnaire(fhir);
        return render(model, patient, questionnaire, Map.of(), Issues.none());
    }

    @PostMapping("/patients/{id}/screen")
    public String submit(@PathVariable String id, @RequestParam MultiValueMap<String, String> form, Model model) {
        IGenericClient fhir = api.client();
        Patient patient =
                fhir.read().resource(Patient.class).withId(Ids.require(id)).execute();
        Questionnaire questionnaire = screenQuestionnaire(fhir);
        Map<String, String> values = new HashMap<>();
        form.forEach((k, v) -> {
            if ((k.startsWith("q.") || k.startsWith("u.")) && !v.isEmpty()) {
                values.put(k, v.get(v.size() - 1));
            }
        });
        Map<String, String> problems = new LinkedHashMap<>();
        var items = QuestionnaireForm.answers(questionnaire, values, problems);
        if (!problems.isEmpty()) {
            Map<String, List<String>> byField = new LinkedHashMap<>();
            problems.forEach((k, v) -> byField.put(k, List.of(v)));
            model.addAttribute("status", 422);
            return render(model, patient, questionnaire, values, new Issues(byField, List.of()));
        }
        String canonical = questionnaire.hasUrl() ? questionnaire.getUrl() : Fhir.SCREEN_QUESTIONNAIRE;
        QuestionnaireResponse response = QuestionnaireForm.response(canonical, "Patient/" + patient.getIdPart(), items);
        try {
            fhir.create().resource(response).execute();
        } catch (UnprocessableEntityException | InvalidRequestException refused) {
            return render(
                    model,
                    patient,
                    questionnaire,
                    values,
                    Issues.from(refused, QuestionnaireForm.linkIds(questionnaire)));
        }
        return "redirect:/patients/" + patient.getIdPart() + "/screen/result";
    }

    @GetMapping("/patients/{id}/screen/result")
    public String result(@PathVariable String id, Model model) {
        IGenericClient fhir = api.client();
        Patient patient =
                fhir.read().resource(Patient.class).withId(Ids.require(id)).execute();
        Parameters screen = fhir.operation()
                .onInstance("Patient/" + patient.getIdPart())
                .named("$screen")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute();
        model.addAttribute("patientId", patient.getIdPart());
        model.addAttribute("patientName", Fhir.name(patient));
        model.addAttribute("result", ScreenResult.from(screen));
        return "screen-result";
    }

    private String render(
            Model model, Patient patient, Questionnaire questionnaire, Map<String, String> values, Issues issues) {
        model.addAttribute("patientId", patient.getIdPart());
        model.addAttribute("patientName", Fhir.name(patient));
        model.addAttribute("title", questionnaire.hasTitle() ? questionnaire.getTitle() : "Safety screen");
        model.addAttribute("items", QuestionnaireForm.items(questionnaire, values, issues));
        model.addAttribute("issues", issues);
        return "screen";
    }
}
