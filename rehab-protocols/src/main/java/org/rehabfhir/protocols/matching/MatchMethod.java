package org.rehabfhir.protocols.matching;

/** How a patient's record matched a regimen's condition. Declared from most to least direct. */
public enum MatchMethod {
    /** The SNOMED CT code is the regimen's concept itself. */
    SNOMED_EXACT("exact SNOMED CT code"),
    /** The ICD-10-CM code starts with a prefix stated in the clinical brief. */
    ICD10CM_PREFIX("ICD-10-CM prefix"),
    /**
     * The code of another ICD-10 edition (WHO ICD-10, ICD-10-GM, ...) starts with that edition's prefix mapped from
     * the brief's ICD-10-CM prefix ({@link Icd10Editions}).
     */
    ICD10_EDITION_PREFIX("ICD-10 edition prefix (mapped from ICD-10-CM)"),
    /** The code is one of our own condition-group codes. */
    LOCAL_CODE("local condition-group code"),
    /** A terminology server's $subsumes said the code is a descendant. */
    TERMINOLOGY_SERVER("SNOMED CT descendant (terminology server $subsumes)"),
    /** The curated descendant table says the code is a descendant. */
    CURATED_DESCENDANT("SNOMED CT descendant (curated table)"),
    /** The ICD-10-CM code starts with a prefix the project added (not in the brief). */
    CURATED_ICD10CM_PREFIX("ICD-10-CM prefix (curated by the project)"),
    /** An Observation (e.g. 3-metre backward walk test, fall history) rather than a Condition. */
    OBSERVATION("observation"),
    /** Free text of the Condition (only used for conditions without a template). */
    TEXT("condition text");

    private final String description;

    MatchMethod(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
