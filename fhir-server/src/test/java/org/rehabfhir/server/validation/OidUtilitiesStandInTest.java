package org.rehabfhir.server.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.hl7.fhir.utilities.OIDUtilities;
import org.junit.jupiter.api.Test;

/**
 * The project's stand-in for org.hl7.fhir.core's {@code OIDUtilities} (it reads the OID registry once per JVM, not
 * once per validation) is the class the JVM loads, and answers exactly as the library's own class does.
 */
class OidUtilitiesStandInTest {

    private static final String CLASS_FILE = "org/hl7/fhir/utilities/OIDUtilities.class";

    @Test
    void theJvmLoadsTheProjectsStandInNotTheLibrarysClass() {
        URL loaded = OIDUtilities.class.getProtectionDomain().getCodeSource().getLocation();
        assertThat(loaded.toString()).doesNotContain("org.hl7.fhir.utilities");
    }

    @Test
    void answersAsTheLibrarysClass() throws Exception {
        try (URLClassLoader library =
                new URLClassLoader(new URL[] {libraryJar()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> original = library.loadClass(OIDUtilities.class.getName());
            assertThat(original.getClassLoader()).isSameAs(library);
            Object originalInstance = original.getConstructor().newInstance();
            OIDUtilities standIn = new OIDUtilities();

            List<String> oids = new ArrayList<>();
            try (BufferedReader csv = new BufferedReader(
                    new InputStreamReader(library.getResourceAsStream("oidregistry.csv"), StandardCharsets.UTF_8))) {
                csv.lines().skip(1).map(l -> l.split(",")[0].trim()).forEach(oids::add);
            }
            assertThat(oids).hasSizeGreaterThan(1000);
            List<String> probes = new ArrayList<>();
            for (int i = 0; i < oids.size(); i += 97) {
                probes.add("urn:oid:" + oids.get(i));
                probes.add(oids.get(i));
            }
            probes.addAll(List.of(
                    "urn:oid:1.2.3.4.5.6.7.8.9.10.11",
                    "urn:oid:",
                    "urn:uuid:0b0c7c8e",
                    "",
                    "2.16.840.1.113883.6.96",
                    "2.16.840.1.113883.6.1",
                    "2.16.840.1.113883.6.8",
                    "2.16.840.1.113883.6.3",
                    "2.16.840.1.113883.6.42",
                    "2.16.840.1.113883.6.104",
                    "2.16.840.1.113883.6.103",
                    "2.16.840.1.113883.6.73",
                    "2.16.840.1.113883.3.26.1.1",
                    "2.16.840.1.113883.3.26.1.1.1",
                    "2.16.840.1.113883.6.88",
                    "2.16.840.1.113883.6.59",
                    "2.16.840.1.113883.12.292",
                    "2.16.840.1.113883.6.12",
                    "1.2",
                    "3.1",
                    "1.02",
                    "abc",
                    "1.2.3."));

            Method known = original.getMethod("isKnownOID", String.class);
            Method uri = original.getMethod("getUriForOid", String.class);
            Method tail = original.getMethod("oidTail", String.class);
            Method root = original.getMethod("oidRoot", String.class);
            Method valid = original.getMethod("isValidOID", String.class);
            for (String p : probes) {
                assertThat(standIn.isKnownOID(p)).as("isKnownOID(%s)", p).isEqualTo(known.invoke(originalInstance, p));
                assertThat(OIDUtilities.getUriForOid(p))
                        .as("getUriForOid(%s)", p)
                        .isEqualTo(uri.invoke(null, p));
                assertThat(OIDUtilities.oidTail(p)).as("oidTail(%s)", p).isEqualTo(tail.invoke(null, p));
                assertThat(OIDUtilities.oidRoot(p)).as("oidRoot(%s)", p).isEqualTo(root.invoke(null, p));
                assertThat(OIDUtilities.isValidOID(p)).as("isValidOID(%s)", p).isEqualTo(valid.invoke(null, p));
            }
            assertThat(standIn.isKnownOID(null)).isEqualTo(known.invoke(originalInstance, (Object) null));
            assertThat(OIDUtilities.getUriForOid(null)).isEqualTo(uri.invoke(null, (Object) null));
        }
    }

    /** The library's jar: the other place on the class path that holds this class. */
    private static URL libraryJar() throws Exception {
        for (URL url :
                Collections.list(OidUtilitiesStandInTest.class.getClassLoader().getResources(CLASS_FILE))) {
            String s = url.toString();
            if (s.startsWith("jar:") && s.contains("org.hl7.fhir.utilities")) {
                return new URL(s.substring(4, s.indexOf("!/")));
            }
        }
        throw new AssertionError("org.hl7.fhir.utilities' jar is not on the class path");
    }
}
