package org.rehabfhir.app.fhir;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseOperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.StringType;

/**
 * The issues of an OperationOutcome, sorted to the form fields they concern, so that a page can show each message
 * next to its field (and the rest at the top of the form).
 *
 * <p>A field is recognised in an issue's {@code expression} or {@code location} ({@code ...item[linkId=mmse]},
 * {@code Parameters.parameter[name=speed]}, {@code ...where(name='speed')}), else by its name quoted or as a whole
 * word in {@code diagnostics}.
 */
public record Issues(Map<String, List<String>> byField, List<String> general) {

    /** Key of {@link #byField} for messages that concern no known field. */
    private static final Pattern BRACKETED = Pattern.compile("(?:linkId|name)\\s*=\\s*'?([A-Za-z0-9._-]+)'?");

    public static Issues none() {
        return new Issues(Map.of(), List.of());
    }

    public static Issues of(String message) {
        return new Issues(Map.of(), List.of(message));
    }

    public boolean isEmpty() {
        return byField.isEmpty() && general.isEmpty();
    }

    public boolean has(String field) {
        return byField.containsKey(field);
    }

    public List<String> of(String field, List<String> fallback) {
        return byField.getOrDefault(field, fallback);
    }

    public String text(String field) {
        return String.join(" ", byField.getOrDefault(field, List.of()));
    }

    /** Sorts the issues of a FHIR error answer (its OperationOutcome, else its message). */
    public static Issues from(BaseServerResponseException error, Collection<String> fields) {
        IBaseOperationOutcome outcome = error.getOperationOutcome();
        if (outcome instanceof OperationOutcome oo && !oo.getIssue().isEmpty()) {
            return from(oo, fields);
        }
        return of(error.getMessage());
    }

    public static Issues from(OperationOutcome outcome, Collection<String> fields) {
        Map<String, List<String>> byField = new LinkedHashMap<>();
        List<String> general = new ArrayList<>();
        for (OperationOutcome.OperationOutcomeIssueComponent issue : outcome.getIssue()) {
            String message = message(issue);
            String field = fieldOf(issue, fields);
            if (field == null) {
                general.add(message);
            } else {
                byField.computeIfAbsent(field, f -> new ArrayList<>()).add(message);
            }
        }
        return new Issues(byField, general);
    }

    static String message(OperationOutcome.OperationOutcomeIssueComponent issue) {
        if (issue.hasDiagnostics()) {
            return issue.getDiagnostics();
        }
        if (issue.getDetails().hasText()) {
            return issue.getDetails().getText();
        }
        if (issue.getDetails().hasCoding()) {
            return issue.getDetails().getCodingFirstRep().getDisplay();
        }
        return issue.getCode() == null ? "Problem" : issue.getCode().getDisplay();
    }

    static String fieldOf(OperationOutcome.OperationOutcomeIssueComponent issue, Collection<String> fields) {
        List<String> paths = new ArrayList<>();
        issue.getExpression().stream().map(StringType::getValue).forEach(paths::add);
        issue.getLocation().stream().map(StringType::getValue).forEach(paths::add);
        for (String path : paths) {
            if (path == null) {
                continue;
            }
            Matcher m = BRACKETED.matcher(path);
            while (m.find()) {
                if (fields.contains(m.group(1))) {
                    return m.group(1);
                }
            }
        }
        String text = (issue.getDiagnostics() == null ? "" : issue.getDiagnostics()) + " " + String.join(" ", paths);
        for (String field : fields) {
            if (text.contains("'" + field + "'")
                    || text.contains("\"" + field + "\"")
                    || Pattern.compile("(?<![A-Za-z0-9_-])" + Pattern.quote(field) + "(?![A-Za-z0-9_-])")
                            .matcher(text)
                            .find()) {
                return field;
            }
        }
        return null;
    }
}
