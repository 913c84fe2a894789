package org.rehabfhir.auth.authorization;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.util.FhirContextSearchParamRegistry;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Every resource type a search reaches besides its own: the target types of each chain link ({@code patient.family},
 * {@code subject:Patient.name}, {@code care-team.participant}), the types of each {@code _has} hop (nested too, and
 * chains inside {@code _has}), chained {@code _sort} keys and the source types of {@code _revinclude}. Target types
 * of an untyped chain come from HAPI's {@link RuntimeSearchParam} (the active search parameter registry): all
 * targets of the reference that have the next link's parameter, since HAPI searches each of them.
 *
 * <p>Also bounds the work a search may ask for: more than {@code maxDepth} chain links and {@code _has} hops in one
 * parameter is refused (400).
 */
public final class SearchReach {

    private final Function<FhirContext, ISearchParamRegistry> registry;
    private final int maxDepth;

    /**
     * @param registry the server's search parameter registry, asked at first use (null, or supplying null: the
     *     FhirContext's built-in parameters)
     * @param maxDepth chain links plus {@code _has} hops allowed in one parameter
     */
    public SearchReach(java.util.function.Supplier<ISearchParamRegistry> registry, int maxDepth) {
        java.util.Map<FhirContext, ISearchParamRegistry> builtIn = new java.util.concurrent.ConcurrentHashMap<>();
        this.registry = ctx -> {
            ISearchParamRegistry server = registry == null ? null : registry.get();
            return server != null ? server : builtIn.computeIfAbsent(ctx, FhirContextSearchParamRegistry::new);
        };
        this.maxDepth = maxDepth;
    }

    /** The types reached by searching {@code type} with these parameters (the searched type itself not included). */
    public Set<String> typesReached(FhirContext fhir, String type, Map<String, String[]> parameters) {
        Set<String> reached = new LinkedHashSet<>();
        if (type == null || parameters == null) {
            return reached;
        }
        ISearchParamRegistry params = registry.apply(fhir);
        for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
            String name = parameter.getKey();
            if (name.equals("_sort") && parameter.getValue() != null) {
                for (String value : parameter.getValue()) {
                    for (String key : value.split(",")) {
                        String k = key.trim();
                        follow(fhir, params, type, k.startsWith("-") ? k.substring(1) : k, 0, reached);
                    }
                }
            } else if (name.startsWith("_revinclude") && parameter.getValue() != null) {
                for (String value : parameter.getValue()) {
                    int colon = value.indexOf(':');
                    String source = colon > 0 ? value.substring(0, colon) : value;
                    if (!source.isBlank()) {
                        reached.add(source.trim());
                    }
                }
            } else {
                follow(fhir, params, type, name, 0, reached);
            }
        }
        return reached;
    }

    /** The same for a query string ({@code a=b&c=d}, URL-encoded), e.g. of a bundle entry or a conditional URL. */
    public Set<String> typesReached(FhirContext fhir, String type, String query) {
        return typesReached(fhir, type, parseQuery(query));
    }

    private void follow(
            FhirContext fhir, ISearchParamRegistry params, String type, String name, int depth, Set<String> reached) {
        if (name == null || name.isEmpty()) {
            return;
        }
        if (name.startsWith("_has:")) {
            // _has:<Type>:<reference parameter of Type>:<parameter of Type, possibly chained or _has again>
            String[] parts = name.split(":", 4);
            if (parts.length < 4 || parts[1].isBlank()) {
                return; // HAPI answers 400
            }
            checkDepth(depth + 1, name);
            reached.add(parts[1]);
            follow(fhir, params, parts[1], parts[3], depth + 1, reached);
            return;
        }
        int dot = name.indexOf('.');
        if (dot <= 0) {
            return; // a parameter of the type itself (a modifier such as subject:Patient reads nothing of Patient)
        }
        String head = name.substring(0, dot);
        String rest = name.substring(dot + 1);
        int colon = head.indexOf(':');
        String parameter = colon < 0 ? head : head.substring(0, colon);
        String typed = colon < 0 ? null : head.substring(colon + 1);
        checkDepth(depth + 1, name);
        Set<String> targets = new LinkedHashSet<>();
        if (typed != null && !typed.isBlank() && Character.isUpperCase(typed.charAt(0))) {
            targets.add(typed);
        } else {
            RuntimeSearchParam definition = activeParam(params, type, parameter);
            if (definition == null || definition.getParamType() != RestSearchParameterTypeEnum.REFERENCE) {
                return; // not a reference: HAPI refuses the chain (400)
            }
            Set<String> candidates = definition.getTargets().isEmpty()
                    ? new LinkedHashSet<>(fhir.getResourceTypes())
                    : definition.getTargets();
            String next = firstParameter(rest);
            Set<String> hasTargets = "_has".equals(next) ? hasReferenceTargets(params, rest) : null;
            for (String candidate : candidates) {
                boolean fits = hasTargets != null
                        ? hasTargets.isEmpty() || hasTargets.contains(candidate)
                        : next.startsWith("_") || activeParam(params, candidate, next) != null;
                if (fits) {
                    targets.add(candidate);
                }
            }
            if (targets.isEmpty()) {
                targets.addAll(candidates);
            }
        }
        for (String target : targets) {
            reached.add(target);
            follow(fhir, params, target, rest, depth + 1, reached);
        }
    }

    /** For {@code _has:<Type>:<ref>:...}: the types {@code <Type>.<ref>} may point to (empty: any or unknown). */
    private static Set<String> hasReferenceTargets(ISearchParamRegistry params, String has) {
        String[] parts = has.split(":", 4);
        if (parts.length < 3) {
            return Set.of();
        }
        RuntimeSearchParam reference = activeParam(params, parts[1], parts[2]);
        return reference == null ? Set.of() : reference.getTargets();
    }

    private static RuntimeSearchParam activeParam(ISearchParamRegistry params, String type, String name) {
        try {
            return params.getActiveSearchParam(type, name, ISearchParamRegistry.SearchParamLookupContextEnum.SEARCH);
        } catch (RuntimeException unknownType) {
            return null;
        }
    }

    private static String firstParameter(String chain) {
        if (chain.startsWith("_has:")) {
            return "_has";
        }
        int end = chain.length();
        for (char c : new char[] {'.', ':'}) {
            int i = chain.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        return chain.substring(0, end);
    }

    private void checkDepth(int depth, String name) {
        if (depth > maxDepth) {
            throw new InvalidRequestException("Search parameter '" + printable(name) + "' has more than " + maxDepth
                    + " chain links and _has hops (rehab.security.limits.max-search-depth)");
        }
    }

    private static String printable(String name) {
        String clean = name.replaceAll("[^A-Za-z0-9:._\\-]", "?");
        return clean.length() > 80 ? clean.substring(0, 80) + "..." : clean;
    }

    /** Parameter names and values of a query string ({@code ?} and anything before it ignored). */
    static Map<String, String[]> parseQuery(String query) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (query != null) {
            String q = query.contains("?") ? query.substring(query.indexOf('?') + 1) : query;
            for (String pair : q.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                values.computeIfAbsent(name, n -> new java.util.ArrayList<>()).add(value);
            }
        }
        Map<String, String[]> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, v.toArray(String[]::new)));
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return s;
        }
    }
}
