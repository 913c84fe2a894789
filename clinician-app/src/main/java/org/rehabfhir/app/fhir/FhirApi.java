package org.rehabfhir.app.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.client.interceptor.SimpleRequestHeaderInterceptor;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.rehabfhir.app.AppProperties;
import org.rehabfhir.app.security.CurrentUser;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.client.ClientAuthorizationException;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * HAPI generic clients to the FHIR API carrying the signed-in user's access token (refreshed when needed). The
 * token never leaves the server: the browser only holds the session cookie.
 *
 * <p>Each request names its purpose of use ({@code X-Purpose-Of-Use}, HL7 v3 ActReason): {@code TREAT} for a
 * physiotherapist, {@code HOPERAT} (healthcare operations) for an auditor, so that the access log can say why.
 */
@Component
public class FhirApi {

    public static final String PURPOSE_HEADER = "X-Purpose-Of-Use";

    private final FhirContext fhirContext;
    private final AppProperties properties;
    private final OAuth2AuthorizedClientManager clients;

    public FhirApi(AppProperties properties, OAuth2AuthorizedClientManager clients) {
        this.properties = properties;
        this.clients = clients;
        this.fhirContext = FhirContext.forR4Cached();
        fhirContext.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        int timeout = (int) properties.fhirTimeout().toMillis();
        fhirContext.getRestfulClientFactory().setConnectTimeout(timeout);
        fhirContext.getRestfulClientFactory().setSocketTimeout(timeout);
        fhirContext.getRestfulClientFactory().setPoolMaxPerRoute(20);
        fhirContext.getRestfulClientFactory().setPoolMaxTotal(50);
    }

    public FhirContext context() {
        return fhirContext;
    }

    public String baseUrl() {
        return properties.fhirBaseUrl();
    }

    /** A client acting as the signed-in user. */
    public IGenericClient client() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        IGenericClient client = fhirContext.newRestfulGenericClient(properties.fhirBaseUrl());
        client.registerInterceptor(new BearerTokenAuthInterceptor(accessToken(authentication)));
        CurrentUser user = CurrentUser.of(authentication);
        String purpose = user != null && user.physiotherapist() ? "TREAT" : "HOPERAT";
        client.registerInterceptor(new SimpleRequestHeaderInterceptor(PURPOSE_HEADER, purpose));
        return client;
    }

    /** The user's current access token; {@link SignInAgainException} when there is none or it cannot be refreshed. */
    public String accessToken(Authentication authentication) {
        if (authentication == null) {
            throw new SignInAgainException("not signed in");
        }
        OAuth2AuthorizeRequest.Builder request = OAuth2AuthorizeRequest.withClientRegistrationId(
                        properties.registrationId())
                .principal(authentication);
        if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes servlet) {
            request.attribute(HttpServletRequest.class.getName(), servlet.getRequest());
            if (servlet.getResponse() != null) {
                request.attribute(HttpServletResponse.class.getName(), servlet.getResponse());
            }
        }
        try {
            OAuth2AuthorizedClient client = clients.authorize(request.build());
            if (client == null || client.getAccessToken() == null) {
                throw new SignInAgainException("no access token in the session");
            }
            return client.getAccessToken().getTokenValue();
        } catch (ClientAuthorizationException refreshFailed) {
            throw new SignInAgainException("the token could not be refreshed: "
                    + refreshFailed.getError().getErrorCode());
        }
    }
}
