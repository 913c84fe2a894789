package org.rehabfhir.auth.smart;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMART App Launch 2 resource scope: {@code (patient|user|system)/(Type|*).(c?r?u?d?s?)}, the letters in that
 * order, or a v1 scope ({@code .read} = {@code rs}, {@code .write} = {@code cud}, {@code .*} = {@code cruds}).
 *
 * <p>Anything else (OpenID scopes such as {@code openid} or {@code fhirUser}, v2 scopes with query parameters, wrong
 * letter order, empty permissions) is not a resource scope: {@link #parse(String)} returns empty and grants nothing.
 */
public record SmartScope(ScopeContext context, String resourceType, Set<Permission> permissions) {

    private static final Logger log = LoggerFactory.getLogger(SmartScope.class);

    /** The wildcard resource type. */
    public static final String ANY_TYPE = "*";

    private static final Pattern GRAMMAR =
            Pattern.compile("^(patient|user|system)/(\\*|[A-Z][A-Za-z]{1,63})\\.(read|write|\\*|c?r?u?d?s?)$");

    private static final Set<String> NON_RESOURCE_SCOPES = Set.of(
            "openid",
            "profile",
            "email",
            "fhirUser",
            "launch",
            "launch/patient",
            "launch/encounter",
            "offline_access",
            "online_access",
            "roles",
            "basic",
            "web-origins",
            "acr");

    public SmartScope {
        permissions = Collections.unmodifiableSet(EnumSet.copyOf(permissions));
    }

    /** Parses one scope; empty if it is not a valid SMART resource scope. */
    public static Optional<SmartScope> parse(String scope) {
        if (scope == null) {
            return Optional.empty();
        }
        Matcher m = GRAMMAR.matcher(scope);
        if (!m.matches()) {
            if (!NON_RESOURCE_SCOPES.contains(scope)) {
                log.debug("Ignoring scope that is not a SMART resource scope: {}", scope);
            }
            return Optional.empty();
        }
        String rights = m.group(3);
        Set<Permission> permissions =
                switch (rights) {
                    case "read" -> EnumSet.of(Permission.READ, Permission.SEARCH);
                    case "write" -> EnumSet.of(Permission.CREATE, Permission.UPDATE, Permission.DELETE);
                    case "*" -> EnumSet.allOf(Permission.class);
                    default -> Permission.ofLetters(rights);
                };
        if (permissions.isEmpty()) {
            log.debug("Ignoring scope without permissions: {}", scope);
            return Optional.empty();
        }
        return Optional.of(new SmartScope(ScopeContext.ofPrefix(m.group(1)), m.group(2), permissions));
    }

    /** Parses a space-separated scope string (the token's {@code scope} claim), keeping the valid resource scopes. */
    public static Set<SmartScope> parseAll(String scopeClaim) {
        if (scopeClaim == null || scopeClaim.isBlank()) {
            return Set.of();
        }
        return parseAll(java.util.Arrays.asList(scopeClaim.trim().split("\\s+")));
    }

    public static Set<SmartScope> parseAll(Collection<String> scopes) {
        Set<SmartScope> out = new LinkedHashSet<>();
        for (String s : scopes) {
            parse(s).ifPresent(out::add);
        }
        return Collections.unmodifiableSet(out);
    }

    public boolean isWildcard() {
        return ANY_TYPE.equals(resourceType);
    }

    /** The v2 form, e.g. {@code user/Observation.crus}. */
    @Override
    public String toString() {
        return context.prefix() + "/" + resourceType + "." + Permission.letters(permissions);
    }
}
