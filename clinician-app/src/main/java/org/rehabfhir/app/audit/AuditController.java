package org.rehabfhir.app.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import org.rehabfhir.app.AppProperties;
import org.rehabfhir.app.fhir.FhirApi;
import org.rehabfhir.app.web.Ids;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** The auditor's screens: a patient's access log, outcomes by condition cohort, the audit chain. Read-only. */
@Controller
public class AuditController {

    private final FhirApi api;
    private final AuditService audit;
    private final AppProperties properties;
    private final ObjectMapper json;

    public AuditController(FhirApi api, AuditService audit, AppProperties properties, ObjectMapper json) {
        this.api = api;
        this.audit = audit;
        this.properties = properties;
        this.json = json;
    }

    @GetMapping("/audit")
    public String accessLog(
            @RequestParam(required = false) String patient,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate from,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate to,
            @RequestParam(required = false) String agent,
            @RequestParam(defaultValue = "false") boolean refused,
            @RequestParam(defaultValue = "0") int offset,
            Model model) {
        AccessLogFilter filter = new AccessLogFilter(
                patient == null ? null : patient.trim(), from, to, agent, refused, Math.max(0, offset));
        model.addAttribute("filter", filter);
        if (filter.hasPatient()) {
            Ids.require(filter.patient());
            model.addAttribute("log", audit.accessLog(api.client(), filter, properties.pageSize()));
        }
        return "audit/access-log";
    }

    @GetMapping("/audit/outcomes")
    public String outcomes(@RequestParam(required = false) String condition, Model model)
            throws JsonProcessingException {
        OutcomesView view = audit.outcomes(api.client(), condition);
        model.addAttribute("outcomes", view);
        model.addAttribute("groups", OutcomesView.CONDITION_GROUPS);
        Map<String, String> charts = new LinkedHashMap<>();
        for (OutcomesView.Regimen r : view.regimens()) {
            charts.put(r.canonical(), json.writeValueAsString(r.chart()));
        }
        model.addAttribute("charts", charts);
        return "audit/outcomes";
    }

    @GetMapping("/audit/chain")
    public String chain(Model model) {
        model.addAttribute("chain", audit.verifyChain(api.client()));
        return "audit/chain";
    }
}
