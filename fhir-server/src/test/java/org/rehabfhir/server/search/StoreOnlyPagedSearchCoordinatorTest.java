package org.rehabfhir.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.rest.api.CacheControlDirective;
import ca.uhn.fhir.rest.api.SortSpec;
import org.hl7.fhir.r4.model.Location;
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
        SearchParameterMap byDistance = paged();
        byDistance.setSort(new SortSpec("name").setChain(new SortSpec(Location.SP_NEAR)));
        assertThat(StoreOnlyPagedSearchCoordinator.mayAnswerAtOnce(byDistance, null))
                .as("_sort=near (hapifhir/hapi-fhir#6709)")
                .isFalse();
        SearchParameterMap iterating = paged();
        iterating.addInclude(new Include("CarePlan:goal"));
        iterating.addRevInclude(new Include("Observation:based-on", true));
        assertThat(StoreOnlyPagedSearchCoordinator.mayAnswerAtOnce(iterating, null))
                .as(":iterate")
                .isFalse();
    }

    @Test
    void aResultIsCompleteOnlyWhenItsSizeIsKnownAndItFitsThePageWithItsIncludes() {
        assertThat(StoreOnlyPagedSearchCoordinator.isComplete(20, 20, 20, 20)).isTrue();
        assertThat(StoreOnlyPagedSearchCoordinator.isComplete(3, 3, 4, 20))
                .as("3 matches and 1 included")
                .isTrue();
        assertThat(StoreOnlyPagedSearchCoordinator.isComplete(21, 20, 21, 20)).isFalse();
        assertThat(StoreOnlyPagedSearchCoordinator.isComplete(22, null, 21, 20))
                .as("HAPI: more matches than asked for")
                .isFalse();
        assertThat(StoreOnlyPagedSearchCoordinator.isComplete(18, 18, 23, 20))
                .as("_total=accurate: 18 matches, but their includes do not fit the page")
                .isFalse();
        assertThat(StoreOnlyPagedSearchCoordinator.isComplete(21, 19, 19, 20))
                .as("21 matches in the database, 2 withheld by an interceptor")
                .isFalse();
        assertThat(StoreOnlyPagedSearchCoordinator.isComplete(-1, 3, 3, 20))
                .as("HAPI did not say how many it fetched")
                .isFalse();
    }

    private static SearchParameterMap paged() {
        SearchParameterMap map = new SearchParameterMap();
        map.setCount(20);
        return map;
    }
}
