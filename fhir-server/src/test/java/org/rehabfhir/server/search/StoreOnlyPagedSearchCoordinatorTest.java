package org.rehabfhir.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.CacheControlDirective;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import org.junit.jupiter.api.Test;

class StoreOnlyPagedSearchCoordinatorTest {

    @Test
    void aPagedSearchIsFirstTriedAtOnce() {
        assertThat(StoreOnlyPagedSearchCoordinator.mayAnswerAtOnce(paged(), new CacheControlDirective()))
                .isTrue();
    }

    @Test
    void searchesHapiAnswersAtOnceOrPagesItsOwnWayAreLeftToHapi() {
        assertThat(StoreOnlyPagedSearchCoordinator.mayAnswerAtOnce(new SearchParameterMap(), null))
                .as("no page size")
                .isFalse();
        assertThat(StoreOnlyPagedSearchCoordinator.mayAnswerAtOnce(paged().setLoadSynchronous(true), null))
                .as("already synchronous")
                .isFalse();
        SearchParameterMap offset = paged();
        offset.setOffset(40);
        assertThat(StoreOnlyPagedSearchCoordinator.mayAnswerAtOnce(offset, null))
                .as("_offset")
                .isFalse();
        assertThat(StoreOnlyPagedSearchCoordinator.mayAnswerAtOnce(
                        paged(), new CacheControlDirective().setNoStore(true)))
                .as("Cache-Control: no-store")
                .isFalse();
        assertThat(StoreOnlyPagedSearchCoordinator.mayAnswerAtOnce(paged().setLoadSynchronousUpTo(100), null))
                .as("a search inside a transaction")
                .isFalse();
        SearchParameterMap everything = paged();
        everything.setEverythingMode(SearchParameterMap.EverythingModeEnum.PATIENT_INSTANCE);
        assertThat(StoreOnlyPagedSearchCoordinator.mayAnswerAtOnce(everything, null))
                .as("$everything")
                .isFalse();
        SearchParameterMap lastN = paged();
        lastN.setLastN(true);
        assertThat(StoreOnlyPagedSearchCoordinator.mayAnswerAtOnce(lastN, null))
                .as("$lastn")
                .isFalse();
    }

    @Test
    void aResultIsCompleteOnlyWhenItsSizeIsKnownAndFitsThePage() {
        assertThat(StoreOnlyPagedSearchCoordinator.isComplete(new SimpleBundleProvider().setSize(20), 20))
                .isTrue();
        assertThat(StoreOnlyPagedSearchCoordinator.isComplete(new SimpleBundleProvider().setSize(21), 20))
                .isFalse();
        assertThat(StoreOnlyPagedSearchCoordinator.isComplete(new SimpleBundleProvider().setSize(null), 20))
                .as("HAPI: more matches than the page")
                .isFalse();
    }

    private static SearchParameterMap paged() {
        SearchParameterMap map = new SearchParameterMap();
        map.setCount(20);
        return map;
    }
}
