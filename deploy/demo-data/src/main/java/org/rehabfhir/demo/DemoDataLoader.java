package org.rehabfhir.demo;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.Bundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.io.ClassPathResource;

/**
 * Loads a few demo patients (knee osteoarthritis, stroke, Parkinson's disease, coded in SNOMED CT and ICD-10-CM)
 * when this jar is on the FHIR server's class path (the local runner, the tests, a demo installation) and
 * {@code rehab.demo-data.enabled} is true. The production jar does not contain it. The bundle updates by id, so loading it again adds nothing; the
 * demo knee-osteoarthritis patient's safety screen is re-dated to the load day ({@link DemoScreening}).
 */
@AutoConfiguration
@ConditionalOnClass(name = "ca.uhn.fhir.jpa.api.dao.DaoRegistry")
@ConditionalOnProperty(prefix = "rehab.demo-data", name = "enabled", havingValue = "true")
public class DemoDataLoader {

    private static final Logger log = LoggerFactory.getLogger(DemoDataLoader.class);
    static final String DEMO_BUNDLE = "demo/demo-data.json";

    private final FhirContext fhirContext;
    private final DaoRegistry daoRegistry;

    public DemoDataLoader(FhirContext fhirContext, DaoRegistry daoRegistry) {
        this.fhirContext = fhirContext;
        this.daoRegistry = daoRegistry;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void load() throws IOException {
        Bundle bundle;
        try (InputStream in = new ClassPathResource(DEMO_BUNDLE).getInputStream()) {
            bundle = fhirContext
                    .newJsonParser()
                    .parseResource(Bundle.class, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        @SuppressWarnings("unchecked")
        IFhirSystemDao<Bundle, ?> systemDao = daoRegistry.getSystemDao();
        DemoScreening.addTo(bundle, DemoScreening.now());
        Bundle response = systemDao.transaction(new SystemRequestDetails(), bundle);
        log.info(
                "Demo data loaded: {} resources (practitioners alice and bob, patients demo-knee-oa, demo-stroke, demo-parkinsons, their CareTeams, a recent safety screen for demo-knee-oa)",
                response.getEntry().size());
    }
}
