package org.rehabfhir.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The clinician and auditor web app: a backend-for-frontend. Users sign in with Keycloak (authorization code with
 * PKCE, confidential client); their tokens stay in the server-side session and every page is built from FHIR API
 * calls made with the user's own access token. Nothing here reads a database or the FHIR server's internals.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ClinicianApplication {

    public static void main(String[] args) {
        SpringApplication.run(ClinicianApplication.class, args);
    }
}
