package org.rehabfhir.app.fhir;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;

/** Reading search results: the resources of one type in a Bundle, following {@code next} links up to a limit. */
public final class Bundles {

    private Bundles() {}

    public static <T extends IBaseResource> List<T> resources(Bundle bundle, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            if (type.isInstance(entry.getResource())) {
                out.add(type.cast(entry.getResource()));
            }
        }
        return out;
    }

    /** Every resource of {@code type} on this page and the following ones, at most {@code maxPages} pages. */
    public static <T extends IBaseResource> List<T> allPages(
            IGenericClient client, Bundle first, Class<T> type, int maxPages) {
        List<T> out = new ArrayList<>(resources(first, type));
        Bundle page = first;
        for (int i = 1; i < maxPages && page.getLink(Bundle.LINK_NEXT) != null; i++) {
            page = client.loadPage().next(page).execute();
            out.addAll(resources(page, type));
        }
        return out;
    }
}
