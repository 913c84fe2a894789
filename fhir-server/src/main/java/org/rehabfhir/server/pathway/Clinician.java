package org.rehabfhir.server.pathway;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.Optional;
import org.hl7.fhir.r4.model.Reference;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.auth.smart.RehabRole;

/** The calling clinician, from the access token: her Practitioner ({@code fhirUser}) and her role. */
final class Clinician {

	private Clinician() {}

	/** The caller's {@code fhirUser} when it is a Practitioner reference ({@code Practitioner/<id>}). */
	static Optional<Reference> practitioner() {
		return RehabSecurityContext.current()
				.map(CallerContext::fhirUser)
				.filter(u -> u != null && u.matches("Practitioner/[A-Za-z0-9\\-.]{1,64}"))
				.map(Reference::new);
	}

	/** The caller's Practitioner; 403 when the caller is not a physiotherapist with a Practitioner identity. */
	static Reference requirePhysiotherapist(String step) {
		boolean physio = RehabSecurityContext.current()
				.map(c -> c.rights().hasRole(RehabRole.PHYSIOTHERAPIST))
				.orElse(false);
		if (!physio) {
			throw new ForbiddenOperationException(step + " is a physiotherapist's decision");
		}
		return practitioner().orElseThrow(() -> new ForbiddenOperationException(
				step + " needs a physiotherapist whose token names her Practitioner (fhirUser claim)"));
	}
}
