package org.rehabfhir.app.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class RealmRoleOidcUserServiceTest {

    static String jwt(String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".sig";
    }

    @Test
    void readsTheRealmRolesOfTheAccessToken() {
        assertThat(RealmRoleOidcUserService.realmRoles(
                        jwt("{\"realm_access\":{\"roles\":[\"physiotherapist\",\"offline_access\"]}}")))
                .containsExactlyInAnyOrder("physiotherapist", "offline_access");
    }

    @Test
    void noRolesWithoutTheClaimOrForSomethingThatIsNotAJwt() {
        assertThat(RealmRoleOidcUserService.realmRoles(jwt("{\"sub\":\"x\"}"))).isEmpty();
        assertThat(RealmRoleOidcUserService.realmRoles("opaque-token")).isEmpty();
        assertThat(RealmRoleOidcUserService.realmRoles("a.!!!.c")).isEmpty();
    }
}
