package org.rehabfhir.protocols.matching;

/**
 * A condition the catalogue deliberately has no template for (hip fracture, knee/hip replacement, ankle surgery):
 * the clinician must author the plan.
 *
 * @param group condition-group code, e.g. {@code hip-fracture}
 * @param match how it was recognised
 */
public record ClinicianAuthoredFinding(String group, ConditionMatch match) {}
