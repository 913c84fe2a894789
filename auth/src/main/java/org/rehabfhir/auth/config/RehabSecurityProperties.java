package org.rehabfhir.auth.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * {@code rehab.security.*}: how the FHIR server checks tokens and what it allows.
 *
 * <pre>
 * rehab.security.enabled=true                     # false: everything open (development only, logged loudly)
 * rehab.security.issuer-uri=http://127.0.0.1:8180/realms/rehab   # required when enabled; must equal iss
 * rehab.security.jwks-uri=                        # default: &lt;issuer-uri&gt;/protocol/openid-connect/certs
 * rehab.security.audience=rehab-fhir-server       # required in aud
 * rehab.security.clock-skew=60s                   # at most 60s
 * rehab.security.care-team-narrowing=true         # physiotherapists see only their CareTeam's patients
 * rehab.security.care-team-cache-ttl=5s           # a physiotherapist's patients kept this long (0: looked up per request)
 * rehab.security.fhir-base-path=/fhir
 * rehab.security.smart.authorization-endpoint=    # default: Keycloak's, from issuer-uri
 * rehab.security.smart.token-endpoint=            # default: Keycloak's, from issuer-uri
 * rehab.security.limits.max-bundle-entries=200   # persons (physiotherapists, auditors) and anonymous callers
 * rehab.security.limits.max-count=200
 * rehab.security.limits.count-policy=reject       # reject (400) or cap (lowered to max-count)
 * rehab.security.limits.max-includes=5
 * rehab.security.limits.max-request-body=5MB      # persons and anonymous callers
 * rehab.security.limits.ehr-system.max-bundle-entries=20000   # EHR systems (role ehr-system): whole patient records
 * rehab.security.limits.ehr-system.max-request-body=64MB
 * rehab.security.limits.large-requests.max-concurrent=2   # large requests at once (heap); the next: 503, Retry-After
 * rehab.security.cors.allowed-origins=            # browser apps on other origins, e.g. https://app.example.org
 * rehab.security.introspection.client-secret=     # required while introspection is on (the default)
 * rehab.security.introspection.cache-ttl=5s       # an active answer kept this long: the revocation window of writes
 * </pre>
 */
@ConfigurationProperties(prefix = "rehab.security")
public class RehabSecurityProperties implements Validator {

    private boolean enabled = true;
    private String issuerUri;
    private String jwksUri;
    private String audience = "rehab-fhir-server";
    private Duration clockSkew = Duration.ofSeconds(60);
    private boolean careTeamNarrowing = true;
    /**
     * How long a physiotherapist's patients (her CareTeams', her referrals') are kept between requests; a change
     * written through this server takes effect at once, one written through another replica within this time.
     */
    private Duration careTeamCacheTtl = Duration.ofSeconds(5);

    private String fhirBasePath = "/fhir";
    private final Smart smart = new Smart();
    private final Limits limits = new Limits();
    private final Cors cors = new Cors();
    private final Introspection introspection = new Introspection();

    public Introspection getIntrospection() {
        return introspection;
    }

    /**
     * {@code rehab.security.introspection.*}: the requests that change data (every method but GET, HEAD and OPTIONS)
     * and the audit reads are checked with Keycloak's token introspection endpoint (RFC 7662), so that a token of a
     * user who logged out, was disabled or deleted, or lost the role, is refused at once instead of at its expiry.
     * Other reads keep the token's window (at most 300 s). On by default; it needs the secret of the realm client
     * {@code rehab-fhir-server}.
     */
    public static class Introspection {
        /** The longest revocation window of writes a deployment may configure. */
        public static final Duration MAX_CACHE_TTL = Duration.ofSeconds(60);

        private boolean enabled = true;
        private String clientId = "rehab-fhir-server";
        private String clientSecret;
        /** Default: {@code <issuer-uri>/protocol/openid-connect/token/introspect}. */
        private String uri;
        /** Connect and read timeout of one introspection call; past it the request is refused with 503. */
        private Duration timeout = Duration.ofSeconds(5);
        /**
         * How long Keycloak's "active" answer for a token is kept (0: not kept, every request asks): the revocation
         * window of writes and audit reads. At most 60 s.
         */
        private Duration cacheTtl = Duration.ofSeconds(5);
        /** At most this many tokens' answers kept at once. */
        private long cacheMaxTokens = 10_000;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getClientId() {
            return clientId;
        }

        public void setClientId(String clientId) {
            this.clientId = clientId;
        }

        public String getClientSecret() {
            return clientSecret;
        }

        public void setClientSecret(String clientSecret) {
            this.clientSecret = clientSecret;
        }

        public String getUri() {
            return uri;
        }

        public void setUri(String uri) {
            this.uri = uri;
        }

        public Duration getTimeout() {
            return timeout;
        }

        public Duration getCacheTtl() {
            return cacheTtl;
        }

        public void setCacheTtl(Duration cacheTtl) {
            this.cacheTtl = cacheTtl;
        }

        public long getCacheMaxTokens() {
            return cacheMaxTokens;
        }

        public void setCacheMaxTokens(long cacheMaxTokens) {
            this.cacheMaxTokens = cacheMaxTokens;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        void validate() {
            if (!enabled) {
                return;
            }
            if (!hasText(clientId) || !hasText(clientSecret)) {
                throw new IllegalStateException("rehab.security.introspection.client-secret"
                        + " (REHAB_SECURITY_INTROSPECTION_CLIENT_SECRET) is required: the secret of the realm client "
                        + clientId + " that checks tokens of writes with Keycloak; or set"
                        + " rehab.security.introspection.enabled=false to accept the tokens' 300 s revocation window");
            }
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalStateException(
                        "rehab.security.introspection.timeout must be positive, was " + timeout);
            }
            if (cacheTtl == null || cacheTtl.isNegative() || cacheTtl.compareTo(MAX_CACHE_TTL) > 0) {
                throw new IllegalStateException("rehab.security.introspection.cache-ttl must be between 0 and "
                        + MAX_CACHE_TTL + " (the revocation window of writes), was " + cacheTtl);
            }
            if (cacheMaxTokens < 1) {
                throw new IllegalStateException(
                        "rehab.security.introspection.cache-max-tokens must be positive, was " + cacheMaxTokens);
            }
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getIssuerUri() {
        return issuerUri;
    }

    public void setIssuerUri(String issuerUri) {
        this.issuerUri = issuerUri;
    }

    public String getJwksUri() {
        return jwksUri;
    }

    public void setJwksUri(String jwksUri) {
        this.jwksUri = jwksUri;
    }

    public String getAudience() {
        return audience;
    }

    public void setAudience(String audience) {
        this.audience = audience;
    }

    public Duration getClockSkew() {
        return clockSkew;
    }

    public void setClockSkew(Duration clockSkew) {
        this.clockSkew = clockSkew;
    }

    public boolean isCareTeamNarrowing() {
        return careTeamNarrowing;
    }

    public void setCareTeamNarrowing(boolean careTeamNarrowing) {
        this.careTeamNarrowing = careTeamNarrowing;
    }

    public Duration getCareTeamCacheTtl() {
        return careTeamCacheTtl;
    }

    public void setCareTeamCacheTtl(Duration careTeamCacheTtl) {
        this.careTeamCacheTtl = careTeamCacheTtl;
    }

    /** The FHIR path, normalised once here for every user: a leading slash, no trailing one (default {@code /fhir}). */
    public String getFhirBasePath() {
        return fhirBasePath;
    }

    public void setFhirBasePath(String fhirBasePath) {
        String base = hasText(fhirBasePath) ? StringUtils.trimTrailingCharacter(fhirBasePath.trim(), '/') : "";
        this.fhirBasePath = base.isEmpty() ? "/fhir" : (base.startsWith("/") ? base : "/" + base);
    }

    public Smart getSmart() {
        return smart;
    }

    public Limits getLimits() {
        return limits;
    }

    public Cors getCors() {
        return cors;
    }

    /** The JWKS URI in force: the configured one or Keycloak's default under the issuer. */
    public String effectiveJwksUri() {
        return hasText(jwksUri)
                ? jwksUri
                : StringUtils.trimTrailingCharacter(issuerUri, '/') + "/protocol/openid-connect/certs";
    }

    public String effectiveAuthorizationEndpoint() {
        return hasText(smart.authorizationEndpoint)
                ? smart.authorizationEndpoint
                : StringUtils.trimTrailingCharacter(issuerUri, '/') + "/protocol/openid-connect/auth";
    }

    /** The introspection endpoint in force: the configured one or Keycloak's under the issuer. */
    public String effectiveIntrospectionUri() {
        return hasText(introspection.uri)
                ? introspection.uri
                : StringUtils.trimTrailingCharacter(issuerUri, '/') + "/protocol/openid-connect/token/introspect";
    }

    public String effectiveTokenEndpoint() {
        return hasText(smart.tokenEndpoint)
                ? smart.tokenEndpoint
                : StringUtils.trimTrailingCharacter(issuerUri, '/') + "/protocol/openid-connect/token";
    }

    /**
     * Spring Boot validates the bound properties with this (a self-validating {@code @ConfigurationProperties}), so
     * a bad setting stops the start once, at binding, naming the setting.
     */
    @Override
    public boolean supports(Class<?> type) {
        return RehabSecurityProperties.class.isAssignableFrom(type);
    }

    @Override
    public void validate(Object target, Errors errors) {
        try {
            ((RehabSecurityProperties) target).validate();
        } catch (IllegalStateException invalid) {
            errors.reject("rehab.security.invalid", invalid.getMessage());
        }
    }

    /** Fails fast on a configuration that would weaken token checks or limits. */
    public void validate() {
        limits.validate();
        for (String origin : cors.allowedOrigins) {
            if (!hasText(origin) || origin.contains("*") || origin.endsWith("/")) {
                throw new IllegalStateException("rehab.security.cors.allowed-origins: exact origins such as "
                        + "https://app.example.org (no wildcard, no path), was '" + origin + "'");
            }
        }
        if (!enabled) {
            return;
        }
        if (!hasText(issuerUri)) {
            throw new IllegalStateException("rehab.security.issuer-uri is required (the Keycloak realm URL, e.g. "
                    + "http://127.0.0.1:8180/realms/rehab), or set rehab.security.enabled=false for development");
        }
        if (!hasText(audience)) {
            throw new IllegalStateException("rehab.security.audience must not be blank");
        }
        if (clockSkew == null || clockSkew.isNegative() || clockSkew.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalStateException("rehab.security.clock-skew must be between 0 and 60s, was " + clockSkew);
        }
        if (careTeamCacheTtl == null
                || careTeamCacheTtl.isNegative()
                || careTeamCacheTtl.compareTo(Introspection.MAX_CACHE_TTL) > 0) {
            throw new IllegalStateException("rehab.security.care-team-cache-ttl must be between 0 and "
                    + Introspection.MAX_CACHE_TTL + " (the window of a care-team change made through another replica),"
                    + " was " + careTeamCacheTtl);
        }
        introspection.validate();
    }

    static boolean hasText(String s) {
        return s != null && !s.isBlank();
    }

    /**
     * Cross-origin requests from browser apps (CORS): only from the origins listed, none by default. The
     * CapabilityStatement's {@code rest.security.cors} says whether any is allowed.
     */
    public static class Cors {
        /** Exact origins ({@code https://app.example.org}); no wildcards. Empty: no cross-origin access. */
        private List<String> allowedOrigins = new ArrayList<>();

        private Duration maxAge = Duration.ofHours(1);

        public List<String> getAllowedOrigins() {
            return allowedOrigins;
        }

        public void setAllowedOrigins(List<String> allowedOrigins) {
            this.allowedOrigins = allowedOrigins;
        }

        public Duration getMaxAge() {
            return maxAge;
        }

        public void setMaxAge(Duration maxAge) {
            this.maxAge = maxAge;
        }

        public boolean isEnabled() {
            return allowedOrigins.stream().anyMatch(RehabSecurityProperties::hasText);
        }
    }

    /** What {@code /.well-known/smart-configuration} and the CapabilityStatement advertise. */
    public static class Smart {
        private String authorizationEndpoint;
        private String tokenEndpoint;
        /** Extra scopes to advertise beyond the built-in list. */
        private List<String> extraScopes = new ArrayList<>();

        public String getAuthorizationEndpoint() {
            return authorizationEndpoint;
        }

        public void setAuthorizationEndpoint(String authorizationEndpoint) {
            this.authorizationEndpoint = authorizationEndpoint;
        }

        public String getTokenEndpoint() {
            return tokenEndpoint;
        }

        public void setTokenEndpoint(String tokenEndpoint) {
            this.tokenEndpoint = tokenEndpoint;
        }

        public List<String> getExtraScopes() {
            return extraScopes;
        }

        public void setExtraScopes(List<String> extraScopes) {
            this.extraScopes = extraScopes;
        }
    }

    /** Limits against abuse. */
    public static class Limits {
        public enum CountPolicy {
            /** {@code _count} above the maximum is refused with 400. */
            REJECT,
            /** {@code _count} above the maximum is lowered to the maximum. */
            CAP
        }

        private int maxBundleEntries = 200;
        private int maxCount = 200;
        private CountPolicy countPolicy = CountPolicy.REJECT;
        private int maxIncludes = 5;
        private DataSize maxRequestBody = DataSize.ofMegabytes(5);
        /** EHR systems send whole patient records: their own, larger limits. */
        private final CallerLimits ehrSystem = new CallerLimits(20_000, DataSize.ofMegabytes(64));
        /** Chain links plus {@code _has} hops in one search parameter ({@code patient._has:Condition:patient:code} = 2). */
        private int maxSearchDepth = 2;
        /** How many large requests (whole patient records) are processed at once: the heap holds each whole. */
        private final LargeRequests largeRequests = new LargeRequests();

        public LargeRequests getLargeRequests() {
            return largeRequests;
        }

        public int getMaxSearchDepth() {
            return maxSearchDepth;
        }

        public void setMaxSearchDepth(int maxSearchDepth) {
            this.maxSearchDepth = maxSearchDepth;
        }

        public int getMaxBundleEntries() {
            return maxBundleEntries;
        }

        public void setMaxBundleEntries(int maxBundleEntries) {
            this.maxBundleEntries = maxBundleEntries;
        }

        public int getMaxCount() {
            return maxCount;
        }

        public void setMaxCount(int maxCount) {
            this.maxCount = maxCount;
        }

        public CountPolicy getCountPolicy() {
            return countPolicy;
        }

        public void setCountPolicy(CountPolicy countPolicy) {
            this.countPolicy = countPolicy;
        }

        public int getMaxIncludes() {
            return maxIncludes;
        }

        public void setMaxIncludes(int maxIncludes) {
            this.maxIncludes = maxIncludes;
        }

        public DataSize getMaxRequestBody() {
            return maxRequestBody;
        }

        public void setMaxRequestBody(DataSize maxRequestBody) {
            this.maxRequestBody = maxRequestBody;
        }

        public CallerLimits getEhrSystem() {
            return ehrSystem;
        }

        /** The limits of a caller class: EHR systems ({@code system} true) or persons and anonymous callers. */
        public CallerLimits forCaller(boolean system) {
            return system ? ehrSystem : new CallerLimits(maxBundleEntries, maxRequestBody);
        }

        /** The largest request body any caller may send (what a reverse proxy in front must let through). */
        public long largestRequestBody() {
            return Math.max(
                    maxRequestBody.toBytes(), ehrSystem.getMaxRequestBody().toBytes());
        }

        void validate() {
            if (maxBundleEntries < 1
                    || maxCount < 1
                    || maxIncludes < 0
                    || maxSearchDepth < 1
                    || maxRequestBody == null
                    || maxRequestBody.toBytes() < 1024
                    || ehrSystem.maxBundleEntries < 1
                    || ehrSystem.maxRequestBody == null
                    || ehrSystem.maxRequestBody.toBytes() < 1024
                    || ehrSystem.maxRequestBody.toBytes() > Integer.MAX_VALUE - 8
                    || largeRequests.maxConcurrent < 1
                    || largeRequests.minEntries < 1
                    || largeRequests.minBody == null
                    || largeRequests.minBody.toBytes() < 1024
                    || largeRequests.retryAfter == null
                    || largeRequests.retryAfter.toSeconds() < 1) {
                throw new IllegalStateException("rehab.security.limits.* out of range");
            }
        }
    }

    /**
     * Large requests: a transaction or batch of more than {@code min-entries} entries, or a body larger than
     * {@code min-body}. At most {@code max-concurrent} of them are processed at once (per server process); the next
     * one gets 503 with {@code Retry-After: retry-after}.
     */
    public static class LargeRequests {
        private int maxConcurrent = 2;
        private int minEntries = 2_000;
        private DataSize minBody = DataSize.ofMegabytes(8);
        private Duration retryAfter = Duration.ofSeconds(10);

        public int getMaxConcurrent() {
            return maxConcurrent;
        }

        public void setMaxConcurrent(int maxConcurrent) {
            this.maxConcurrent = maxConcurrent;
        }

        public int getMinEntries() {
            return minEntries;
        }

        public void setMinEntries(int minEntries) {
            this.minEntries = minEntries;
        }

        public DataSize getMinBody() {
            return minBody;
        }

        public void setMinBody(DataSize minBody) {
            this.minBody = minBody;
        }

        public Duration getRetryAfter() {
            return retryAfter;
        }

        public void setRetryAfter(Duration retryAfter) {
            this.retryAfter = retryAfter;
        }
    }

    /** Bundle entries and body bytes one caller class may send in one request. */
    public static class CallerLimits {
        private int maxBundleEntries;
        private DataSize maxRequestBody;

        public CallerLimits(int maxBundleEntries, DataSize maxRequestBody) {
            this.maxBundleEntries = maxBundleEntries;
            this.maxRequestBody = maxRequestBody;
        }

        public int getMaxBundleEntries() {
            return maxBundleEntries;
        }

        public void setMaxBundleEntries(int maxBundleEntries) {
            this.maxBundleEntries = maxBundleEntries;
        }

        public DataSize getMaxRequestBody() {
            return maxRequestBody;
        }

        public void setMaxRequestBody(DataSize maxRequestBody) {
            this.maxRequestBody = maxRequestBody;
        }
    }
}
