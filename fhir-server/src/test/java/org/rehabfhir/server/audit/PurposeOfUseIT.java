package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.audit.AuditTestSupport.freshEhrToken;
import static org.rehabfhir.server.audit.AuditTestSupport.rowsOfToken;
import static org.rehabfhir.server.audit.AuditTestSupport.send;

import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Finding 12 (issue 10): {@code X-Purpose-Of-Use} accepts only codes of the HL7 PurposeOfUse value set (v3-ActReason);
 * anything else is 400 and is never stored as a purpose.
 */
class PurposeOfUseIT extends AbstractFhirServerIT {

    @Autowired
    DataSource dataSource;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://evil.example/cs|PWNED",
                "PWNED",
                "TREAT,BOGUS",
                "http://terminology.hl7.org/CodeSystem/v3-ActReason|NOPE"
            })
    void valuesOutsideTheValueSetAre400AndNotStored(String purpose) {
        String token = freshEhrToken();

        AuditTestSupport.Response response =
                send("GET", baseUrl() + "/Patient?_count=1", token, null, Map.of("X-Purpose-Of-Use", purpose));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).contains("OperationOutcome").contains("PurposeOfUse");
        JdbcTemplate jdbc = AuditTestSupport.jdbc(dataSource);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM rehab_audit_event WHERE purpose_of_use LIKE '%PWNED%'"
                                + " OR purpose_of_use LIKE '%BOGUS%' OR purpose_of_use LIKE '%NOPE%'",
                        Integer.class))
                .isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TREAT", "ETREAT", "HOPERAT", "http://terminology.hl7.org/CodeSystem/v3-ActReason|PATRQT"})
    void codesOfTheValueSetAreRecorded(String purpose) {
        String token = freshEhrToken();

        AuditTestSupport.Response response =
                send("GET", baseUrl() + "/Patient?_count=1", token, null, Map.of("X-Purpose-Of-Use", purpose));

        assertThat(response.status()).isEqualTo(200);
        String code = purpose.substring(purpose.lastIndexOf('|') + 1);
        assertThat(String.valueOf(AuditTestSupport.single(rowsOfToken(AuditTestSupport.jdbc(dataSource), token, 1))
                        .get("purpose_of_use")))
                .isEqualTo("http://terminology.hl7.org/CodeSystem/v3-ActReason|" + code);
    }

    @Test
    void noHeaderIsFine() {
        assertThat(send("GET", baseUrl() + "/Patient?_count=1", freshEhrToken(), null, Map.of())
                        .status())
                .isEqualTo(200);
    }
}
