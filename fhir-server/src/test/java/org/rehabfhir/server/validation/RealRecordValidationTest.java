package org.rehabfhir.server.validation;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;

/** What real EHR records carry must not be an error: unknown profiles, preferred bindings, POST entries without fullUrl. */
class RealRecordValidationTest {

    private static final FhirContext CTX = FhirContext.forR4Cached();
    private static final FhirValidator VALIDATOR = validator();

    private static FhirValidator validator() {
        FhirValidator v = CTX.newValidator();
        v.registerValidatorModule(RequestValidationConfig.instanceValidator(
                CTX, new DefaultListableBeanFactory().getBeanProvider(ProjectConformanceResources.class)));
        return v;
    }

    private static List<String> errors(IBaseResource resource) {
        return VALIDATOR.validateWithResult(resource).getMessages().stream()
                .filter(m -> m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL)
                .map(m -> m.getMessage() + " [" + m.getMessageId() + " @ " + m.getLocationString() + "]")
                .toList();
    }

    private static Patient patient() {
        Patient p = new Patient();
        p.addName().setFamily("Nguyen").addGiven("Lan");
        p.setGender(Enumerations.AdministrativeGender.FEMALE);
        return p;
    }

    @Test
    void aVietnameseSpeakingPatientIsNoError() {
        Patient p = patient();
        p.addCommunication().setLanguage(new CodeableConcept(new Coding("urn:ietf:bcp:47", "vi", "Vietnamese")));
        assertThat(errors(p)).isEmpty();
    }

    @Test
    void anUnknownProfileIsAWarningNotAnError() {
        Patient p = patient();
        p.getMeta().addProfile("http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient");
        assertThat(errors(p)).isEmpty();
    }

    @Test
    void aTransactionPostEntryWithoutFullUrlIsNoError() {
        Bundle b = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Observation o = new Observation();
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", "Heart rate")));
        o.setSubject(new Reference("Patient/p1"));
        b.addEntry().setResource(o).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
        assertThat(errors(b)).isEmpty();
    }

    @Test
    void aRequiredBindingIsStillAnError() {
        String observation = "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
                + "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\","
                + "\"code\":\"activity\"}]}],\"valueQuantity\":{\"value\":1,\"comparator\":\"about\"}}";
        assertThat(VALIDATOR.validateWithResult(observation).getMessages())
                .anyMatch(m -> m.getSeverity() == ResultSeverityEnum.ERROR);
    }
}
