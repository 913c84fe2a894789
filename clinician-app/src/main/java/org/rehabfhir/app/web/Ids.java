package org.rehabfhir.app.web;

import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/** FHIR logical ids from URLs are checked before they reach a FHIR request ({@code [A-Za-z0-9-.]{1,64}}). */
public final class Ids {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    private Ids() {}

    public static String require(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "not a FHIR id");
        }
        return id;
    }
}
