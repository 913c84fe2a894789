package org.rehabfhir.protocols;

/**
 * The engine cannot do what it was asked with the regimen or input it was given (a PlanDefinition that refers to an
 * ActivityDefinition the catalogue does not have, a schedule unit it does not know, ...). A fault of the request or
 * of the data, never of the server: a FHIR server answers it with a 4xx OperationOutcome carrying the message.
 */
public class RegimenException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RegimenException(String message) {
        super(message);
    }
}
