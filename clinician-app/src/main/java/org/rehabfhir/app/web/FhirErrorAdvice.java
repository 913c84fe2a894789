package org.rehabfhir.app.web;

import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.rehabfhir.app.fhir.SignInAgainException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * What the user sees when the FHIR API says no: 401 (token refused or gone) sends the user through sign-in again
 * (silently while the Keycloak session lasts), 403 shows the plain "no access" page, 404/410 "not found", and any
 * other error answer a page with the OperationOutcome's messages.
 */
@ControllerAdvice
public class FhirErrorAdvice {

    private static final Logger log = LoggerFactory.getLogger(FhirErrorAdvice.class);
    static final String SIGN_IN = "/oauth2/authorization/keycloak";

    @ExceptionHandler({AuthenticationException.class, SignInAgainException.class})
    public String signInAgain(RuntimeException e, HttpServletRequest request) {
        log.info("Signing the user in again: {}", e.getMessage());
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.invalidate();
        }
        SecurityContextHolder.clearContext();
        return "redirect:" + SIGN_IN;
    }

    @ExceptionHandler(ForbiddenOperationException.class)
    public String forbidden(ForbiddenOperationException e, HttpServletResponse response, Model model) {
        log.info("FHIR API refused the request (403): {}", e.getMessage());
        response.setStatus(403);
        return "no-access";
    }

    @ExceptionHandler({ResourceNotFoundException.class, ResourceGoneException.class})
    public String notFound(BaseServerResponseException e, HttpServletResponse response, Model model) {
        response.setStatus(404);
        model.addAttribute("message", "This record does not exist (or no longer exists).");
        return "not-found";
    }

    @ExceptionHandler(BaseServerResponseException.class)
    public String failed(BaseServerResponseException e, HttpServletResponse response, Model model) {
        log.warn("FHIR API answered {}: {}", e.getStatusCode(), e.getMessage());
        response.setStatus(e.getStatusCode() >= 500 ? 502 : e.getStatusCode());
        model.addAttribute("status", e.getStatusCode());
        model.addAttribute("issues", org.rehabfhir.app.fhir.Issues.from(e, java.util.List.of()));
        return "api-error";
    }

    @ExceptionHandler(FhirClientConnectionException.class)
    public String unreachable(FhirClientConnectionException e, HttpServletResponse response, Model model) {
        log.warn("FHIR API not reachable: {}", e.getMessage());
        response.setStatus(503);
        model.addAttribute("status", 503);
        model.addAttribute(
                "issues",
                org.rehabfhir.app.fhir.Issues.of("The FHIR server cannot be reached. Try again in a moment."));
        return "api-error";
    }
}
