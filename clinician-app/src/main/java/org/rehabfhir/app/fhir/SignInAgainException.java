package org.rehabfhir.app.fhir;

/** The user's session holds no usable token (expired, refused by the FHIR server with 401): sign in again. */
public class SignInAgainException extends RuntimeException {

    public SignInAgainException(String reason) {
        super(reason);
    }
}
