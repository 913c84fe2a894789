package org.rehabfhir.server.engine;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.TokenParamModifier;
import java.time.LocalDate;
import java.util.List;
import org.hl7.fhir.r4.model.Observation;
import org.rehabfhir.protocols.record.ObservationSource;

/**
 * One patient's stored Observations, read the way the engine asks ({@link ObservationSource}): each read is one
 * synchronous JPA search by patient and code (or, for the Observations but some codes, by date and the patient of
 * {@link TextCandidateIndex}, or {@code code:not} until that index is ready), sorted by date descending, with the
 * limit as {@code _count}, so the database returns only the rows asked for. Runs as the server (the caller's
 * authorization for the operation and the patient has passed).
 */
final class StoredObservations implements ObservationSource {

    private final DaoRegistry daoRegistry;
    private final TextCandidateIndex textCandidates;
    private final String patientReference;

    StoredObservations(DaoRegistry daoRegistry, TextCandidateIndex textCandidates, String patientReference) {
        this.daoRegistry = daoRegistry;
        this.textCandidates = textCandidates;
        this.patientReference = patientReference;
    }

    @Override
    public List<Observation> newest(List<Code> codes, int limit) {
        return codes.isEmpty() ? List.of() : search(newestFirst(limit).add(Observation.SP_CODE, anyOf(codes)));
    }

    @Override
    public List<Observation> newestSince(List<Code> codes, LocalDate since, int limit) {
        return codes.isEmpty()
                ? List.of()
                : search(newestFirst(limit)
                        .add(Observation.SP_CODE, anyOf(codes))
                        .add(Observation.SP_DATE, onOrAfter(since)));
    }

    @Override
    public List<Observation> newestSinceExcept(LocalDate since, List<Code> excluded, int limit) {
        if (textCandidates.answers(excluded)) {
            // the patient's rows of the index: only her Observations but the excluded codes
            return search(newestFirst(TextCandidateIndex.CODE, limit).add(Observation.SP_DATE, onOrAfter(since)));
        }
        SearchParameterMap map = newestFirst(limit).add(Observation.SP_DATE, onOrAfter(since));
        excluded.forEach(c ->
                map.add(Observation.SP_CODE, new TokenParam(c.system(), c.code()).setModifier(TokenParamModifier.NOT)));
        return search(map);
    }

    private static TokenOrListParam anyOf(List<Code> codes) {
        TokenOrListParam anyOf = new TokenOrListParam();
        codes.forEach(c -> anyOf.add(c.system(), c.code()));
        return anyOf;
    }

    private static DateParam onOrAfter(LocalDate day) {
        return new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, day.toString());
    }

    private SearchParameterMap newestFirst(int limit) {
        return newestFirst(Observation.SP_PATIENT, limit);
    }

    /** The patient's Observations by {@code patientParameter} (a reference search parameter), newest first. */
    private SearchParameterMap newestFirst(String patientParameter, int limit) {
        SearchParameterMap map =
                SearchParameterMap.newSynchronous().add(patientParameter, new ReferenceParam(patientReference));
        map.setSort(new SortSpec(Observation.SP_DATE, SortOrderEnum.DESC));
        map.setCount(limit);
        map.setLoadSynchronousUpTo(limit);
        return map;
    }

    private List<Observation> search(SearchParameterMap map) {
        @SuppressWarnings("unchecked")
        List<Observation> found = (List<Observation>) (List<?>)
                daoRegistry.getResourceDao(Observation.class).searchForResources(map, new SystemRequestDetails());
        return found;
    }
}
