package org.rehabfhir.app.progress;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.rehabfhir.app.fhir.FhirApi;
import org.rehabfhir.app.fhir.Issues;
import org.rehabfhir.app.web.Ids;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * Physiotherapist screen 6: progress. Charts of TUG, 10-metre walk speed, pain and RPE with the goal's target and
 * the sessions; the decision of {@code $evaluate-progress}; one click applies it ({@code $apply-progress}) or forces
 * a regression; a plan on hold after a fall is reactivated by the review ({@code $activate} with a reason).
 */
@Controller
public class ProgressController {

    private final FhirApi api;
    private final ProgressService progress;

    public ProgressController(FhirApi api, ProgressService progress) {
        this.api = api;
        this.progress = progress;
    }

    @GetMapping("/careplans/{id}/progress")
    public String show(@PathVariable String id, Model model) {
        model.addAttribute("progress", progress.load(api.client(), Ids.require(id)));
        model.addAttribute("issues", Issues.none());
        return "progress";
    }

    @PostMapping("/careplans/{id}/progress/apply")
    public String apply(@PathVariable String id, @RequestParam(required = false) String decision, Model model) {
        IGenericClient fhir = api.client();
        Parameters in = new Parameters();
        if ("regress".equals(decision)) {
            in.addParameter().setName("decision").setValue(new CodeType("regress"));
        }
        try {
            fhir.operation()
                    .onInstance("CarePlan/" + Ids.require(id))
                    .named("$apply-progress")
                    .withParameters(in)
                    .returnResourceType(CarePlan.class)
                    .execute();
        } catch (UnprocessableEntityException | InvalidRequestException refused) {
            model.addAttribute("progress", progress.load(fhir, id));
            model.addAttribute("issues", Issues.from(refused, List.of("decision")));
            return "progress";
        }
        return "redirect:/careplans/" + id + "/progress?applied=true";
    }

    @PostMapping("/careplans/{id}/review")
    public String review(@PathVariable String id, @RequestParam(defaultValue = "") String reason, Model model) {
        IGenericClient fhir = api.client();
        Parameters in = new Parameters();
        if (!reason.isBlank()) {
            in.addParameter().setName("reason").setValue(new StringType(reason.trim()));
        }
        try {
            fhir.operation()
                    .onInstance("CarePlan/" + Ids.require(id))
                    .named("$activate")
                    .withParameters(in)
                    .returnResourceType(CarePlan.class)
                    .execute();
        } catch (UnprocessableEntityException | InvalidRequestException refused) {
            model.addAttribute("progress", progress.load(fhir, id));
            model.addAttribute("issues", Issues.from(refused, List.of("reason")));
            return "progress";
        }
        return "redirect:/careplans/" + id + "/progress?reviewed=true";
    }
}
