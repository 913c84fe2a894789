package org.rehabfhir.server.config;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.RestfulServer;

/**
 * HAPI's {@link RestfulServer} without the {@code X-Powered-By: HAPI FHIR <version> ...} banner (an attacker's
 * shortcut to the library version and its known flaws), and without HAPI's own inflating of gzip request bodies:
 * {@code RequestBodyLimitFilter} inflates them, bounded by the body limit, before they get here.
 */
public class RehabRestfulServer extends RestfulServer {

    public RehabRestfulServer(FhirContext fhirContext) {
        super(fhirContext);
        setUncompressIncomingContents(false);
    }

    @Override
    protected String createPoweredByHeader() {
        return null;
    }
}
