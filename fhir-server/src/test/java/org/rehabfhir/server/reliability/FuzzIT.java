package org.rehabfhir.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.support.TestData.*;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.Tokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Bad input at volume: a seeded mutation fuzzer ({@link Mutator}) sends mutated resources (JSON and XML), transaction
 * bundles, patches, searches and the parameters of every operation, as the callers allowed to send them. Every answer
 * must be below 500, carry no stack trace and no driver or ORM internals, and a refused request (4xx) must leave the
 * store as it was (the number and highest id of stored resource versions unchanged).
 *
 * <p>In {@code ./mvnw verify}: {@code fuzz.requests} (default 1,000) requests with the fixed seed. The full run, with
 * its table on the log lines starting with {@code FUZZ}: {@code -Dfuzz.requests=10000} (README). Another seed:
 * {@code -Dfuzz.seed=...}; a failure names the seed and the request's number, which reproduce it.
 */
class FuzzIT extends AbstractFhirServerIT {

    private static final Logger log = LoggerFactory.getLogger(FuzzIT.class);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** A Java stack frame, a "Caused by", a driver/ORM internal or an exception's class name in a body. */
    static final Pattern LEAK = Pattern.compile(
            "\\bat [\\w$.]+\\([\\w$]*\\.java:\\d+\\)|\\tat |Caused by:|org\\.hibernate|org\\.postgresql|PSQLException|SQLState|"
                    + "org\\.springframework\\.|\\b([a-z][a-z0-9_]*\\.)+[A-Z]\\w*(Exception|Error)\\b");

    private static final String JSON = "application/fhir+json";
    private static final String XML = "application/fhir+xml";

    @Autowired
    DataSource dataSource;

    /** One request; {@code token} names the caller ({@code ehr}, {@code alice}, {@code audrey}). */
    record Case(String method, String path, String contentType, String body, String token) {}

    /** Per target: requests, 2xx, 4xx, 5xx, leaks, stored after a refusal. */
    static final class Tally {
        int requests, ok, refused, failed, leaks, storedAfterRefusal;
    }

    @Test
    void mutatedRequestsAreRefusedCleanlyAndStoreNothing() {
        int total = Integer.getInteger("fuzz.requests", 1000);
        long seed = Long.getLong("fuzz.seed", 20261201L);
        Mutator m = new Mutator(seed);
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        Map<String, Function<Mutator, Case>> targets = targets();
        List<String> names = new ArrayList<>(targets.keySet());
        Map<String, Tally> tallies = new LinkedHashMap<>();
        names.forEach(n -> tallies.put(n, new Tally()));
        List<String> problems = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < total; i++) {
            String name = names.get(i % names.size());
            Case c = targets.get(name).apply(m);
            String before = watermark(jdbc);
            HttpResponse<String> response = send(baseUrl(), c);
            Tally t = tallies.get(name);
            t.requests++;
            int status = response == null ? 0 : response.statusCode();
            String body = response == null ? "" : String.valueOf(response.body());
            if (status >= 200 && status < 400) {
                t.ok++;
            } else if (status >= 400 && status < 500) {
                t.refused++;
            } else {
                t.failed++;
                problems.add(
                        "#" + i + " " + name + " " + c.method() + " " + c.path() + " -> " + status + " " + snippet(body)
                                + " (request body: " + (c.body() == null ? "none" : snippet(c.body(), 2000)) + ")");
            }
            if (LEAK.matcher(body).find()) {
                t.leaks++;
                problems.add("#" + i + " " + name + " leak -> " + status + " " + snippet(body));
            }
            if (status >= 400 && !before.equals(watermark(jdbc))) {
                t.storedAfterRefusal++;
                problems.add("#" + i + " " + name + " stored although refused -> " + status + " " + snippet(body));
            }
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        log.info("FUZZ seed {} , {} requests in {} s", seed, total, seconds);
        log.info(String.format(
                "FUZZ %-22s %8s %6s %6s %6s %6s %8s", "target", "requests", "2xx", "4xx", "5xx", "leaks", "stored"));
        Tally sum = new Tally();
        tallies.forEach((name, t) -> {
            log.info(String.format(
                    "FUZZ %-22s %8d %6d %6d %6d %6d %8d",
                    name, t.requests, t.ok, t.refused, t.failed, t.leaks, t.storedAfterRefusal));
            sum.requests += t.requests;
            sum.ok += t.ok;
            sum.refused += t.refused;
            sum.failed += t.failed;
            sum.leaks += t.leaks;
            sum.storedAfterRefusal += t.storedAfterRefusal;
        });
        log.info(String.format(
                "FUZZ %-22s %8d %6d %6d %6d %6d %8d",
                "TOTAL", sum.requests, sum.ok, sum.refused, sum.failed, sum.leaks, sum.storedAfterRefusal));
        problems.stream().limit(20).forEach(p -> log.warn("FUZZ problem (seed {}): {}", seed, p));
        assertThat(sum.requests).isEqualTo(total);
        assertThat(problems)
                .as("seed " + seed + ": 5xx answers, leaked internals, or data stored by a refused request")
                .isEmpty();
    }

    /** The requests to mutate, by target name; ids of resources made for the run. */
    private Map<String, Function<Mutator, Case>> targets() {
        String ehr = "ehr";
        String alice = "alice";
        String audrey = "audrey";
        String patient =
                ehr().create().resource(patient(uniqueMrn())).execute().getId().getIdPart();
        String patientRef = "Patient/" + patient;
        CarePlan draft = carePlan(patientRef, CarePlan.CarePlanStatus.DRAFT);
        String plan = physio().create().resource(draft).execute().getId().getIdPart();
        ServiceRequest referral = new ServiceRequest();
        referral.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE)
                .setIntent(ServiceRequest.ServiceRequestIntent.ORDER)
                .setSubject(new Reference(patientRef))
                .getCode()
                .addCoding(new Coding(SNOMED, "91251008", "Physical therapy procedure"));
        String serviceRequest =
                ehr().create().resource(referral).execute().getId().getIdPart();
        String planDefinition = storedPlanDefinitionId("bw-knee-osteoarthritis");
        List<String> ids = List.of(patient, "demo-knee-oa", "nope", "-1", "1", "x".repeat(70), "..", "%2e%2e");
        List<String> dates = List.of("2026-05-01", "ge2026-01-01", "lt2030", "2026-02-30", "eq2026-05-01T10:00:00Z");

        String patientJson = json(patient(uniqueMrn()));
        String observationJson = json(timedUpAndGo(patientRef, 11.2, "2026-05-04T10:00:00Z"));
        String conditionJson = json(kneeOsteoarthritis(patientRef));
        String carePlanJson = json(carePlan(patientRef, CarePlan.CarePlanStatus.DRAFT));
        String goalJson = json(tugGoal(patientRef));
        String patientXml = CLIENT_CONTEXT.newXmlParser().encodeResourceToString(patient(uniqueMrn()));
        String observationXml = CLIENT_CONTEXT
                .newXmlParser()
                .encodeResourceToString(timedUpAndGo(patientRef, 12.0, "2026-05-05T10:00:00Z"));
        String uuid = "urn:uuid:" + UUID.randomUUID();
        String bundleJson = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"fullUrl\":\"" + uuid
                + "\",\"resource\":" + json(patient(uniqueMrn()))
                + ",\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
                + "{\"resource\":" + json(kneeOsteoarthritis(uuid))
                + ",\"request\":{\"method\":\"POST\",\"url\":\"Condition\"}},"
                + "{\"resource\":" + json(timedUpAndGo(uuid, 10.5, "2026-05-06T10:00:00Z"))
                + ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}";
        String patchJson = "[{\"op\":\"replace\",\"path\":\"/active\",\"value\":false}]";
        Parameters session = new Parameters();
        session.addParameter().setName("date").setValue(new DateTimeType("2026-05-04T10:00:00Z"));
        session.addParameter().setName("minutes").setValue(new DecimalType(10));
        session.addParameter().setName("rpe").setValue(new IntegerType(12));
        session.addParameter().setName("painBefore").setValue(new IntegerType(2));
        String sessionJson = json(session);
        Parameters apply = new Parameters();
        apply.addParameter().setName("subject").setValue(new StringType(patientRef));
        apply.addParameter().setName("start").setValue(new org.hl7.fhir.r4.model.DateType("2026-05-04"));
        String applyJson = json(apply);

        Map<String, Function<Mutator, Case>> t = new LinkedHashMap<>();
        t.put("create Patient json", x -> new Case("POST", "Patient", JSON, x.mutateJson(patientJson), ehr));
        t.put("create Observation", x -> new Case("POST", "Observation", JSON, x.mutateJson(observationJson), ehr));
        t.put("create Condition", x -> new Case("POST", "Condition", JSON, x.mutateJson(conditionJson), ehr));
        t.put("create CarePlan", x -> new Case("POST", "CarePlan", JSON, x.mutateJson(carePlanJson), alice));
        t.put("create Goal", x -> new Case("POST", "Goal", JSON, x.mutateJson(goalJson), alice));
        t.put(
                "update Patient",
                x -> new Case(
                        "PUT",
                        "Patient/" + patient,
                        JSON,
                        x.mutateJson(patientJson.replaceFirst("\\{", "{\"id\":\"" + patient + "\",")),
                        ehr));
        t.put("create Patient xml", x -> new Case("POST", "Patient", XML, x.mutateTextRounds(patientXml), ehr));
        t.put(
                "create Observation xml",
                x -> new Case("POST", "Observation", XML, x.mutateTextRounds(observationXml), ehr));
        t.put("transaction", x -> new Case("POST", "", JSON, x.mutateJson(bundleJson), ehr));
        t.put(
                "patch Patient",
                x -> new Case(
                        "PATCH", "Patient/" + patient, "application/json-patch+json", x.mutateJson(patchJson), ehr));
        t.put(
                "search",
                x -> new Case(
                        "GET",
                        x.pick(List.of("Observation", "Condition", "Patient", "CarePlan")) + "?"
                                + q(
                                        x.pick(List.of(
                                                "subject",
                                                "patient",
                                                "date",
                                                "code",
                                                "identifier",
                                                "_count",
                                                "_include",
                                                "_sort",
                                                "_has:Observation:subject:code",
                                                "subject.name",
                                                "_id",
                                                "status")),
                                        x.parameterValue(List.of(
                                                patientRef,
                                                "2026-05-01",
                                                "http://loinc.org|8302-2",
                                                "Observation:subject",
                                                "10",
                                                "-date")))
                                + "&" + q(x.pick(Mutator.HOSTILE), x.pick(Mutator.HOSTILE)),
                        null,
                        null,
                        ehr));
        t.put(
                "$recommend-regimens",
                x -> new Case(
                        "GET", "Patient/" + seg(x.parameterValue(ids)) + "/$recommend-regimens", null, null, alice));
        t.put(
                "$screen",
                x -> new Case(
                        "GET",
                        "Patient/" + seg(x.parameterValue(ids)) + "/$screen?"
                                + q(
                                        "regimen",
                                        x.parameterValue(List.of(
                                                "http://rehab-fhir.org/fhir/PlanDefinition/bw-knee-osteoarthritis",
                                                "bw-knee-osteoarthritis",
                                                "x"))),
                        null,
                        null,
                        alice));
        t.put(
                "$apply",
                x -> new Case(
                        "POST",
                        "PlanDefinition/" + (x.random().nextInt(4) == 0 ? seg(x.parameterValue(ids)) : planDefinition)
                                + "/$apply",
                        JSON,
                        x.mutateJson(applyJson),
                        alice));
        t.put(
                "$evaluate-progress",
                x -> new Case(
                        "GET",
                        "CarePlan/" + seg(x.parameterValue(List.of(plan, "nope", "1"))) + "/$evaluate-progress",
                        null,
                        null,
                        alice));
        t.put(
                "$record-session",
                x -> new Case("POST", "CarePlan/" + plan + "/$record-session", JSON, x.mutateJson(sessionJson), alice));
        t.put(
                "$activate",
                x -> new Case(
                        "POST",
                        "CarePlan/" + seg(x.parameterValue(List.of(plan, "nope"))) + "/$activate?"
                                + q(x.pick(List.of("overrideReason", "reason")), x.parameterValue(List.of("fit", ""))),
                        JSON,
                        "{\"resourceType\":\"Parameters\"}",
                        alice));
        t.put(
                "$apply-progress",
                x -> new Case(
                        "POST",
                        "CarePlan/" + plan + "/$apply-progress?"
                                + q("decision", x.parameterValue(List.of("progress", "hold", "regress", "stay"))),
                        JSON,
                        "{\"resourceType\":\"Parameters\"}",
                        alice));
        t.put(
                "$accept",
                x -> new Case(
                        "POST",
                        "ServiceRequest/" + seg(x.parameterValue(List.of(serviceRequest, "nope"))) + "/$accept",
                        JSON,
                        x.mutateJson("{\"resourceType\":\"Parameters\"}"),
                        alice));
        t.put(
                "$handout",
                x -> new Case(
                        "GET",
                        "CarePlan/" + seg(x.parameterValue(List.of(plan, "nope"))) + "/$handout?"
                                + q("store", x.parameterValue(List.of("true", "false"))),
                        null,
                        null,
                        alice));
        t.put(
                "$access-log",
                x -> new Case(
                        "GET",
                        "Patient/" + seg(x.parameterValue(ids)) + "/$access-log?"
                                + q("date", x.parameterValue(dates)) + "&"
                                + q(
                                        x.pick(List.of("agent", "outcome", "_count", "_offset")),
                                        x.parameterValue(List.of("alice", "any", "4", "10", "-1", "0"))),
                        null,
                        null,
                        audrey));
        t.put(
                "$rehab-outcomes",
                x -> new Case(
                        "GET",
                        "$rehab-outcomes?"
                                + q(
                                        "condition",
                                        x.parameterValue(
                                                List.of("http://snomed.info/sct|239873007", "239873007", "x"))),
                        null,
                        null,
                        audrey));
        t.put(
                "$verify-chain",
                x -> new Case(
                        x.pick(List.of("GET", "POST")),
                        "AuditEvent/$verify-chain?" + q(x.pick(Mutator.HOSTILE), x.pick(Mutator.HOSTILE)),
                        null,
                        null,
                        audrey));
        return t;
    }

    static HttpResponse<String> send(String baseUrl, Case c) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create(c.path().isEmpty() ? baseUrl : baseUrl + "/" + c.path()))
                    .timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + token(c.token()));
            if (c.body() != null) {
                request.header("Content-Type", c.contentType())
                        .method(c.method(), HttpRequest.BodyPublishers.ofString(c.body(), StandardCharsets.UTF_8));
            } else {
                request.method(c.method(), HttpRequest.BodyPublishers.noBody());
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            return null; // no answer at all: counted as a failure
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A current token of the caller (renewed by {@link Tokens} before it expires, for long runs). */
    private static String token(String caller) {
        return "ehr".equals(caller) ? Tokens.ehr() : Tokens.user(caller);
    }

    /** How many resource versions are stored, and the highest id: a refused request must change neither. */
    static String watermark(JdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT count(*) || '/' || coalesce(max(pid), 0) FROM hfj_res_ver", String.class);
    }

    private static String q(String name, String value) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String seg(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String snippet(String body) {
        return snippet(body, 300);
    }

    private static String snippet(String body, int max) {
        String one = body.replaceAll("\\s+", " ");
        return one.length() > max ? one.substring(0, max) + "..." : one;
    }

    private static String json(IBaseResource resource) {
        return CLIENT_CONTEXT.newJsonParser().encodeResourceToString(resource);
    }
}
