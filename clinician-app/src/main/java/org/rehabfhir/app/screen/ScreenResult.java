package org.rehabfhir.app.screen;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Reference;

/**
 * The answer of {@code Patient/{id}/$screen}: the overall status and, per criterion, its result with the evidence
 * (Conditions, Observations) it used.
 */
public record ScreenResult(String status, String statusLabel, String conditionGroup, List<Criterion> criteria) {

    /** {@code kind}: ok (passed, not applicable), bad (excluded), warn (override needed, not assessed), info (raises supervision). */
    public record Criterion(
            String code,
            String label,
            String status,
            String statusLabel,
            String kind,
            String detail,
            List<String> evidence) {}

    public boolean clear() {
        return "clear".equals(status);
    }

    /** Activation then needs a reason from the clinician. */
    public boolean overrideNeeded() {
        return "needs-review".equals(status) || "override-needed".equals(status);
    }

    public static ScreenResult from(Parameters p) {
        String status = "";
        String label = "";
        if (p.getParameter("status") != null) {
            if (p.getParameter("status").getValue() instanceof Coding c) {
                status = c.getCode();
                label = c.hasDisplay() ? c.getDisplay() : c.getCode();
            } else {
                status = p.getParameter("status").getValue().primitiveValue();
                label = status;
            }
        }
        String group = p.getParameter("conditionGroup") == null
                ? ""
                : p.getParameter("conditionGroup").getValue().primitiveValue();
        List<Criterion> criteria = new ArrayList<>();
        for (ParametersParameterComponent c : p.getParameter()) {
            if (!"criterion".equals(c.getName())) {
                continue;
            }
            Coding code = new Coding();
            String cStatus = "";
            String detail = "";
            List<String> evidence = new ArrayList<>();
            for (ParametersParameterComponent part : c.getPart()) {
                switch (part.getName()) {
                    case "code" -> code = part.getValue() instanceof Coding k ? k : code;
                    case "status" -> cStatus = part.getValue().primitiveValue();
                    case "detail" -> detail = part.getValue().primitiveValue();
                    case "evidence" -> {
                        if (part.getValue() instanceof Reference r) {
                            evidence.add(r.getReference());
                        }
                    }
                    default -> {}
                }
            }
            criteria.add(new Criterion(
                    code.getCode(),
                    code.hasDisplay() ? code.getDisplay() : code.getCode(),
                    cStatus,
                    criterionLabel(cStatus),
                    kind(cStatus),
                    detail,
                    evidence));
        }
        return new ScreenResult(status, label, group, criteria);
    }

    static String criterionLabel(String status) {
        return switch (status) {
            case "passed" -> "Passed";
            case "excluded" -> "Failed (excluded)";
            case "override-needed" -> "Relative: clinician override";
            case "not-assessed" -> "Not assessed";
            case "raises-supervision" -> "Raises supervision";
            case "not-applicable" -> "Not applicable";
            default -> status;
        };
    }

    static String kind(String status) {
        return switch (status) {
            case "passed", "not-applicable" -> "ok";
            case "excluded" -> "alert";
            case "override-needed", "not-assessed" -> "warn";
            default -> "info";
        };
    }
}
