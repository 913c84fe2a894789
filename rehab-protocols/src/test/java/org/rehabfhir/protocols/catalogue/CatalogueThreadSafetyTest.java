package org.rehabfhir.protocols.catalogue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.protocols.Fixtures.TODAY;
import static org.rehabfhir.protocols.Fixtures.icd;
import static org.rehabfhir.protocols.Fixtures.patientAged;

import ca.uhn.fhir.parser.IParser;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.Fixtures;
import org.rehabfhir.protocols.TestFhir;
import org.rehabfhir.protocols.apply.PlanApplier;
import org.rehabfhir.protocols.matching.SnomedSubsumption;
import org.rehabfhir.protocols.progress.ProgressEvaluator;
import org.rehabfhir.protocols.recommend.RegimenRecommender;

/**
 * The catalogue is shared by every request thread. What it hands out is the caller's own (HAPI's getters assign
 * elements, so a shared model object is written by readers); many threads using one catalogue get exactly the answer
 * one thread gets alone.
 */
class CatalogueThreadSafetyTest {

    private static final String KNEE_OA = "bw-knee-osteoarthritis";

    @Test
    void whatTheCatalogueHandsOutIsTheCallersOwn() {
        ProtocolCatalogue catalogue = ProtocolCatalogue.loadDefault(TestFhir.CTX);
        PlanDefinition mine = catalogue.planDefinitionById(KNEE_OA).orElseThrow();
        String phase1 = mine.getActionFirstRep().getDefinitionCanonicalType().getValue();
        mine.getAction().clear();
        mine.setTitle("changed by a caller");
        catalogue.planDefinitions().forEach(pd -> pd.getGoal().clear());
        ActivityDefinition ad = catalogue.activityDefinition(phase1).orElseThrow();
        ad.getTimingTiming().getRepeat().setFrequency(99);
        catalogue.allResources().forEach(r -> r.setId("changed"));

        PlanDefinition again = catalogue.planDefinitionById(KNEE_OA).orElseThrow();
        assertThat(again.getAction()).isNotEmpty();
        assertThat(again.getGoal()).isNotEmpty();
        assertThat(again.getTitle()).isNotEqualTo("changed by a caller");
        assertThat(catalogue
                        .activityDefinition(phase1)
                        .orElseThrow()
                        .getTimingTiming()
                        .getRepeat()
                        .getFrequency())
                .isNotEqualTo(99);
        assertThat(catalogue.allResources())
                .noneMatch(r -> r.getIdElement().getIdPart().equals("changed"));
        assertThat(catalogue.planDefinitionById(KNEE_OA)).get().isNotSameAs(again);
    }

    @Test
    void concurrentRequestsOnOneCatalogueAnswerAsASingleThreadDoes() throws Exception {
        ProtocolCatalogue catalogue = ProtocolCatalogue.loadDefault(TestFhir.CTX);
        RegimenRecommender recommender = new RegimenRecommender(catalogue, SnomedSubsumption.UNKNOWN, Fixtures.ZONE);
        PlanApplier applier = new PlanApplier(catalogue);
        ProgressEvaluator evaluator = new ProgressEvaluator(catalogue, Fixtures.ZONE);
        IParser json = TestFhir.CTX.newJsonParser();
        Callable<String> request = () -> {
            var patient = patientAged(68);
            patient.setId("p1");
            var result = recommender.recommend(patient, List.of(icd("M17.11", "OA right knee")), List.of(), TODAY);
            String recommended = result.candidates().get(0).carePlan().getTitle();
            PlanDefinition pd = catalogue.planDefinitionById(KNEE_OA).orElseThrow();
            CarePlan plan =
                    applier.apply(pd, new Reference("Patient/p1"), new Reference("Practitioner/x"), TODAY, null);
            plan.setId("cp1");
            String decision = json.encodeResourceToString(
                    evaluator.evaluate(plan, List.of()).toParameters());
            return recommended + "|" + json.encodeResourceToString(plan) + "|" + decision;
        };
        String alone = request.call();

        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<String>>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                start.await();
                List<String> answers = new ArrayList<>();
                for (int i = 0; i < 25; i++) {
                    answers.add(request.call());
                }
                return answers;
            }));
        }
        start.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
        for (Future<List<String>> f : futures) {
            assertThat(f.get()).containsOnly(alone);
        }
    }
}
