package org.rehabfhir.auth.authorization;

import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizedList;
import ca.uhn.fhir.rest.server.interceptor.auth.SearchNarrowingInterceptor;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;

/**
 * With {@code rehab.security.care-team-narrowing=true}: a physiotherapist's searches (and conditional URLs) are
 * narrowed to the compartments of their CareTeam's patients, so they return only those patients' data. The
 * {@link SmartAuthorizationInterceptor} enforces the same on reads, writes and every response; this interceptor
 * makes searches return the allowed subset instead of failing.
 */
@Interceptor
public class CareTeamSearchNarrowingInterceptor extends SearchNarrowingInterceptor {

    /** A patient id that never exists: a physiotherapist without any CareTeam patient finds nothing. */
    static final String NO_PATIENT = "Patient/rehab-no-careteam-patient";

    private final CareTeamScope careTeam;
    private final Supplier<Optional<CallerContext>> callerSupplier;

    public CareTeamSearchNarrowingInterceptor(CareTeamScope careTeam) {
        this(careTeam, RehabSecurityContext::current);
    }

    public CareTeamSearchNarrowingInterceptor(
            CareTeamScope careTeam, Supplier<Optional<CallerContext>> callerSupplier) {
        this.careTeam = careTeam;
        this.callerSupplier = callerSupplier;
        setNarrowConditionalUrls(true);
    }

    @Override
    protected AuthorizedList buildAuthorizedList(RequestDetails request) {
        Optional<CallerContext> caller = callerSupplier.get();
        if (caller.isEmpty()) {
            return null;
        }
        Optional<Set<String>> patients = careTeam.patientsFor(caller.get(), request);
        if (patients.isEmpty()) {
            return null; // not narrowed
        }
        AuthorizedList list = new AuthorizedList();
        if (patients.get().isEmpty()) {
            list.addCompartment(NO_PATIENT);
        } else {
            patients.get().forEach(list::addCompartment);
        }
        return list;
    }
}
