package org.rehabfhir.server.search;

import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.svc.ISearchCoordinatorSvc;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.rest.api.CacheControlDirective;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.method.ResponsePage;
import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Location;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HAPI's search coordinator, with one change: a search whose whole result fits on its first page is answered at once,
 * without HAPI's stored search.
 *
 * <p>HAPI stores every paged search: an {@code HFJ_SEARCH} row and its {@code HFJ_SEARCH_RESULT} rows, written and read
 * back by a task thread, so that {@code next} links ({@code _getpages}) can serve the later pages from any server
 * process. Most searches of this server have one page (a patient's plans, the last weeks of a measure), and for them
 * that was about 40 % of the server's CPU per search (issue 15, docs/operations.md "Eighth round").
 *
 * <p>So a search with a page size of N first runs on HAPI's synchronous path for N + 1 matches, with HAPI's
 * de-duplication in the database (an offset of 0: one resource that matches through several index rows counts once).
 * If that finds at most N matches, and they fit on the page with their {@code _include}s, that is the answer: all of
 * it, with its {@code Bundle.total}, no {@code next} link, the same bundle a stored search gives for a one-page
 * result. Otherwise the search runs again as HAPI's stored search, unchanged, and the client pages on through
 * {@code next} links as before; the first attempt (N + 1 resources read and parsed) is then extra work.
 *
 * <p>Whether more matches exist is judged by what HAPI took from the database, not by what it returns, so an
 * interceptor that withholds resources (HAPI's consent service, {@code STORAGE_PREACCESS_RESOURCES}) cannot make a
 * longer result look complete. HAPI's authorization checks the resources of the first attempt as it checks any read.
 *
 * <p>Left to HAPI as they are: searches already synchronous (internal ones, {@code _offset}, {@code Cache-Control:
 * no-store}), those without a page size, {@code $everything}, {@code $lastn}, a search with a limit of its own
 * ({@code loadSynchronousUpTo}), a sort by distance ({@code _sort=near}) and {@code :iterate} includes.
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
        if (params.isWantOnlyCount()) {
            // _summary=count, _count=0: the count alone, nothing to page
            return hapi.registerSearch(dao, atOnce, resourceType, cacheControl, request);
        }
        int pageSize = params.getCount();
        atOnce.setCount(pageSize + 1);
        atOnce.setOffset(0);
        IBundleProvider found = hapi.registerSearch(dao, atOnce, resourceType, cacheControl, request);
        FetchedCount fetched = new FetchedCount();
        List<IBaseResource> resources = found.getResources(0, Integer.MAX_VALUE, fetched);
        if (isComplete(fetched.matches, found.size(), resources.size(), pageSize)) {
            SimpleBundleProvider answer =
                    new SimpleBundleProvider(resources, UUID.randomUUID().toString());
            answer.setSize(found.size());
            answer.setPreferredPageSize(pageSize);
            return answer;
        }
        log.debug("{} search has more than {} results: stored for paging", resourceType, pageSize);
        return hapi.registerSearch(dao, params, resourceType, cacheControl, request);
    }

    static boolean mayAnswerAtOnce(SearchParameterMap params, @Nullable CacheControlDirective cacheControl) {
        boolean hapiAnswersAtOnce = params.isLoadSynchronous()
                || params.getOffset() != null
                || (cacheControl != null && cacheControl.isNoStore());
        return !hapiAnswersAtOnce
                && params.getCount() != null
                && params.getLoadSynchronousUpTo() == null
                && params.getEverythingMode() == null
                && !params.isLastN()
                && !sortsByDistance(params.getSort())
                && !iterates(params.getIncludes())
                && !iterates(params.getRevIncludes());
    }

    /** HAPI 8.8's de-duplicating query cannot sort by distance (hapifhir/hapi-fhir#6709): PostgreSQL refuses it. */
    private static boolean sortsByDistance(@Nullable SortSpec sort) {
        for (SortSpec s = sort; s != null; s = s.getChain()) {
            if (Location.SP_NEAR.equals(s.getParamName())) {
                return true;
            }
        }
        return false;
    }

    /** HAPI's synchronous path applies {@code :iterate} includes in another order than its stored pages do. */
    private static boolean iterates(@Nullable Set<Include> includes) {
        return includes != null && includes.stream().anyMatch(Include::isRecurse);
    }

    /**
     * How many matches HAPI's synchronous search took from the database (distinct resources, before any interceptor
     * withheld one and before the list was cut to the count asked for): HAPI hands it to the page builder.
     */
    private static final class FetchedCount extends ResponsePage.ResponsePageBuilder {
        private int matches = -1;

        @Override
        public ResponsePage.ResponsePageBuilder setTotalRequestedResourcesFetched(int fetched) {
            matches = fetched;
            return super.setTotalRequestedResourcesFetched(fetched);
        }
    }

    /**
     * Complete: the database had no more matches than the page holds (HAPI fetched up to page size + 2), HAPI gives
     * the size (the matches it returns, without included resources), and the page holds them with their includes.
     *
     * @param fetched the matches HAPI took from the database, -1 if it did not say
     * @param size the matches HAPI returns, null if it found more than it was asked for
     * @param resources the matches and their included resources
     */
    static boolean isComplete(int fetched, @Nullable Integer size, int resources, int pageSize) {
        return fetched >= 0 && fetched <= pageSize && size != null && size <= pageSize && resources <= pageSize;
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
