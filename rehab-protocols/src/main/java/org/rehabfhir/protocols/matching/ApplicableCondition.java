package org.rehabfhir.protocols.matching;

import java.util.List;
import java.util.OptionalInt;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.protocols.catalogue.RehabCodes;

/**
 * The {@code applicable-condition} extension of a PlanDefinition, read once. {@code historyMaxDaysSinceOnset}: a
 * resolved or inactive Condition of the group with onset within that many days (or coded with a
 * {@code historySequelaIcdPrefixes} prefix) still makes the regimen a candidate, marked {@code historyNote}.
 */
public record ApplicableCondition(
        String group,
        String groupDisplay,
        List<Coding> snomed,
        List<String> icdPrefixes,
        List<String> curatedIcdPrefixes,
        List<String> requiresAlsoIcdPrefixes,
        OptionalInt minDaysSinceOnset,
        OptionalInt maxDaysSinceOnset,
        OptionalInt minAgeYears,
        OptionalInt historyMaxDaysSinceOnset,
        String historyNote,
        List<String> historySequelaIcdPrefixes) {

    public static List<ApplicableCondition> of(PlanDefinition pd) {
        return pd.getExtensionsByUrl(RehabCodes.EXT_APPLICABLE_CONDITION).stream()
                .map(ApplicableCondition::read)
                .toList();
    }

    private static ApplicableCondition read(Extension e) {
        Coding group = (Coding) e.getExtensionByUrl("group").getValue();
        return new ApplicableCondition(
                group.getCode(),
                group.getDisplay(),
                e.getExtensionsByUrl("snomed").stream()
                        .map(x -> (Coding) x.getValue())
                        .toList(),
                strings(e, "icd10cmPrefix"),
                strings(e, "curatedIcd10cmPrefix"),
                strings(e, "requiresAlsoIcd10cmPrefix"),
                ProtocolCatalogue.intSubExtension(e, "minDaysSinceOnset"),
                ProtocolCatalogue.intSubExtension(e, "maxDaysSinceOnset"),
                ProtocolCatalogue.intSubExtension(e, "minAgeYears"),
                ProtocolCatalogue.intSubExtension(e, "historyMaxDaysSinceOnset"),
                strings(e, "historyNote").stream().findFirst().orElse("history: confirm rehabilitation need"),
                strings(e, "historySequelaIcd10cmPrefix"));
    }

    private static List<String> strings(Extension e, String url) {
        return e.getExtensionsByUrl(url).stream()
                .map(x -> x.getValue().primitiveValue())
                .toList();
    }
}
