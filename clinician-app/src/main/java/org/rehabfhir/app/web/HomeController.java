package org.rehabfhir.app.web;

import org.rehabfhir.app.security.CurrentUser;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;

/** Standalone launch: after sign-in, the physiotherapist lands on her caseload, the auditor on the audit screens. */
@Controller
public class HomeController {

    @GetMapping("/")
    public String home(Authentication authentication) {
        CurrentUser user = CurrentUser.of(authentication);
        if (user != null && user.physiotherapist()) {
            return "redirect:/caseload";
        }
        if (user != null && user.auditor()) {
            return "redirect:/audit";
        }
        return "no-access";
    }

    @RequestMapping("/no-access")
    public String noAccess() {
        return "no-access";
    }

    @GetMapping("/signed-out")
    public String signedOut() {
        return "signed-out";
    }
}
