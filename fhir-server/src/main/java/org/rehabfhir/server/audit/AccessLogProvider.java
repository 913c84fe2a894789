package org.rehabfhir.server.audit;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.rehabfhir.server.config.FhirOperationProvider;
import org.springframework.stereotype.Component;

/**
 * {@code GET /fhir/Patient/{id}/$access-log} (auditor): when the patient's data was read, and for what purpose,
 * newest first. What a patient may ask under GDPR Art. 15 (CJEU C-579/21: dates and purposes of the consultations);
 * the identity of the staff is not part of the answer, the linked AuditEvent holds it for the auditor.
 *
 * <p>Counted: successful reads, searches, history and operations (AuditEvent action R or E, outcome 0) whose
 * AuditEvent names the patient, except {@code $access-log} calls themselves. A patient that was never stored is
 * answered with 404 (the read as the server throws {@link ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException});
 * a deleted patient still has its access log.
 */
@Component
public class AccessLogProvider implements FhirOperationProvider {

	private final AuditStore store;
	private final AuditProperties properties;
	private final DaoRegistry daoRegistry;

	public AccessLogProvider(AuditStore store, AuditProperties properties, DaoRegistry daoRegistry) {
		this.store = store;
		this.properties = properties;
		this.daoRegistry = daoRegistry;
	}

	@Operation(name = "$access-log", typeName = "Patient", idempotent = true)
	public Parameters accessLog(@IdParam IdType patientId) {
		String patient = "Patient/" + patientId.getIdPart();
		try {
			// 404 (ResourceNotFoundException) for a patient this server never held
			daoRegistry.getResourceDao(Patient.class).read(new IdType(patient), new SystemRequestDetails());
		} catch (ResourceGoneException deleted) {
			// deleted since: its accesses stay on record and may still be asked for
		}
		String where = "patient_refs @> ARRAY[?]::text[] AND outcome = '0' AND action IN ('R', 'E')"
				+ " AND (operation IS NULL OR operation <> '$access-log')";
		List<Object> args = List.of(patient);
		int total = store.count(where, args);
		List<AuditRow> rows = store.query(where, args, true, 0, Math.max(1, properties.getAccessLogMaxEntries()));

		Parameters out = new Parameters();
		out.addParameter().setName("patient").setValue(new Reference(patient));
		out.addParameter().setName("total").setValue(new IntegerType(total));
		for (AuditRow row : rows) {
			Parameters.ParametersParameterComponent access = out.addParameter().setName("access");
			access.addPart().setName("date").setValue(new DateTimeType(Date.from(row.recorded())));
			access.addPart().setName("interaction").setValue(new CodeType(row.interaction()));
			if (row.operation() != null) {
				access.addPart().setName("operation").setValue(new StringType(row.operation()));
			}
			if (row.purposeOfUse() != null) {
				for (String purpose : row.purposeOfUse().split(",")) {
					access.addPart().setName("purposeOfUse")
							.setValue(BalpAuditEventBuilder.purposeConcept(purpose).getCodingFirstRep());
				}
			}
			access.addPart().setName("auditEvent").setValue(new Reference("AuditEvent/" + row.seq()));
		}
		return out;
	}
}
