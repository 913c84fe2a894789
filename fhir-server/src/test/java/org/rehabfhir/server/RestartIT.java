package org.rehabfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.PostgresTestDatabase;
import org.rehabfhir.server.support.TestData;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Data lives in PostgreSQL, not in the server: stop the server, start a new one on the same database. A storage
 * test (see {@link org.rehabfhir.server.support.AbstractStorageIT} for why security is off here).
 */
class RestartIT {

    @Test
    void dataSurvivesARestartOfTheServerOnTheSameDatabase() {
        PostgresTestDatabase db = PostgresTestDatabase.shared();
        String url = db.createDatabase("restart_" + System.nanoTime());
        String[] properties = {
            "--spring.datasource.url=" + url,
            "--spring.datasource.username=" + db.user(),
            "--spring.datasource.password=" + db.password(),
            "--server.port=0",
            "--rehab.security.enabled=false"
        };
        String mrn = TestData.uniqueMrn();

        IdType id;
        try (ConfigurableApplicationContext first = start(properties)) {
            id = (IdType) client(first)
                    .create()
                    .resource(TestData.patient(mrn))
                    .execute()
                    .getId();
        }
        try (ConfigurableApplicationContext second = start(properties)) {
            Patient read = client(second)
                    .read()
                    .resource(Patient.class)
                    .withId(id.toUnqualifiedVersionless())
                    .execute();
            assertThat(read.getIdentifierFirstRep().getValue()).isEqualTo(mrn);
        }
    }

    private static ConfigurableApplicationContext start(String[] properties) {
        return new SpringApplicationBuilder(RehabFhirApplication.class).run(properties);
    }

    private static IGenericClient client(ConfigurableApplicationContext context) {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        FhirContext fhir = FhirContext.forR4Cached();
        fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        return fhir.newRestfulGenericClient("http://localhost:" + port + "/fhir");
    }
}
