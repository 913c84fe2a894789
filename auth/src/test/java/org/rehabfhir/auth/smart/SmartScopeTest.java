package org.rehabfhir.auth.smart;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmartScopeTest {

    @Test
    void parsesV2Scopes() {
        SmartScope scope = SmartScope.parse("user/Observation.crus").orElseThrow();
        assertThat(scope.context()).isEqualTo(ScopeContext.USER);
        assertThat(scope.resourceType()).isEqualTo("Observation");
        assertThat(scope.permissions())
                .containsExactlyInAnyOrder(Permission.CREATE, Permission.READ, Permission.UPDATE, Permission.SEARCH);
        assertThat(scope).hasToString("user/Observation.crus");

        assertThat(SmartScope.parse("system/Patient.cruds").orElseThrow().permissions())
                .isEqualTo(EnumSet.allOf(Permission.class));
        assertThat(SmartScope.parse("patient/Condition.r").orElseThrow().context())
                .isEqualTo(ScopeContext.PATIENT);
        assertThat(SmartScope.parse("user/*.rs").orElseThrow().isWildcard()).isTrue();
    }

    @Test
    void mapsV1Scopes() {
        assertThat(SmartScope.parse("user/Patient.read").orElseThrow().permissions())
                .containsExactlyInAnyOrder(Permission.READ, Permission.SEARCH);
        assertThat(SmartScope.parse("system/Observation.write").orElseThrow().permissions())
                .containsExactlyInAnyOrder(Permission.CREATE, Permission.UPDATE, Permission.DELETE);
        assertThat(SmartScope.parse("patient/*.*").orElseThrow().permissions())
                .isEqualTo(EnumSet.allOf(Permission.class));
        assertThat(SmartScope.parse("user/*.read").orElseThrow().toString()).isEqualTo("user/*.rs");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "openid",
                "fhirUser",
                "profile",
                "launch/patient",
                "offline_access",
                "user/Observation.", // no permissions
                "user/Observation.rc", // wrong order
                "user/Observation.sr",
                "user/Observation.crudsx",
                "user/Observation.rr",
                "admin/Observation.rs", // unknown context
                "User/Observation.rs",
                "user/observation.rs", // type must start upper-case
                "user/Observation.rs?category=laboratory", // v2 granular: not supported, grants nothing
                "user/Observation",
                "user/.rs",
                "user/Obs-ervation.rs",
                " user/Observation.rs",
                "user/Observation.read.write"
            })
    void ignoresInvalidScopes(String scope) {
        assertThat(SmartScope.parse(scope)).isEmpty();
    }

    @Test
    void parsesAClaimOnce() {
        Set<SmartScope> scopes = SmartScope.parseAll("openid fhirUser user/Patient.rs  user/CarePlan.cru bogus/x.r");
        assertThat(scopes).extracting(SmartScope::toString).containsExactly("user/Patient.rs", "user/CarePlan.cru");
        assertThat(SmartScope.parseAll((String) null)).isEmpty();
        assertThat(SmartScope.parseAll("   ")).isEmpty();
    }

    @Test
    void nullIsNotAScope() {
        assertThat(SmartScope.parse(null)).isEmpty();
    }
}
