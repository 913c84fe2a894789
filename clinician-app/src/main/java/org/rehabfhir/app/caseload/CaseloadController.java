package org.rehabfhir.app.caseload;

import org.rehabfhir.app.fhir.FhirApi;
import org.rehabfhir.app.security.CurrentUser;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** Physiotherapist screen 1: the caseload. */
@Controller
public class CaseloadController {

    private final FhirApi api;
    private final CaseloadService caseload;

    public CaseloadController(FhirApi api, CaseloadService caseload) {
        this.api = api;
        this.caseload = caseload;
    }

    @GetMapping("/caseload")
    public String caseload(Authentication authentication, Model model) {
        CurrentUser user = CurrentUser.of(authentication);
        model.addAttribute("caseload", caseload.load(api.client(), user.fhirUser()));
        return "caseload";
    }
}
