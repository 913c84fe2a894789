package org.hl7.fhir.utilities;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.util.HashSet;
import java.util.Set;
import org.hl7.fhir.exceptions.FHIRException;

/**
 * Rehab-FHIR's stand-in for {@code org.hl7.fhir.utilities.OIDUtilities} of org.hl7.fhir.core 6.7.9 (the version HAPI
 * FHIR 8.8.0 brings): the application's classes come first on the class path (Spring Boot's {@code BOOT-INF/classes},
 * the test class path), so the JVM loads this class instead of the library's. Same API, same answers; one change:
 * the OID registry ({@code oidregistry.csv}, 1.5 MB in the library's jar) is read once per JVM instead of at every
 * construction. HAPI's instance validator constructs a new {@code InstanceValidator} for every validation, and each
 * constructs one of these: the side-by-side benchmark's profile showed the registry's parsing as 60 % of the CPU of a
 * validated Observation create (docs/operations.md, "Performance"). {@code OidUtilitiesStandInTest} compares it with
 * the library's class; remove it when the library reads the registry once itself.
 */
public class OIDUtilities {

    private static final String OID_REGEX = "[0-2](\\.(0|[1-9][0-9]*))+";
    private static final String REGISTRY = "oidregistry.csv";
    private static volatile Set<String> knownOids;

    /** As the library's: fails with a {@link FHIRException} when the registry cannot be read. */
    public OIDUtilities() {
        knownOids();
    }

    private static Set<String> knownOids() {
        Set<String> known = knownOids;
        if (known == null) {
            synchronized (OIDUtilities.class) {
                known = knownOids;
                if (known == null) {
                    known = Set.copyOf(load());
                    knownOids = known;
                }
            }
        }
        return known;
    }

    /** The first column of every row but the header that has at least four columns (the library's rule). */
    private static Set<String> load() {
        Set<String> oids = new HashSet<>();
        try (InputStream in = OIDUtilities.class.getClassLoader().getResourceAsStream(REGISTRY);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, Charset.defaultCharset()))) {
            String line;
            boolean header = true;
            while ((line = reader.readLine()) != null) {
                if (header) {
                    header = false;
                    continue;
                }
                String[] columns = line.split(",");
                if (columns.length >= 4) {
                    Integer.parseInt(columns[1].trim()); // the library parses the type column; a bad row fails alike
                    oids.add(columns[0].trim());
                }
            }
            return oids;
        } catch (Exception e) {
            throw new FHIRException(e);
        }
    }

    public static String getUriForOid(String r) {
        if (r == null) {
            return null;
        }
        switch (r) {
            case "2.16.840.1.113883.6.96":
                return "http://snomed.info/sct";
            case "2.16.840.1.113883.6.1":
                return "http://loinc.org";
            case "2.16.840.1.113883.6.8":
                return "http://unitsofmeasure.org";
            case "2.16.840.1.113883.6.3":
                return "http://hl7.org/fhir/sid/icd-10";
            case "2.16.840.1.113883.6.42":
            case "2.16.840.1.113883.6.104":
            case "2.16.840.1.113883.6.103":
                return "http://hl7.org/fhir/sid/icd-9";
            case "2.16.840.1.113883.6.73":
                return "http://www.whocc.no/atc";
            case "2.16.840.1.113883.3.26.1.1":
            case "2.16.840.1.113883.3.26.1.1.1":
                return "http://ncimeta.nci.nih.gov";
            case "2.16.840.1.113883.6.88":
                return "http://www.nlm.nih.gov/research/umls/rxnorm";
            case "2.16.840.1.113883.6.59":
            case "2.16.840.1.113883.12.292":
                return "http://hl7.org/fhir/sid/cvx";
            case "2.16.840.1.113883.6.12":
                return "http://www.ama-assn.org/go/cpt";
            default:
                return null;
        }
    }

    public static String oidTail(String id) {
        if (id == null || !id.contains(".")) {
            return id;
        }
        return id.substring(id.lastIndexOf(".") + 1);
    }

    public static String oidRoot(String id) {
        if (id == null || !id.contains(".")) {
            return id;
        }
        return id.substring(0, id.indexOf("."));
    }

    public static boolean isValidOID(String oid) {
        return oid.matches(OID_REGEX);
    }

    public boolean isKnownOID(String oid) {
        if (oid == null || !oid.startsWith("urn:oid:")) {
            return false;
        }
        return knownOids().contains(oid.substring(8));
    }
}
