package org.rehabfhir.protocols;

import ca.uhn.fhir.context.FhirContext;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;

/** Shared, expensive test fixtures (one FhirContext and one catalogue per test JVM). */
public final class TestFhir {
    public static final FhirContext CTX = FhirContext.forR4Cached();
    public static final ProtocolCatalogue CATALOGUE = ProtocolCatalogue.loadDefault(CTX);

    private TestFhir() {}
}
