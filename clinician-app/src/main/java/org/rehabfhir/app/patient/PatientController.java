package org.rehabfhir.app.patient;

import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Parameters;
import org.rehabfhir.app.fhir.FhirApi;
import org.rehabfhir.app.web.Ids;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;

/**
 * Physiotherapist screen 2: the patient. {@code /patients/{id}} is also the deep link an EHR or a CDS Hooks card
 * opens (the user signs in first when needed, then lands here).
 */
@Controller
public class PatientController {

    private final FhirApi api;
    private final PatientService patients;

    public PatientController(FhirApi api, PatientService patients) {
        this.api = api;
        this.patients = patients;
    }

    /** Accepts an open referral: {@code ServiceRequest/{id}/$accept} makes the CareTeam naming the physiotherapist. */
    @PostMapping("/patients/{id}/referrals/{referral}/accept")
    public String accept(@PathVariable String id, @PathVariable String referral) {
        api.client()
                .operation()
                .onInstance("ServiceRequest/" + Ids.require(referral))
                .named("$accept")
                .withNoParameters(Parameters.class)
                .returnResourceType(CareTeam.class)
                .execute();
        return "redirect:/patients/" + Ids.require(id) + "?accepted=" + referral;
    }

    @GetMapping("/patients/{id}")
    public String patient(@PathVariable String id, Model model) {
        model.addAttribute("patient", patients.load(api.client(), Ids.require(id)));
        return "patient";
    }
}
