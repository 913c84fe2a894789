package org.rehabfhir.server.pathway;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.Optional;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.rehabfhir.auth.authorization.StoredResourceLookup;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.auth.smart.RehabRole;
import org.springframework.stereotype.Component;

/** The calling clinician, from the access token: her stored Practitioner ({@code fhirUser}) and her role. */
@Component
public class Clinicians {

    private final StoredResourceLookup stored;

    public Clinicians(StoredResourceLookup stored) {
        this.stored = stored;
    }

    /** The caller's {@code fhirUser}, when it is a Practitioner stored on this server. */
    public Optional<Reference> practitioner() {
        return RehabSecurityContext.current()
                .map(CallerContext::fhirUser)
                .filter(u -> u != null && u.matches("Practitioner/[A-Za-z0-9\\-.]{1,64}"))
                .filter(this::stored)
                .map(Reference::new);
    }

    /** The caller's Practitioner; 403 unless the caller is a physiotherapist whose Practitioner is stored here. */
    public Reference requirePhysiotherapist(String step) {
        boolean physio = RehabSecurityContext.current()
                .map(c -> c.rights().hasRole(RehabRole.PHYSIOTHERAPIST))
                .orElse(false);
        if (!physio) {
            throw new ForbiddenOperationException(step + " is a physiotherapist's decision");
        }
        return practitioner()
                .orElseThrow(() -> new ForbiddenOperationException(step + " needs a physiotherapist "
                        + "whose token names her Practitioner (fhirUser claim) stored on this server"));
    }

    private boolean stored(String reference) {
        return stored.find(new IdType(reference)).isPresent();
    }
}
