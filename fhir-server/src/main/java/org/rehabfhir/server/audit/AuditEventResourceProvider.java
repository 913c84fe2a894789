package org.rehabfhir.server.audit;

import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Offset;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.StringOrListParam;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.rehabfhir.server.config.FhirOperationProvider;
import org.springframework.stereotype.Component;

/**
 * Serves AuditEvent from the audit chain table (it replaces HAPI's JPA AuditEvent provider): read, search and
 * {@code $verify-chain}. There is deliberately no create, update or delete.
 *
 * <p>Search parameters: {@code patient} (reference), {@code agent} (token {@code sub}, {@code preferred_username},
 * client id or {@code fhirUser}, exact), {@code policy} (the token's {@code jti}), {@code entity} (reference),
 * {@code date} (ranges), {@code outcome}, {@code subtype}, {@code action}; {@code _count}, {@code _offset},
 * {@code _sort=date|-date}. Default order: oldest first (stable paging).
 */
@Component
public class AuditEventResourceProvider implements IResourceProvider, FhirOperationProvider {

    static final int DEFAULT_COUNT = 20;
    static final int MAX_COUNT = 200;

    private final AuditStore store;

    public AuditEventResourceProvider(AuditStore store) {
        this.store = store;
    }

    @Override
    public Class<? extends IBaseResource> getResourceType() {
        return AuditEvent.class;
    }

    @Read(version = true)
    public AuditEvent read(@IdParam IdType id) {
        long seq = parseSeq(id);
        if (id.hasVersionIdPart() && !"1".equals(id.getVersionIdPart())) {
            throw new ResourceNotFoundException(id);
        }
        return store.find(seq).map(store::toResource).orElseThrow(() -> new ResourceNotFoundException(id));
    }

    @Search(allowUnknownParams = false)
    public IBundleProvider search(
            @OptionalParam(name = AuditEvent.SP_PATIENT) ReferenceOrListParam patient,
            @OptionalParam(name = AuditEvent.SP_AGENT) TokenOrListParam agent,
            @OptionalParam(name = AuditEvent.SP_POLICY) StringOrListParam policy,
            @OptionalParam(name = AuditEvent.SP_ENTITY) ReferenceOrListParam entity,
            @OptionalParam(name = AuditEvent.SP_DATE) DateRangeParam date,
            @OptionalParam(name = AuditEvent.SP_OUTCOME) TokenOrListParam outcome,
            @OptionalParam(name = AuditEvent.SP_SUBTYPE) TokenOrListParam subtype,
            @OptionalParam(name = AuditEvent.SP_ACTION) TokenOrListParam action,
            @Sort SortSpec sort,
            @Count Integer count,
            @Offset Integer offset) {
        List<String> where = new ArrayList<>();
        List<Object> args = new ArrayList<>();
        if (patient != null) {
            List<String> refs = patient.getValuesAsQueryTokens().stream()
                    .map(AuditEventResourceProvider::patientRef)
                    .toList();
            where.add("patient_refs && ?::text[]");
            args.add(toArrayLiteral(refs));
        }
        if (entity != null) {
            List<String> refs = entity.getValuesAsQueryTokens().stream()
                    .map(r -> r.getResourceType() != null ? r.getResourceType() + "/" + r.getIdPart() : r.getValue())
                    .toList();
            where.add("(resource_refs && ?::text[] OR patient_refs && ?::text[])");
            args.add(toArrayLiteral(refs));
            args.add(toArrayLiteral(refs));
        }
        if (agent != null) {
            List<String> or = new ArrayList<>();
            for (TokenParam token : agent.getValuesAsQueryTokens()) {
                or.add("(agent_sub = ? OR agent_username = ? OR client_id = ? OR fhir_user = ?)");
                for (int i = 0; i < 4; i++) {
                    args.add(token.getValue());
                }
            }
            where.add("(" + String.join(" OR ", or) + ")");
        }
        if (policy != null) {
            List<String> or = new ArrayList<>();
            for (StringParam value : policy.getValuesAsQueryTokens()) {
                or.add("token_id = ?");
                args.add(value.getValue());
            }
            where.add("(" + String.join(" OR ", or) + ")");
        }
        tokenColumn("outcome", outcome, where, args);
        tokenColumn("interaction", subtype, where, args);
        tokenColumn("action", action, where, args);
        recordedWithin(date, where, args);
        boolean descending = false;
        if (sort != null) {
            String param = sort.getParamName();
            if (!"date".equals(param) && !"_lastUpdated".equals(param) && !"_id".equals(param)) {
                throw new InvalidRequestException("AuditEvent can be sorted by date, _lastUpdated or _id only");
            }
            descending = sort.getOrder() == SortOrderEnum.DESC;
        }
        int pageSize = count == null ? DEFAULT_COUNT : Math.max(0, Math.min(count, MAX_COUNT));
        int from = offset == null ? 0 : Math.max(0, offset);
        String clause = String.join(" AND ", where);
        int total = store.count(clause, args);
        List<IBaseResource> page = new ArrayList<>();
        if (pageSize > 0) {
            store.query(clause, args, descending, from, pageSize).forEach(row -> page.add(store.toResource(row)));
        }
        SimpleBundleProvider result = new SimpleBundleProvider(page);
        result.setSize(total);
        result.setCurrentPageOffset(from);
        result.setCurrentPageSize(pageSize);
        return result;
    }

    /** {@code GET /fhir/AuditEvent/$verify-chain} (auditor): walks the whole chain. */
    @Operation(name = "$verify-chain", idempotent = true)
    public Parameters verifyChain() {
        AuditStore.ChainReport report = store.verify();
        Parameters out = new Parameters();
        out.addParameter().setName("intact").setValue(new BooleanType(report.intact()));
        out.addParameter().setName("checked").setValue(new IntegerType((int)
                Math.min(Integer.MAX_VALUE, report.checked())));
        if (!report.intact()) {
            String id = Long.toString(report.firstBrokenSeq());
            out.addParameter().setName("firstBrokenId").setValue(new StringType(id));
            out.addParameter().setName("firstBroken").setValue(new Reference("AuditEvent/" + id));
            out.addParameter().setName("reason").setValue(new StringType(report.reason()));
        } else if (report.lastSeq() != null) {
            out.addParameter().setName("lastId").setValue(new StringType(Long.toString(report.lastSeq())));
            out.addParameter().setName("headHash").setValue(new StringType(report.headHash()));
        }
        return out;
    }

    /** The {@code date} search parameter as a range over the audit row's {@code recorded} column. */
    static void recordedWithin(DateRangeParam date, List<String> where, List<Object> args) {
        if (date == null) {
            return;
        }
        Date lower = date.getLowerBoundAsInstant();
        Date upper = date.getUpperBoundAsInstant();
        if (lower != null) {
            where.add("recorded >= ?");
            args.add(new Timestamp(lower.getTime()));
        }
        if (upper != null) {
            where.add("recorded <= ?");
            args.add(new Timestamp(upper.getTime()));
        }
    }

    private static void tokenColumn(String column, TokenOrListParam tokens, List<String> where, List<Object> args) {
        if (tokens == null) {
            return;
        }
        List<String> or = new ArrayList<>();
        for (TokenParam token : tokens.getValuesAsQueryTokens()) {
            or.add(column + " = ?");
            args.add(token.getValue());
        }
        where.add("(" + String.join(" OR ", or) + ")");
    }

    private static String patientRef(ReferenceParam ref) {
        String type = ref.getResourceType();
        if (type != null && !"Patient".equals(type)) {
            throw new InvalidRequestException("AuditEvent?patient= takes a Patient reference");
        }
        return "Patient/" + ref.getIdPart();
    }

    /** A PostgreSQL text[] literal, every element quoted. */
    static String toArrayLiteral(List<String> values) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append('"')
                    .append(values.get(i).replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        }
        return out.append('}').toString();
    }

    private static long parseSeq(IdType id) {
        try {
            return Long.parseLong(id.getIdPart());
        } catch (NumberFormatException | NullPointerException e) {
            throw new ResourceNotFoundException(id);
        }
    }
}
