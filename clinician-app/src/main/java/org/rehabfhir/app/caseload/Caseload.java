package org.rehabfhir.app.caseload;

import java.util.List;

/** The caseload page: the rows, and notes about what the server did not let the app read. */
public record Caseload(List<CaseloadRow> rows, List<String> notes) {}
