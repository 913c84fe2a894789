package org.rehabfhir.server.search;

import ca.uhn.fhir.interceptor.api.IInterceptorBroadcaster;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.svc.ISearchCoordinatorSvc;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.CacheControlDirective;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.util.CompositeInterceptorBroadcaster;
import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
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
 * <p>Left to HAPI as they are: searches already synchronous (internal ones, {@code _offset}, {@code Cache-Control:
 * no-store}), those without a page size, {@code $everything}, {@code $lastn} and searches inside a transaction (their
 * own limit); and every search while an interceptor may withhold found resources ({@code STORAGE_PREACCESS_RESOURCES},
 * HAPI's consent service): the synchronous size would then not say whether more matches exist.
 */
public class StoreOnlyPagedSearchCoordinator implements ISearchCoordinatorSvc<JpaPid> {

    private static final Logger log = LoggerFactory.getLogger(StoreOnlyPagedSearchCoordinator.class);

    private final ISearchCoordinatorSvc<JpaPid> hapi;
    private final Supplier<IInterceptorBroadcaster> interceptors;
    private volatile IInterceptorBroadcaster jpaInterceptors;

    public StoreOnlyPagedSearchCoordinator(
            ISearchCoordinatorSvc<JpaPid> hapi, Supplier<IInterceptorBroadcaster> interceptors) {
        this.hapi = hapi;
        this.interceptors = interceptors;
    }

    @Override
    public IBundleProvider registerSearch(
            IFhirResourceDao<?> dao,
            SearchParameterMap params,
            String resourceType,
            CacheControlDirective cacheControl,
            @Nullable RequestDetails request) {
        if (!mayAnswerAtOnce(params, cacheControl) || resourcesMayBeWithheld(request)) {
            return hapi.registerSearch(dao, params, resourceType, cacheControl, request);
        }
        if (params.isWantOnlyCount()) {
            // _summary=count, _count=0: the count alone, nothing to page
            SearchParameterMap countOnly = params.clone();
            countOnly.setLoadSynchronous(true);
            return hapi.registerSearch(dao, countOnly, resourceType, cacheControl, request);
        }
        int pageSize = params.getCount();
        SearchParameterMap atOnce = params.clone();
        atOnce.setLoadSynchronous(true);
        atOnce.setCount(pageSize + 1);
        atOnce.setOffset(0);
        IBundleProvider found = hapi.registerSearch(dao, atOnce, resourceType, cacheControl, request);
        List<IBaseResource> resources = found.getResources(0, Integer.MAX_VALUE);
        if (isComplete(found.size(), resources.size(), pageSize)) {
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
                && !params.isLastN();
    }

    private boolean resourcesMayBeWithheld(@Nullable RequestDetails request) {
        if (jpaInterceptors == null) {
            jpaInterceptors = interceptors.get(); // resolved at the first search: HAPI's beans are made after this one
        }
        return CompositeInterceptorBroadcaster.newCompositeBroadcaster(jpaInterceptors, request)
                .hasHooks(Pointcut.STORAGE_PREACCESS_RESOURCES);
    }

    /**
     * HAPI's synchronous result gives its size (the matches, without included resources) only when it found fewer
     * matches and resources than it was asked for (here: page size + 1), or when the client asked for an accurate
     * total; the page must also hold the included resources.
     *
     * @param size the matches HAPI reports, null if it found more than it was asked for
     * @param resources the matches and their included resources
     */
    static boolean isComplete(@Nullable Integer size, int resources, int pageSize) {
        return size != null && size <= pageSize && resources <= pageSize;
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
