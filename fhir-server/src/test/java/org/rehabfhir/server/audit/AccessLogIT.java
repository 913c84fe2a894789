package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.rehabfhir.server.support.TestData.patient;
import static org.rehabfhir.server.support.TestData.uniqueMrn;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;

/**
 * {@code $access-log} over HTTP with real tokens: each entry names the agent (name, role, client), the outcome, what
 * was asked and the purpose of use; filters by date, agent and outcome; pages with {@code _count} and
 * {@code _offset}.
 */
class AccessLogIT extends AbstractFhirServerIT {

    private String patient;
    private Instant before;

    /** Three reads by alice (TREAT), two by the EHR, one refused read by the auditor. */
    @BeforeEach
    void accesses() throws InterruptedException {
        patient = ehr().create()
                .resource(patient(uniqueMrn()))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        before = Instant.now().minusSeconds(1);
        for (int i = 0; i < 3; i++) {
            physio().read()
                    .resource(Patient.class)
                    .withId(patient)
                    .withAdditionalHeader("X-Purpose-Of-Use", "TREAT")
                    .execute();
        }
        for (int i = 0; i < 2; i++) {
            ehr().read().resource(Patient.class).withId(patient).execute();
        }
        assertThatThrownBy(() ->
                        auditor().read().resource(Patient.class).withId(patient).execute())
                .isInstanceOf(ForbiddenOperationException.class);
    }

    @Test
    void entriesNameTheAgentRoleClientOutcomeAndPurpose() {
        Parameters log = accessLog();
        // the EHR's create is a write, not an access; the refused read is left out by default
        assertThat(intParam(log, "total")).isEqualTo(5);
        List<ParametersParameterComponent> entries = entries(log);
        assertThat(entries).hasSize(5);
        ParametersParameterComponent newestAlice = entries.stream()
                .filter(e -> "alice".equals(agentPart(e, "name")))
                .findFirst()
                .orElseThrow();
        assertThat(agentPart(newestAlice, "client")).isEqualTo("rehab-test-cli");
        assertThat(roles(newestAlice)).containsExactly("physiotherapist");
        assertThat(((Reference) agent(newestAlice).getPart().stream()
                                .filter(p -> p.getName().equals("fhirUser"))
                                .findFirst()
                                .orElseThrow()
                                .getValue())
                        .getReference())
                .isEqualTo("Practitioner/alice");
        assertThat(((Coding) part(newestAlice, "outcome").getValue()).getCode()).isEqualTo("0");
        assertThat(part(newestAlice, "httpStatus").getValue().primitiveValue()).isEqualTo("200");
        assertThat(part(newestAlice, "what").getValue().primitiveValue()).isEqualTo("GET " + patient);
        assertThat(((Coding) part(newestAlice, "purposeOfUse").getValue()).getCode())
                .isEqualTo("TREAT");

        ParametersParameterComponent ehrEntry = entries.stream()
                .filter(e -> "ehr-demo-hospital".equals(agentPart(e, "name")))
                .findFirst()
                .orElseThrow();
        assertThat(agentPart(ehrEntry, "client")).isEqualTo("ehr-demo-hospital");
        assertThat(roles(ehrEntry)).containsExactly("ehr-system");
        // newest first: the EHR read last
        assertThat(agentPart(entries.get(0), "name")).isEqualTo("ehr-demo-hospital");
        assertThat(agentPart(entries.get(4), "name")).isEqualTo("alice");
    }

    @Test
    void filtersByAgentDateAndOutcome() {
        Parameters alice = accessLog("agent", new StringType("alice"));
        assertThat(intParam(alice, "total")).isEqualTo(3);
        assertThat(entries(alice))
                .allSatisfy(e -> assertThat(agentPart(e, "name")).isEqualTo("alice"));
        // the client id and the fhirUser find the same caller
        assertThat(intParam(accessLog("agent", new StringType("Practitioner/alice")), "total"))
                .isEqualTo(3);
        assertThat(intParam(accessLog("agent", new StringType("ehr-demo-hospital")), "total"))
                .isEqualTo(2);
        assertThat(intParam(accessLog("agent", new StringType("nobody")), "total"))
                .isZero();

        String future = Instant.now()
                .plus(1, ChronoUnit.DAYS)
                .truncatedTo(ChronoUnit.SECONDS)
                .toString();
        assertThat(intParam(accessLog("date", new StringType("ge" + future)), "total"))
                .isZero();
        assertThat(intParam(accessLog("date", new StringType("ge" + before.truncatedTo(ChronoUnit.SECONDS))), "total"))
                .isEqualTo(5);
        assertThat(intParam(accessLog("date", new StringType("lt" + before.truncatedTo(ChronoUnit.SECONDS))), "total"))
                .isZero();

        Parameters any = accessLog("outcome", new StringType("any"));
        assertThat(intParam(any, "total")).isEqualTo(6);
        ParametersParameterComponent refused = entries(any).stream()
                .filter(e -> "audrey".equals(agentPart(e, "name")))
                .findFirst()
                .orElseThrow();
        assertThat(((Coding) part(refused, "outcome").getValue()).getCode()).isEqualTo("4");
        assertThat(part(refused, "httpStatus").getValue().primitiveValue()).isEqualTo("403");
        assertThat(roles(refused)).containsExactly("auditor");
        assertThat(intParam(accessLog("outcome", new StringType("4")), "total")).isEqualTo(1);
    }

    @Test
    void pagesHonourCountAndOffset() {
        Parameters first = accessLog("_count", new IntegerType(2));
        assertThat(intParam(first, "total")).isEqualTo(5);
        assertThat(entries(first)).hasSize(2);
        assertThat(intParam(first, "nextOffset")).isEqualTo(2);
        Parameters second = accessLog("_count", new IntegerType(2), "_offset", new IntegerType(2));
        assertThat(entries(second)).hasSize(2);
        assertThat(intParam(second, "nextOffset")).isEqualTo(4);
        Parameters last = accessLog("_count", new IntegerType(2), "_offset", new IntegerType(4));
        assertThat(entries(last)).hasSize(1);
        assertThat(last.getParameter("nextOffset")).isNull();

        Set<String> events = new HashSet<>();
        for (Parameters page : List.of(first, second, last)) {
            entries(page)
                    .forEach(e -> events.add(((Reference) part(e, "auditEvent").getValue()).getReference()));
        }
        assertThat(events).hasSize(5); // no entry twice, none missing

        assertThatThrownBy(() -> accessLog("_count", new IntegerType(0))).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> accessLog("_offset", new IntegerType(-1))).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> accessLog("outcome", new StringType("maybe")))
                .isInstanceOf(InvalidRequestException.class);
    }

    private Parameters accessLog(Object... nameValues) {
        Parameters in = new Parameters();
        for (int i = 0; i < nameValues.length; i += 2) {
            in.addParameter().setName((String) nameValues[i]).setValue((org.hl7.fhir.r4.model.Type) nameValues[i + 1]);
        }
        return auditor()
                .operation()
                .onInstance(new IdType(patient))
                .named("$access-log")
                .withParameters(in)
                .useHttpGet()
                .returnResourceType(Parameters.class)
                .execute();
    }

    private static List<ParametersParameterComponent> entries(Parameters log) {
        return log.getParameter().stream()
                .filter(p -> p.getName().equals("access"))
                .toList();
    }

    private static int intParam(Parameters log, String name) {
        return Integer.parseInt(log.getParameter(name).getValue().primitiveValue());
    }

    private static ParametersParameterComponent part(ParametersParameterComponent entry, String name) {
        return entry.getPart().stream()
                .filter(p -> p.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no part " + name));
    }

    private static ParametersParameterComponent agent(ParametersParameterComponent entry) {
        return part(entry, "agent");
    }

    private static String agentPart(ParametersParameterComponent entry, String name) {
        return agent(entry).getPart().stream()
                .filter(p -> p.getName().equals(name))
                .findFirst()
                .map(p -> p.getValue().primitiveValue())
                .orElse(null);
    }

    private static List<String> roles(ParametersParameterComponent entry) {
        List<String> roles = new ArrayList<>();
        agent(entry).getPart().stream()
                .filter(p -> p.getName().equals("role"))
                .forEach(p -> roles.add(((Coding) p.getValue()).getCode()));
        return roles;
    }
}
