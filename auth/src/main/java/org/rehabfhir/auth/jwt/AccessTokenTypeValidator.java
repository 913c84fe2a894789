package org.rehabfhir.auth.jwt;

import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Keycloak marks its tokens with a {@code typ} claim: {@code Bearer} for access tokens, {@code ID} for ID tokens,
 * {@code Refresh} for refresh tokens. Only access tokens may call the API; a token without the claim passes.
 */
public final class AccessTokenTypeValidator implements OAuth2TokenValidator<Jwt> {

    @Override
    public OAuth2TokenValidatorResult validate(Jwt jwt) {
        Object typ = jwt.getClaims().get("typ");
        if (typ == null || "Bearer".equalsIgnoreCase(String.valueOf(typ))) {
            return OAuth2TokenValidatorResult.success();
        }
        return OAuth2TokenValidatorResult.failure(
                new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, "Not an access token (typ " + typ + ")", null));
    }
}
