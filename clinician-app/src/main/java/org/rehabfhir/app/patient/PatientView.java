package org.rehabfhir.app.patient;

import java.util.List;

/** The patient page: who, what they have, what was referred, planned and measured. */
public record PatientView(
        String id,
        String name,
        String details,
        List<ConditionRow> conditions,
        List<ReferralRow> referrals,
        List<PlanRow> plans,
        List<TrendRow> trends,
        List<String> notes) {

    public record ConditionRow(
            String text, String codes, String clinicalStatus, String verificationStatus, String onset) {}

    public record ReferralRow(String id, String status, String reason, String authored, String performer) {}

    /**
     * @param current active, on-hold or draft (the plan the buttons act on)
     */
    public record PlanRow(String id, String title, String status, String created, String period, boolean current) {

        public boolean active() {
            return "active".equals(status);
        }

        public boolean draft() {
            return "draft".equals(status);
        }

        public boolean onHold() {
            return "on-hold".equals(status);
        }
    }

    /** First and latest value of an outcome measure. */
    public record TrendRow(
            String measure,
            String unit,
            int count,
            String first,
            String firstDate,
            String latest,
            String latestDate,
            String change) {}

    /** The plan the session, progress and handout buttons act on: active, else on hold. */
    public PlanRow currentPlan() {
        return plans.stream()
                .filter(PlanRow::active)
                .findFirst()
                .or(() -> plans.stream().filter(PlanRow::onHold).findFirst())
                .orElse(null);
    }

    public PlanRow draftPlan() {
        return plans.stream().filter(PlanRow::draft).findFirst().orElse(null);
    }
}
