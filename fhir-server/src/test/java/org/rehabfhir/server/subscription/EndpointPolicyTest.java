package org.rehabfhir.server.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class EndpointPolicyTest {

    private static final List<String> ALLOWED =
            List.of("https://ehr.example.org/notify/", "https://rebind.example.org/");

    private static Function<String, InetAddress[]> dns(Map<String, String> table) {
        return host -> {
            String ip = table.get(host);
            try {
                return ip == null ? new InetAddress[0] : new InetAddress[] {InetAddress.getByName(ip)};
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static final Function<String, InetAddress[]> DNS = dns(Map.of(
            "ehr.example.org", "10.1.2.3",
            "rebind.example.org", "127.0.0.1",
            "127.0.0.1", "127.0.0.1",
            "169.254.169.254", "169.254.169.254"));

    @Test
    void aListedEndpointOnAnOrdinaryAddressIsAllowed() {
        assertThat(new EndpointPolicy(ALLOWED, false, DNS).refusal("https://ehr.example.org/notify/rehab"))
                .isEmpty();
    }

    @Test
    void anUnlistedHostIsRefused() {
        assertThat(new EndpointPolicy(ALLOWED, false, DNS).refusal("https://other.example.org/notify/"))
                .hasValueSatisfying(r -> assertThat(r).contains("not in the server's allow-list"));
    }

    @Test
    void aListedNameThatResolvesToLoopbackIsRefusedUnlessLoopbackIsAllowed() {
        assertThat(new EndpointPolicy(ALLOWED, false, DNS).refusal("https://rebind.example.org/x"))
                .hasValueSatisfying(r -> assertThat(r).contains("loopback"));
        assertThat(new EndpointPolicy(ALLOWED, true, DNS).refusal("https://rebind.example.org/x"))
                .isEmpty();
    }

    @Test
    void linkLocalIsRefusedEvenWhenListedAndLoopbackAllowed() {
        EndpointPolicy policy = new EndpointPolicy(List.of("http://169.254.169.254/"), true, DNS);
        assertThat(policy.refusal("http://169.254.169.254/latest/meta-data"))
                .hasValueSatisfying(r -> assertThat(r).contains("link-local"));
    }

    @Test
    void userInfoOtherSchemesAndUnresolvableHostsAreRefused() {
        EndpointPolicy policy =
                new EndpointPolicy(List.of("https://ehr.example.org", "ftp://ehr.example.org/"), false, DNS);
        assertThat(policy.refusal("https://ehr.example.org@127.0.0.1/")).isPresent();
        assertThat(policy.refusal("ftp://ehr.example.org/x")).isPresent();
        assertThat(new EndpointPolicy(List.of("https://gone.example.org/"), false, DNS)
                        .refusal("https://gone.example.org/x"))
                .hasValueSatisfying(r -> assertThat(r).contains("does not resolve"));
    }

    @Test
    void theAllowListRegexForHapiMatchesThePrefixesLiterallyAndNothingWhenEmpty() {
        Pattern regex = Pattern.compile(
                new EndpointPolicy(List.of("https://ehr.example.org/a.b/"), false, DNS).allowListRegex());
        assertThat(regex.matcher("https://ehr.example.org/a.b/notify").matches())
                .isTrue();
        assertThat(regex.matcher("https://ehr.example.org/aXb/notify").matches())
                .isFalse();
        assertThat(Pattern.compile(new EndpointPolicy(List.of(), false, DNS).allowListRegex())
                        .matcher("https://ehr.example.org/")
                        .matches())
                .isFalse();
    }
}
