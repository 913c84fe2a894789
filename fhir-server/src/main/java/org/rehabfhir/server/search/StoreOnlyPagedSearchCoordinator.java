package org.rehabfhir.server.search;

import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.svc.ISearchCoordinatorSvc;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.CacheControlDirective;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HAPI's search coordinator, with one change: a search whose whole result fits on its first page is answered at once,
 * without HAPI's stored search.
 *
 * <p>HAPI stores every paged search: an {@code HFJ_SEARCH} row and its {@code HFJ_SEARCH_RESULT} rows, written and read
 * back by a task thread, so that {@code next} links ({@code _getpages}) can serve the later pages from any server
 * process. Most searches of this server have one page (a patient's plans, the last weeks of a measure), and for them
 * that costs about 40 % of the server's CPU per search (issue 15, docs/operations.md "Eighth round").
 *
 * <p>So a search with a page size first runs on HAPI's synchronous path, limited to the page size plus one. If the
 * result is complete (no more matches than the page size), that is the answer: all of it, its accurate
 * {@code Bundle.total}, and no {@code next} link, the same bundle a stored search gives for a one-page result. If
 * there are more matches, the search runs again as HAPI's stored search, unchanged: the client pages on through
 * {@code next} links as before, and pays one small extra query (at most page size plus one ids).
 *
 * <p>Left to HAPI as they are: searches already synchronous (internal ones, {@code _offset}, {@code Cache-Control:
 * no-store}), those without a page size, {@code $everything}, {@code $lastn} and searches inside a transaction (their
 * own limit).
 */
public class StoreOnlyPagedSearchCoordinator implements ISearchCoordinatorSvc<JpaPid> {

    private static final Logger log = LoggerFactory.getLogger(StoreOnlyPagedSearchCoordinator.class);

    private final ISearchCoordinatorSvc<JpaPid> hapi;

    public StoreOnlyPagedSearchCoordinator(ISearchCoordinatorSvc<JpaPid> hapi) {
        this.hapi = hapi;
    }

    @Override
    public IBundleProvider registerSearch(
            IFhirResourceDao<?> dao,
            SearchParameterMap params,
            String resourceType,
            CacheControlDirective cacheControl,
            @Nullable RequestDetails request) {
        if (!mayAnswerAtOnce(params, cacheControl)) {
            return hapi.registerSearch(dao, params, resourceType, cacheControl, request);
        }
        SearchParameterMap atOnce = params.clone();
        atOnce.setLoadSynchronous(true);
        IBundleProvider answer = hapi.registerSearch(dao, atOnce, resourceType, cacheControl, request);
        if (params.isWantOnlyCount() || isComplete(answer, params.getCount())) {
            return answer;
        }
        log.debug("{} search has more than {} results: stored for paging", resourceType, params.getCount());
        return hapi.registerSearch(dao, params, resourceType, cacheControl, request);
    }

    static boolean mayAnswerAtOnce(SearchParameterMap params, @Nullable CacheControlDirective cacheControl) {
        boolean hapiAnswersAtOnce = params.isLoadSynchronous()
                || params.isOffsetQuery()
                || (cacheControl != null && cacheControl.isNoStore());
        return !hapiAnswersAtOnce
                && params.getCount() != null
                && params.getLoadSynchronousUpTo() == null
                && params.getEverythingMode() == null
                && !params.isLastN();
    }

    /**
     * HAPI's synchronous result gives its size only when it has all the matches (more than the page size: unknown);
     * included resources are not counted.
     */
    static boolean isComplete(IBundleProvider answer, int pageSize) {
        Integer size = answer.size();
        return size != null && size <= pageSize;
    }

    @Override
    public void cancelAllActiveSearches() {
        hapi.cancelAllActiveSearches();
    }

    @Override
    public List<JpaPid> getResources(
            String uuid, int from, int to, @Nullable RequestDetails request, RequestPartitionId partition) {
        return hapi.getResources(uuid, from, to, request, partition);
    }

    @Override
    public Optional<Integer> getSearchTotal(
            String uuid, @Nullable RequestDetails request, RequestPartitionId partition) {
        return hapi.getSearchTotal(uuid, request, partition);
    }
}
