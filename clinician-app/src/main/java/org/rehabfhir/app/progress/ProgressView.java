package org.rehabfhir.app.progress;

import java.util.List;

/** Physiotherapist screen 6: the plan's charts, the {@code $evaluate-progress} decision with its reasons, what applying it changes. */
public record ProgressView(
        String planId,
        String planTitle,
        String planStatus,
        String patientId,
        String patientName,
        String decision,
        String decisionLabel,
        List<String> reasons,
        String proposal,
        int sessionsEvaluated,
        List<Chart> charts,
        List<String> goals) {

    /** One chart: its measure, the JSON spec for charts.js, and the values as a table (for screen readers). */
    public record Chart(String key, String title, String spec, List<String[]> rows) {}

    public boolean canApply() {
        return "active".equals(planStatus) && ("progress".equals(decision) || "regress".equals(decision));
    }

    public boolean canRegress() {
        return "active".equals(planStatus);
    }

    public boolean onHold() {
        return "on-hold".equals(planStatus);
    }
}
