package org.rehabfhir.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.rehabfhir.app.fhir.Fhir;
import org.rehabfhir.devservices.TokenClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Not part of {@code verify} (no {@code IT} suffix): the time the browser takes to load the patient page and the
 * progress page of a patient with an active plan and 200 outcome Observations on record, through the whole stack
 * (Chromium, the app, the FHIR server, PostgreSQL), signed in as alice. Prints {@code BENCHMARK} lines: p50 and p95
 * per page over {@code benchmark.rounds} loads (default 40) after 5 warm-up loads. Target: p95 under 500 ms.
 *
 * <pre>./mvnw -pl clinician-app -am verify -Dit.test=PageTimingBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 *   -Dfailsafe.failIfNoSpecifiedTests=false -Dtest=none | grep BENCHMARK</pre>
 */
class PageTimingBenchmark {

    private static final Logger log = LoggerFactory.getLogger(PageTimingBenchmark.class);
    static final String PATIENT = "demo-knee-oa";

    @Test
    void patientAndProgressPagesWith200Observations() {
        E2eStack stack = E2eStack.shared();
        int rounds = Integer.getInteger("benchmark.rounds", 40);
        String token = stack.keycloak().tokens().userToken(TokenClient.ALICE);
        FhirContext ctx = FhirContext.forR4Cached();
        ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        IGenericClient alice = ctx.newRestfulGenericClient(stack.fhirBaseUrl());
        alice.registerInterceptor(new BearerTokenAuthInterceptor(token));

        String plan = activePlan(alice);
        alice.transaction().withBundle(observations(plan, 200)).execute();

        try (Browser browser = new Browser();
                BrowserContext context = browser.newContext()) {
            Page page = ClinicianAppE2EIT.signInWith(
                    stack, browser, context, TokenClient.ALICE, TokenClient.ALICE_PASSWORD);
            String patientUrl = stack.appUrl() + "/patients/" + PATIENT;
            String progressUrl = stack.appUrl() + "/careplans/" + plan + "/progress";
            List<Long> patientTimes = time(page, patientUrl, rounds);
            List<Long> progressTimes = time(page, progressUrl, rounds);
            assertThat(page.locator("#trends")).isNotNull();
            log.info(
                    "BENCHMARK page timings, {} loads each after 5 warm-up, 200 outcome Observations on record",
                    rounds);
            log.info("BENCHMARK | page | p50 ms | p95 ms | max ms |");
            log.info(
                    "BENCHMARK | patient  /patients/{} | {} | {} | {} |",
                    PATIENT,
                    pct(patientTimes, 50),
                    pct(patientTimes, 95),
                    pct(patientTimes, 100));
            log.info(
                    "BENCHMARK | progress /careplans/{}/progress | {} | {} | {} |",
                    plan,
                    pct(progressTimes, 50),
                    pct(progressTimes, 95),
                    pct(progressTimes, 100));
        }
    }

    /** Full page loads (navigation until the load event), in milliseconds. */
    static List<Long> time(Page page, String url, int rounds) {
        for (int i = 0; i < 5; i++) {
            page.navigate(url);
        }
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            long begin = System.nanoTime();
            page.navigate(url);
            times.add((System.nanoTime() - begin) / 1_000_000);
            assertThat(page.url()).isEqualTo(url);
        }
        return times;
    }

    static long pct(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static String activePlan(IGenericClient alice) {
        Bundle found = alice.search()
                .byUrl("PlanDefinition?url=http://rehab-fhir.org/fhir/PlanDefinition/bw-knee-osteoarthritis")
                .returnBundle(Bundle.class)
                .execute();
        Parameters in = new Parameters();
        in.addParameter().setName("subject").setValue(new StringType("Patient/" + PATIENT));
        in.addParameter().setName("practitioner").setValue(new StringType("Practitioner/alice"));
        in.addParameter()
                .setName("start")
                .setValue(new DateType(LocalDate.now().minusDays(100).toString()));
        CarePlan draft = alice.operation()
                .onInstance(
                        found.getEntryFirstRep().getResource().getIdElement().toUnqualifiedVersionless())
                .named("$apply")
                .withParameters(in)
                .returnResourceType(CarePlan.class)
                .execute();
        String id = alice.create().resource(draft).execute().getId().getIdPart();
        Parameters activate = new Parameters();
        activate.addParameter().setName("overrideReason").setValue(new StringType("benchmark data"));
        alice.operation()
                .onInstance("CarePlan/" + id)
                .named("$activate")
                .withParameters(activate)
                .returnResourceType(CarePlan.class)
                .execute();
        return id;
    }

    /** {@code count} outcome Observations over the last 100 days: TUG, 10MWT speed, pain and RPE in turn. */
    static Bundle observations(String plan, int count) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String[][] measures = {
            {Fhir.LOINC, Fhir.LOINC_TUG, "s", "exam"},
            {Fhir.CS_OUTCOME, Fhir.GAIT_SPEED_10MWT, "m/s", "exam"},
            {Fhir.LOINC, Fhir.LOINC_PAIN, "{score}", "survey"},
            {Fhir.LOINC, Fhir.LOINC_RPE, "{score}", "survey"}
        };
        for (int i = 0; i < count; i++) {
            String[] m = measures[i % measures.length];
            Observation o = new Observation();
            o.setStatus(Observation.ObservationStatus.FINAL);
            o.addCategory(new CodeableConcept(new Coding(Fhir.OBS_CATEGORY, m[3], null)));
            o.setCode(new CodeableConcept(new Coding(m[0], m[1], null)));
            o.setSubject(new Reference("Patient/" + PATIENT));
            o.addBasedOn(new Reference("CarePlan/" + plan));
            o.setEffective(new DateTimeType(Date.from(
                    LocalDate.now().minusDays(100 - i / 2).atTime(9, 0).toInstant(ZoneOffset.UTC))));
            double value =
                    switch (i % measures.length) {
                        case 0 -> 16 - i * 0.01;
                        case 1 -> 0.6 + i * 0.001;
                        case 2 -> Math.max(0, 6 - i / 40);
                        default -> 4;
                    };
            o.setValue(new Quantity()
                    .setValue(value)
                    .setUnit(m[2])
                    .setSystem("http://unitsofmeasure.org")
                    .setCode(m[2]));
            bundle.addEntry()
                    .setFullUrl("urn:uuid:" + java.util.UUID.randomUUID())
                    .setResource(o)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Observation");
        }
        return bundle;
    }
}
