package org.rehabfhir.server.subscription;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which REST-hook endpoints the server may call (no server-side request forgery): the URL must start with one of the
 * configured prefixes ({@code rehab.subscriptions.allowed-endpoints}), be http(s) without user info, and its host must
 * not be or resolve to a wildcard, link-local or multicast address, nor to a loopback address unless
 * {@code allow-loopback} (tests) is set. Checked when a Subscription is stored and again before every delivery (a
 * name may resolve differently later).
 */
public final class EndpointPolicy {

    private final List<String> allowedPrefixes;
    private final boolean allowLoopback;
    private final Function<String, InetAddress[]> resolver;

    public EndpointPolicy(List<String> allowedPrefixes, boolean allowLoopback) {
        this(allowedPrefixes, allowLoopback, EndpointPolicy::resolve);
    }

    EndpointPolicy(List<String> allowedPrefixes, boolean allowLoopback, Function<String, InetAddress[]> resolver) {
        this.allowedPrefixes = List.copyOf(allowedPrefixes);
        this.allowLoopback = allowLoopback;
        this.resolver = resolver;
    }

    /**
     * The regular expression of the allow-list for HAPI's own endpoint check
     * ({@code SubscriptionSettings.setRestHookEndpointUrlValidationRegex}): any URL starting with a listed prefix. With
     * no prefix listed it matches nothing.
     */
    public String allowListRegex() {
        if (allowedPrefixes.isEmpty()) {
            return "(?!)";
        }
        return allowedPrefixes.stream().map(Pattern::quote).collect(Collectors.joining("|", "(?:", ").*"));
    }

    /** Why {@code endpoint} may not be called, or empty when it may. */
    public Optional<String> refusal(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            return Optional.of("Subscription.channel.endpoint is missing");
        }
        if (allowedPrefixes.stream().noneMatch(endpoint::startsWith)) {
            return Optional.of("endpoint " + endpoint + " is not in the server's allow-list"
                    + " (rehab.subscriptions.allowed-endpoints)");
        }
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            return Optional.of("endpoint " + endpoint + " is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return Optional.of("endpoint " + endpoint + ": only http(s) endpoints are allowed");
        }
        if (uri.getRawUserInfo() != null) {
            return Optional.of("endpoint " + endpoint + ": user info in the URL is not allowed");
        }
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            return Optional.of("endpoint " + endpoint + " has no host");
        }
        InetAddress[] addresses = resolver.apply(host);
        if (addresses == null || addresses.length == 0) {
            return Optional.of("endpoint host " + host + " does not resolve");
        }
        for (InetAddress address : addresses) {
            if (address.isAnyLocalAddress() || address.isLinkLocalAddress() || address.isMulticastAddress()) {
                return Optional.of("endpoint host " + host + " resolves to " + address.getHostAddress()
                        + " (wildcard, link-local or multicast: never allowed)");
            }
            if (address.isLoopbackAddress() && !allowLoopback) {
                return Optional.of("endpoint host " + host + " resolves to the loopback address "
                        + address.getHostAddress() + " (not allowed)");
            }
        }
        return Optional.empty();
    }

    private static InetAddress[] resolve(String host) {
        try {
            String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return InetAddress.getAllByName(bare);
        } catch (UnknownHostException e) {
            return new InetAddress[0];
        }
    }
}
