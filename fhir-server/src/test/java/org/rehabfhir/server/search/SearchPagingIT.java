package org.rehabfhir.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.support.TestData.*;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractStorageIT;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Issue 15: a search whose result fits on its first page is answered without HAPI's stored search
 * ({@link StoreOnlyPagedSearchCoordinator}); a longer one is paged as docs/api-guide.md "Paging and limits" says:
 * {@code next} links through the stored search, every match once, {@code Bundle.total} accurate.
 */
class SearchPagingIT extends AbstractStorageIT {

    private static final String TUG = "89423-8";
    private static final String OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";

    @Autowired
    private DataSource dataSource;

    private String patientId;

    @BeforeEach
    void createPatient() {
        patientId = "paging-" + UUID.randomUUID().toString().substring(0, 8);
        Patient patient = patient(uniqueMrn());
        patient.setId("Patient/" + patientId);
        client.update().resource(patient).execute();
    }

    @Test
    void aResultThatFitsOnItsFirstPageIsAnsweredWholeWithoutAStoredSearch() {
        Set<String> created = createTimedUpAndGos(3);

        Bundle page = search("Observation?subject=Patient/" + patientId + "&code=" + LOINC + "|" + TUG);

        assertThat(ids(page)).containsExactlyInAnyOrderElementsOf(created);
        assertThat(page.getTotal()).isEqualTo(3);
        assertThat(page.getLink(Bundle.LINK_NEXT)).isNull();
        assertThat(storedSearches()).isZero();
    }

    @Test
    void aResultLongerThanAPageIsPagedThroughAStoredSearchWithEveryMatchOnce() {
        Set<String> created = createTimedUpAndGos(45);

        Bundle page = search("Observation?subject=Patient/" + patientId + "&_count=20");
        // a stored search has its total when HAPI's count finished before the first page was sent (HAPI's way)
        if (page.hasTotal()) {
            assertThat(page.getTotal()).isEqualTo(45);
        }
        assertThat(page.getEntry()).hasSize(20);
        assertThat(page.getLink(Bundle.LINK_NEXT).getUrl()).contains("_getpages=");

        assertThat(idsOfAllPages(page)).hasSize(45).containsExactlyInAnyOrderElementsOf(created);
        assertThat(storedSearches()).isEqualTo(1);
    }

    @Test
    void aResultOfExactlyOnePageHasNoNextLink() {
        Set<String> created = createTimedUpAndGos(5);

        Bundle page = search("Observation?subject=Patient/" + patientId + "&_count=5");

        assertThat(ids(page)).containsExactlyInAnyOrderElementsOf(created);
        assertThat(page.getTotal()).isEqualTo(5);
        assertThat(page.getLink(Bundle.LINK_NEXT)).isNull();
        assertThat(storedSearches()).isZero();
    }

    @Test
    void aSearchForOneResourceFindsItWithoutAStoredSearch() {
        Set<String> created = createTimedUpAndGos(1);

        Bundle page = search("Observation?subject=Patient/" + patientId + "&_count=1");

        assertThat(ids(page)).containsExactlyElementsOf(created);
        assertThat(page.getTotal()).isEqualTo(1);
        assertThat(storedSearches()).isZero();
    }

    @Test
    void aResourceMatchingThroughSeveralValuesCountsOnceAndALongResultIsStillPaged() {
        // each Observation has both categories: the database finds it through two index rows
        Set<String> created = createTimedUpAndGos(25, "activity");

        Bundle page = search("Observation?subject=Patient/" + patientId + "&category=exam,activity&_count=20");
        assertThat(page.getEntry()).hasSize(20);
        assertThat(page.getLink(Bundle.LINK_NEXT)).isNotNull();
        assertThat(idsOfAllPages(page)).hasSize(25).containsExactlyInAnyOrderElementsOf(created);
    }

    @Test
    void anAccurateTotalWithIncludesThatDoNotFitThePageKeepsTheIncludes() {
        Set<String> created = createTimedUpAndGos(3);

        Bundle page = search(
                "Observation?subject=Patient/" + patientId + "&_include=Observation:subject&_total=accurate&_count=3");

        assertThat(page.getTotal()).isEqualTo(3);
        assertThat(matches(page)).containsExactlyInAnyOrderElementsOf(created);
        assertThat(page.getEntry())
                .filteredOn(e -> e.getSearch().getMode() == Bundle.SearchEntryMode.INCLUDE)
                .hasSize(1);
    }

    @Test
    void aResultOfOneMoreThanAPageHasASecondPageOfOne() {
        createTimedUpAndGos(6);

        Bundle page = search("Observation?subject=Patient/" + patientId + "&_count=5");
        assertThat(page.getEntry()).hasSize(5);

        Bundle second = client.loadPage().next(page).execute();
        assertThat(second.getEntry()).hasSize(1);
        assertThat(ids(page)).doesNotContainAnyElementsOf(ids(second));
    }

    @Test
    void includedResourcesAreAddedAndNotCountedAsMatches() {
        Set<String> created = createTimedUpAndGos(3);

        Bundle page = search("Observation?subject=Patient/" + patientId + "&_include=Observation:subject");

        assertThat(page.getTotal()).isEqualTo(3);
        assertThat(matches(page)).containsExactlyInAnyOrderElementsOf(created);
        assertThat(page.getEntry())
                .filteredOn(e -> e.getSearch().getMode() == Bundle.SearchEntryMode.INCLUDE)
                .extracting(e -> e.getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .containsExactly("Patient/" + patientId);
        assertThat(page.getLink(Bundle.LINK_NEXT)).isNull();
        assertThat(storedSearches()).isZero();
    }

    @Test
    void aSortedResultOnOnePageIsInTheAskedOrder() {
        createTimedUpAndGos(4);

        Bundle page = search("Observation?subject=Patient/" + patientId + "&_sort=-date");

        List<String> dates = page.getEntry().stream()
                .map(e -> ((Observation) e.getResource())
                        .getEffectiveDateTimeType()
                        .getValueAsString())
                .toList();
        assertThat(dates).hasSize(4).isSortedAccordingTo((a, b) -> b.compareTo(a));
        assertThat(storedSearches()).isZero();
    }

    @Test
    void summaryCountGivesTheTotalOfALongResultWithoutEntries() {
        createTimedUpAndGos(25);

        Bundle count = search("Observation?subject=Patient/" + patientId + "&_summary=count");

        assertThat(count.getTotal()).isEqualTo(25);
        assertThat(count.getEntry()).isEmpty();
        assertThat(storedSearches()).isZero();
    }

    @Test
    void offsetPagingStillPagesByOffset() {
        createTimedUpAndGos(25);

        Bundle page = search("Observation?subject=Patient/" + patientId + "&_count=10&_offset=20");

        assertThat(page.getEntry()).hasSize(5);
        assertThat(page.getLink(Bundle.LINK_NEXT)).isNull();
        assertThat(storedSearches()).isZero();
    }

    @Test
    void aWriteIsFoundByTheNextSearch() {
        createTimedUpAndGos(2);
        String url = "Observation?subject=Patient/" + patientId;
        assertThat(search(url).getTotal()).isEqualTo(2);

        createTimedUpAndGos(1);

        assertThat(search(url).getTotal()).isEqualTo(3);
        assertThat(storedSearches()).isZero();
    }

    @Test
    void aSortByDistanceIsAnswered() {
        // HAPI 8.8 cannot sort its de-duplicating query by distance (hapifhir/hapi-fhir#6709): left to the stored
        // search
        Location near = new Location().setName(patientId + " gym");
        near.getPosition().setLatitude(52.52).setLongitude(13.405);
        Location far = new Location().setName(patientId + " pool");
        far.getPosition().setLatitude(52.60).setLongitude(13.405);
        client.create().resource(far).execute();
        client.create().resource(near).execute();

        Bundle page = search("Location?near=52.52|13.405|50|km&name=" + patientId + "&_sort=near");

        assertThat(page.getEntry())
                .extracting(e -> ((Location) e.getResource()).getName())
                .containsExactly(patientId + " gym", patientId + " pool");
    }

    private Bundle search(String url) {
        return client.search().byUrl(url).returnBundle(Bundle.class).execute();
    }

    private Set<String> createTimedUpAndGos(int n) {
        return createTimedUpAndGos(n, null);
    }

    /**
     * Posted as one transaction; every Observation a day apart, so that a sort by date has one order.
     *
     * @param secondCategory a code of HL7's observation-category besides "exam", or null
     */
    private Set<String> createTimedUpAndGos(int n, String secondCategory) {
        Bundle batch = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        int offset = existingObservations();
        for (int i = 0; i < n; i++) {
            String day = LocalDate.of(2026, 1, 1).plusDays(offset + i).toString();
            Observation observation = timedUpAndGo("Patient/" + patientId, 10 + i % 5, day + "T10:00:00Z");
            if (secondCategory != null) {
                observation.addCategory().addCoding(new Coding(OBSERVATION_CATEGORY, secondCategory, null));
            }
            batch.addEntry()
                    .setResource(observation)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Observation");
        }
        Bundle response = client.transaction().withBundle(batch).execute();
        return response.getEntry().stream()
                .map(e -> new IdType(e.getResponse().getLocation())
                        .toUnqualifiedVersionless()
                        .getValue())
                .collect(Collectors.toSet());
    }

    private int existingObservations() {
        return search("Observation?subject=Patient/" + patientId + "&_summary=count")
                .getTotal();
    }

    /** HAPI's stored searches of this test's patient (its id is in the stored query string). */
    private int storedSearches() {
        return new JdbcTemplate(dataSource)
                .queryForObject(
                        "SELECT count(*) FROM hfj_search WHERE search_query_string_vc LIKE ?",
                        Integer.class,
                        "%" + patientId + "%");
    }

    /** The matches of this page and of every page its next links lead to. */
    private List<String> idsOfAllPages(Bundle page) {
        List<String> seen = new ArrayList<>(ids(page));
        while (page.getLink(Bundle.LINK_NEXT) != null) {
            page = client.loadPage().next(page).execute();
            seen.addAll(ids(page));
        }
        return seen;
    }

    private static List<String> matches(Bundle bundle) {
        return ids(bundle.getEntry().stream()
                .filter(e -> e.getSearch().getMode() == Bundle.SearchEntryMode.MATCH)
                .toList());
    }
}
