package org.rehabfhir.app.audit;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.rehabfhir.app.fhir.Fhir;
import org.springframework.stereotype.Service;

/** Calls the auditor operations ({@code $access-log}, {@code $rehab-outcomes}, {@code $verify-chain}) and shapes their answers for the pages. */
@Service
public class AuditService {

    public AccessLogView accessLog(IGenericClient fhir, AccessLogFilter filter, int pageSize) {
        Parameters in = new Parameters();
        if (filter.from() != null) {
            in.addParameter().setName("date").setValue(new StringType("ge" + filter.from()));
        }
        if (filter.to() != null) {
            in.addParameter().setName("date").setValue(new StringType("le" + filter.to()));
        }
        if (filter.agent() != null && !filter.agent().isBlank()) {
            in.addParameter()
                    .setName("agent")
                    .setValue(new StringType(filter.agent().trim()));
        }
        if (filter.refused()) {
            in.addParameter().setName("outcome").setValue(new StringType("any"));
        }
        in.addParameter().setName("_count").setValue(new IntegerType(pageSize));
        in.addParameter().setName("_offset").setValue(new IntegerType(filter.offset()));
        Parameters out = fhir.operation()
                .onInstance("Patient/" + filter.patient().trim())
                .named("$access-log")
                .withParameters(in)
                .useHttpGet()
                .returnResourceType(Parameters.class)
                .execute();
        return toView(out, filter, pageSize);
    }

    static AccessLogView toView(Parameters out, AccessLogFilter filter, int pageSize) {
        int total = intValue(out.getParameter("total"), 0);
        int offset = intValue(out.getParameter("offset"), filter.offset());
        Integer next = out.getParameter("nextOffset") == null ? null : intValue(out.getParameter("nextOffset"), 0);
        Integer previous = offset > 0 ? Math.max(0, offset - pageSize) : null;
        List<AccessLogView.Entry> entries = new ArrayList<>();
        for (ParametersParameterComponent access : out.getParameter()) {
            if (!"access".equals(access.getName())) {
                continue;
            }
            ParametersParameterComponent agent = part(access, "agent");
            Coding outcome = value(access, "outcome") instanceof Coding c ? c : null;
            String purposes = parts(access, "purposeOfUse").stream()
                    .map(p -> p.getValue() instanceof Coding c
                            ? (c.hasDisplay() ? c.getDisplay() + " (" + c.getCode() + ")" : c.getCode())
                            : "")
                    .collect(Collectors.joining(", "));
            String auditEvent = value(access, "auditEvent") instanceof Reference r ? r.getReference() : "";
            entries.add(new AccessLogView.Entry(
                    value(access, "date") instanceof DateTimeType d ? Fhir.dayTime(d.getValue()) : "",
                    agent == null ? "" : text(value(agent, "name")),
                    agent == null
                            ? ""
                            : parts(agent, "role").stream()
                                    .map(p -> text(p.getValue()))
                                    .collect(Collectors.joining(", ")),
                    agent == null ? "" : text(value(agent, "client")),
                    text(value(access, "what")).isEmpty()
                            ? text(value(access, "interaction"))
                            : text(value(access, "what")),
                    text(value(access, "interaction")),
                    outcome == null ? "" : (outcome.hasDisplay() ? outcome.getDisplay() : outcome.getCode()),
                    outcome != null && !"0".equals(outcome.getCode()),
                    text(value(access, "httpStatus")),
                    purposes,
                    auditEvent));
        }
        return new AccessLogView(filter, total, offset, next, previous, entries);
    }

    /** {@code $rehab-outcomes}, optionally for one condition group or condition code. */
    public OutcomesView outcomes(IGenericClient fhir, String condition) {
        var op = fhir.operation().onServer().named("$rehab-outcomes");
        Parameters out = condition == null || condition.isBlank()
                ? op.withNoParameters(Parameters.class).useHttpGet().execute()
                : op.withParameter(Parameters.class, "condition", new StringType(condition))
                        .useHttpGet()
                        .execute();
        return OutcomesView.from(out, condition);
    }

    /** {@code AuditEvent/$verify-chain}. */
    public ChainView verifyChain(IGenericClient fhir) {
        Parameters out = fhir.operation()
                .onType("AuditEvent")
                .named("$verify-chain")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute();
        boolean intact = out.getParameter("intact") != null
                && out.getParameter("intact").getValue() instanceof BooleanType b
                && b.booleanValue();
        return new ChainView(
                intact,
                text(
                        out.getParameter("checked") == null
                                ? null
                                : out.getParameter("checked").getValue()),
                text(param(out, "lastId")),
                text(param(out, "headHash")),
                text(param(out, "firstBrokenId")),
                text(param(out, "reason")));
    }

    private static Type param(Parameters p, String name) {
        return p.getParameter(name) == null ? null : p.getParameter(name).getValue();
    }

    static ParametersParameterComponent part(ParametersParameterComponent parent, String name) {
        return parent.getPart().stream()
                .filter(p -> name.equals(p.getName()))
                .findFirst()
                .orElse(null);
    }

    static List<ParametersParameterComponent> parts(ParametersParameterComponent parent, String name) {
        return parent.getPart().stream().filter(p -> name.equals(p.getName())).toList();
    }

    static Type value(ParametersParameterComponent parent, String name) {
        ParametersParameterComponent p = part(parent, name);
        return p == null ? null : p.getValue();
    }

    static String text(Type value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Coding c) {
            return c.hasDisplay() ? c.getDisplay() : c.getCode();
        }
        if (value instanceof Reference r) {
            return r.getReference();
        }
        String s = value.primitiveValue();
        return s == null ? "" : s;
    }

    static int intValue(ParametersParameterComponent p, int fallback) {
        if (p == null || p.getValue() == null || p.getValue().primitiveValue() == null) {
            return fallback;
        }
        return Integer.parseInt(p.getValue().primitiveValue());
    }
}
