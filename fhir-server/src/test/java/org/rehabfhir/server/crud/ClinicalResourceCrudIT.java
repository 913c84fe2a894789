package org.rehabfhir.server.crud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.support.TestData.*;

import ca.uhn.fhir.rest.api.MethodOutcome;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractStorageIT;

/** Create, read, update, version history and search of the clinical resources, over HTTP, on PostgreSQL. */
class ClinicalResourceCrudIT extends AbstractStorageIT {

    private String patientRef;

    @BeforeEach
    void createPatient() {
        patientRef = create(patient(uniqueMrn())).toUnqualifiedVersionless().getValue();
    }

    @Test
    void patientIsCreatedReadUpdatedAndKeepsItsHistory() {
        IdType id = new IdType(patientRef);
        Patient read = client.read().resource(Patient.class).withId(id).execute();
        assertThat(read.getNameFirstRep().getFamily()).isEqualTo("Test");

        read.getNameFirstRep().setFamily("Renamed");
        MethodOutcome updated = client.update().resource(read).execute();
        assertThat(updated.getId().getVersionIdPart()).isEqualTo("2");

        Bundle history =
                client.history().onInstance(id).returnBundle(Bundle.class).execute();
        assertThat(history.getEntry()).hasSize(2);
        Patient first = client.read()
                .resource(Patient.class)
                .withIdAndVersion(id.getIdPart(), "1")
                .execute();
        assertThat(first.getNameFirstRep().getFamily()).isEqualTo("Test");
    }

    @Test
    void patientIsFoundByIdentifier() {
        Patient read = client.read()
                .resource(Patient.class)
                .withId(new IdType(patientRef))
                .execute();
        String mrn = read.getIdentifierFirstRep().getValue();
        Bundle found = client.search()
                .forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndIdentifier(MRN_SYSTEM, mrn))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(found)).containsExactly(patientRef);
    }

    @Test
    void conditionIsCreatedUpdatedAndFoundByPatientAndByIcd10Code() {
        IdType id = create(kneeOsteoarthritis(patientRef));
        Condition condition = client.read()
                .resource(Condition.class)
                .withId(id.toUnqualifiedVersionless())
                .execute();
        condition.setNote(List.of(new org.hl7.fhir.r4.model.Annotation().setText("right knee, worse on stairs")));
        assertThat(client.update().resource(condition).execute().getId().getVersionIdPart())
                .isEqualTo("2");

        Bundle byPatientAndCode = client.search()
                .forResource(Condition.class)
                .where(Condition.PATIENT.hasId(patientRef))
                .and(Condition.CODE.exactly().systemAndCode(ICD10CM, "M17.11"))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(byPatientAndCode))
                .containsExactly(id.toUnqualifiedVersionless().getValue());
    }

    @Test
    void observationsAreFoundByPatientCodeAndDateRange() {
        String march = create(timedUpAndGo(patientRef, 14.2, "2026-03-02T10:00:00Z"))
                .toUnqualifiedVersionless()
                .getValue();
        String may = create(timedUpAndGo(patientRef, 11.9, "2026-05-04T10:00:00Z"))
                .toUnqualifiedVersionless()
                .getValue();
        String pain = create(painScore(patientRef, 4, "2026-05-04T10:05:00Z"))
                .toUnqualifiedVersionless()
                .getValue();

        Bundle byPatient = client.search()
                .forResource(Observation.class)
                .where(Observation.SUBJECT.hasId(patientRef))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(byPatient)).containsExactlyInAnyOrder(march, may, pain);

        Bundle tugOnly = client.search()
                .forResource(Observation.class)
                .where(Observation.SUBJECT.hasId(patientRef))
                .and(Observation.CODE.exactly().systemAndCode(LOINC, "89423-8"))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(tugOnly)).containsExactlyInAnyOrder(march, may);

        Bundle april = client.search()
                .forResource(Observation.class)
                .where(Observation.SUBJECT.hasId(patientRef))
                .and(Observation.DATE.afterOrEquals().day("2026-04-01"))
                .and(Observation.DATE.before().day("2026-06-01"))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(april)).containsExactlyInAnyOrder(may, pain);
    }

    @Test
    void observationUpdateKeepsBothVersions() {
        IdType id = create(painScore(patientRef, 6, "2026-05-04T10:05:00Z")).toUnqualifiedVersionless();
        Observation observation =
                client.read().resource(Observation.class).withId(id).execute();
        observation.setStatus(Observation.ObservationStatus.AMENDED);
        client.update().resource(observation).execute();

        Bundle history =
                client.history().onInstance(id).returnBundle(Bundle.class).execute();
        assertThat(history.getEntry()).hasSize(2);
    }

    @Test
    void carePlansAreFoundByPatientAndStatus() {
        String draft = create(carePlan(patientRef, CarePlan.CarePlanStatus.DRAFT))
                .toUnqualifiedVersionless()
                .getValue();
        String active = create(carePlan(patientRef, CarePlan.CarePlanStatus.ACTIVE))
                .toUnqualifiedVersionless()
                .getValue();

        Bundle drafts = client.search()
                .forResource(CarePlan.class)
                .where(CarePlan.PATIENT.hasId(patientRef))
                .and(CarePlan.STATUS.exactly().code("draft"))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(drafts)).containsExactly(draft);

        CarePlan activePlan =
                client.read().resource(CarePlan.class).withId(active).execute();
        activePlan.setStatus(CarePlan.CarePlanStatus.COMPLETED);
        client.update().resource(activePlan).execute();
        Bundle completed = client.search()
                .forResource(CarePlan.class)
                .where(CarePlan.PATIENT.hasId(patientRef))
                .and(CarePlan.STATUS.exactly().code("completed"))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(completed)).containsExactly(active);
    }

    @Test
    void goalIsCreatedUpdatedAndFoundByPatient() {
        IdType id = create(tugGoal(patientRef)).toUnqualifiedVersionless();
        Goal goal = client.read().resource(Goal.class).withId(id).execute();
        goal.setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
        assertThat(client.update().resource(goal).execute().getId().getVersionIdPart())
                .isEqualTo("2");

        Bundle byPatient = client.search()
                .forResource(Goal.class)
                .where(Goal.PATIENT.hasId(patientRef))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(byPatient)).containsExactly(id.getValue());
        assertThat(((Goal) byPatient.getEntryFirstRep().getResource()).getLifecycleStatus())
                .isEqualTo(Goal.GoalLifecycleStatus.ACTIVE);
    }

    private IdType create(IBaseResource resource) {
        MethodOutcome outcome = client.create().resource(resource).execute();
        assertThat(outcome.getCreated()).isTrue();
        return (IdType) outcome.getId();
    }
}
