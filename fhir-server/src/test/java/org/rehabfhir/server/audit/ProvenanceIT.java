package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.audit.AuditTestSupport.*;
import static org.rehabfhir.server.support.TestData.*;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.provenance.ProvenanceRecorder;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;

/** Every CarePlan, Goal and Observation write leaves one Provenance naming the caller and the activity. */
class ProvenanceIT extends AbstractFhirServerIT {

    static final String KNEE_OA_PLAN = "http://rehab-fhir.org/fhir/PlanDefinition/bw-knee-osteoarthritis";

    @Autowired
    DaoRegistry daoRegistry;

    String patientRef;

    @BeforeEach
    void setUp() {
        // alice's fhirUser resource, as the directory would hold it
        Practitioner alice = new Practitioner();
        alice.setId("Practitioner/alice");
        alice.addName().setFamily("Alice").addGiven("Physio");
        daoRegistry.getResourceDao(Practitioner.class).update(alice, new SystemRequestDetails());
        patientRef = ehr().create()
                .resource(patient(uniqueMrn()))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
    }

    @Test
    void carePlanLifecycleHasOneProvenancePerVersionWithActivityAndPractitioner() {
        String token = freshUserToken("alice");
        IGenericClient alice = clientWithToken(token);
        IdType id = (IdType) alice.create()
                .resource(carePlan(patientRef, CarePlan.CarePlanStatus.DRAFT))
                .execute()
                .getId();
        CarePlan plan = alice.read()
                .resource(CarePlan.class)
                .withId(id.toUnqualifiedVersionless())
                .execute();
        plan.setStatus(CarePlan.CarePlanStatus.ACTIVE);
        alice.update().resource(plan).execute();
        plan = alice.read()
                .resource(CarePlan.class)
                .withId(id.toUnqualifiedVersionless())
                .execute();
        plan.setDescription("three sessions a week");
        alice.update().resource(plan).execute();
        plan = alice.read()
                .resource(CarePlan.class)
                .withId(id.toUnqualifiedVersionless())
                .execute();
        plan.setStatus(CarePlan.CarePlanStatus.ENTEREDINERROR);
        alice.update().resource(plan).execute();

        List<Provenance> provenances =
                provenancesOf(id.toUnqualifiedVersionless().getValue());
        assertThat(provenances)
                .extracting(p -> p.getActivity().getCodingFirstRep().getCode())
                .containsExactly("CREATE", "ACTIVATE", "UPDATE", "NULLIFY");
        assertThat(provenances)
                .extracting(p -> p.getTargetFirstRep().getReferenceElement().getVersionIdPart())
                .containsExactly("1", "2", "3", "4");
        for (Provenance provenance : provenances) {
            assertThat(provenance.getActivity().getCodingFirstRep().getSystem())
                    .isEqualTo(ProvenanceRecorder.CS_DATA_OPERATION);
            Reference who = provenance.getAgentFirstRep().getWho();
            assertThat(who.getReference()).isEqualTo("Practitioner/alice");
            assertThat(who.getDisplay()).isEqualTo("alice");
            assertThat(who.getIdentifier().getValue()).isEqualTo(sub(token));
            assertThat(provenance.getRecorded()).isNotNull();
        }
    }

    @Test
    void goalAndObservationWritesHaveProvenanceWithTheirAuthor() {
        IdType goal = (IdType)
                physio().create().resource(tugGoal(patientRef)).execute().getId();
        Provenance goalProvenance =
                single(provenancesOf(goal.toUnqualifiedVersionless().getValue()));
        assertThat(goalProvenance.getActivity().getCodingFirstRep().getCode()).isEqualTo("CREATE");
        assertThat(goalProvenance.getAgentFirstRep().getWho().getReference()).isEqualTo("Practitioner/alice");

        IdType observation = (IdType) ehr().create()
                .resource(timedUpAndGo(patientRef, 12.5, "2026-04-01T09:00:00Z"))
                .execute()
                .getId();
        Provenance byEhr =
                single(provenancesOf(observation.toUnqualifiedVersionless().getValue()));
        assertThat(byEhr.getAgentFirstRep().getWho().hasReference()).isFalse();
        assertThat(byEhr.getAgentFirstRep().getWho().getDisplay()).isEqualTo("ehr-demo-hospital");
        assertThat(byEhr.getAgentFirstRep().getWho().getIdentifier().getValue()).isEqualTo("ehr-demo-hospital");

        Observation read = physio().read()
                .resource(Observation.class)
                .withId(observation.toUnqualifiedVersionless())
                .execute();
        read.setStatus(Observation.ObservationStatus.ENTEREDINERROR);
        physio().update().resource(read).execute();
        List<Provenance> both =
                provenancesOf(observation.toUnqualifiedVersionless().getValue());
        assertThat(both)
                .extracting(p -> p.getActivity().getCodingFirstRep().getCode())
                .containsExactly("CREATE", "NULLIFY");
        assertThat(both.get(1).getAgentFirstRep().getWho().getReference()).isEqualTo("Practitioner/alice");
    }

    @Test
    void planMadeFromAProtocolNamesItsPlanDefinitionAsSource() {
        CarePlan plan = carePlan(patientRef, CarePlan.CarePlanStatus.DRAFT);
        plan.addInstantiatesCanonical(KNEE_OA_PLAN + "|0.1.0");
        IdType id = (IdType) physio().create().resource(plan).execute().getId();

        Provenance provenance =
                single(provenancesOf(id.toUnqualifiedVersionless().getValue()));
        Provenance.ProvenanceEntityComponent source = provenance.getEntityFirstRep();
        assertThat(source.getRole()).isEqualTo(Provenance.ProvenanceEntityRole.SOURCE);
        assertThat(source.getWhat().getDisplay()).isEqualTo(KNEE_OA_PLAN + "|0.1.0");
        // the catalogue (loaded at start) holds version 0.1.0
        assertThat(source.getWhat().hasReference()).isTrue();
        PlanDefinition definition = physio().read()
                .resource(PlanDefinition.class)
                .withId(source.getWhat().getReference())
                .execute();
        assertThat(definition.getUrl()).isEqualTo(KNEE_OA_PLAN);
        assertThat(definition.getVersion()).isEqualTo("0.1.0");
    }

    @Test
    void aVersionThatIsNotStoredIsNamedByItsCanonicalNotResolvedToAnotherVersion() {
        String canonical = KNEE_OA_PLAN + "|99.0.0-not-stored";
        CarePlan plan = carePlan(patientRef, CarePlan.CarePlanStatus.DRAFT);
        plan.addInstantiatesCanonical(canonical);
        IdType id = (IdType) physio().create().resource(plan).execute().getId();

        Provenance.ProvenanceEntityComponent source =
                single(provenancesOf(id.toUnqualifiedVersionless().getValue())).getEntityFirstRep();
        assertThat(source.getRole()).isEqualTo(Provenance.ProvenanceEntityRole.SOURCE);
        assertThat(source.getWhat().hasReference()).isFalse();
        assertThat(source.getWhat().getIdentifier().getSystem()).isEqualTo(ProvenanceRecorder.CS_URI);
        assertThat(source.getWhat().getIdentifier().getValue()).isEqualTo(canonical);
    }

    @Test
    void aTransactionsWritesShareOneProvenancePerPatientNamingEachVersion() {
        String otherPatient = ehr().create()
                .resource(patient(uniqueMrn()))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        List<String> written =
                createdInOneTransaction(Stream.of(patientRef, patientRef, otherPatient, patientRef, otherPatient)
                        .map(patient -> timedUpAndGo(patient, 12.5, "2026-04-01T09:00:00Z"))
                        .toList());

        Provenance first = single(provenancesOf(written.get(0)));
        assertThat(first.getTarget())
                .extracting(t -> t.getReferenceElement().getValue())
                .containsExactlyInAnyOrder(
                        written.get(0) + "/_history/1", written.get(1) + "/_history/1", written.get(3) + "/_history/1");
        Provenance other = single(provenancesOf(written.get(2)));
        assertThat(other.getTarget())
                .extracting(t -> t.getReferenceElement().getValue())
                .containsExactlyInAnyOrder(written.get(2) + "/_history/1", written.get(4) + "/_history/1");
        assertThat(other.getIdElement().getIdPart())
                .isNotEqualTo(first.getIdElement().getIdPart());
        for (Provenance provenance : List.of(first, other)) {
            assertThat(provenance.getActivity().getCodingFirstRep().getCode()).isEqualTo("CREATE");
            assertThat(provenance.getAgentFirstRep().getWho().getDisplay()).isEqualTo("ehr-demo-hospital");
        }
        assertThat(single(provenancesOf(written.get(3))).getIdElement().getIdPart())
                .isEqualTo(first.getIdElement().getIdPart());
    }

    @Test
    void writesThatNameTheirPatientByIdentifierOnlyAreNeverGrouped() {
        List<String> written = createdInOneTransaction(Stream.of(uniqueMrn(), uniqueMrn())
                .map(mrn -> {
                    Observation observation = timedUpAndGo(patientRef, 12.5, "2026-04-01T09:00:00Z");
                    observation.setSubject(new Reference()
                            .setIdentifier(new Identifier()
                                    .setSystem("urn:oid:2.16.840.1.113883.19.5")
                                    .setValue(mrn)));
                    return observation;
                })
                .toList());

        for (String observation : written) {
            assertThat(single(provenancesOf(observation)).getTarget())
                    .extracting(t ->
                            t.getReferenceElement().toUnqualifiedVersionless().getValue())
                    .containsExactly(observation);
        }
    }

    /** The Observations posted by the EHR in one transaction bundle: their stored ids, in order. */
    private List<String> createdInOneTransaction(List<Observation> observations) {
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        observations.forEach(o -> transaction
                .addEntry()
                .setResource(o)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Observation"));
        Bundle answer = ehr().transaction().withBundle(transaction).execute();
        return answer.getEntry().stream()
                .map(e -> new IdType(e.getResponse().getLocation())
                        .toUnqualifiedVersionless()
                        .getValue())
                .toList();
    }

    private List<Provenance> provenancesOf(String target) {
        Bundle bundle = auditor()
                .search()
                .forResource(Provenance.class)
                .where(Provenance.TARGET.hasId(target))
                .count(50)
                .returnBundle(Bundle.class)
                .execute();
        return bundle.getEntry().stream()
                .map(e -> (Provenance) e.getResource())
                .sorted(Comparator.comparing(p -> versionOf(target, p)))
                .toList();
    }

    /** The version of {@code target} a Provenance names (it may name other resources written with it). */
    private static int versionOf(String target, Provenance provenance) {
        return provenance.getTarget().stream()
                .map(Reference::getReferenceElement)
                .filter(id -> id.toUnqualifiedVersionless().getValue().equals(target))
                .mapToInt(id -> Integer.parseInt(id.getVersionIdPart()))
                .findFirst()
                .orElseThrow();
    }

    private static Provenance single(List<Provenance> provenances) {
        assertThat(provenances).hasSize(1);
        return provenances.get(0);
    }
}
