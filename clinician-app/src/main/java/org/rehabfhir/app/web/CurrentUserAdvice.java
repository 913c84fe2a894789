package org.rehabfhir.app.web;

import org.rehabfhir.app.security.CurrentUser;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/** Every page knows who is signed in (for the header, and to offer only the screens of the user's role). */
@ControllerAdvice
public class CurrentUserAdvice {

    @ModelAttribute("user")
    public CurrentUser user(Authentication authentication) {
        return CurrentUser.of(authentication);
    }
}
