package org.rehabfhir.auth.limits;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HAPI's XML parser must not resolve external entities (XXE). HAPI's {@code XmlUtil} creates its StAX factory with
 * DTD support and external entities off; this pins that behaviour for the HAPI version in use.
 */
class XxeTest {

    @Test
    void externalEntitiesAreNotResolved(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET-CONTENT");
        String xml = "<?xml version=\"1.0\"?>\n"
                + "<!DOCTYPE foo [ <!ENTITY xxe SYSTEM \"" + secret.toUri() + "\"> ]>\n"
                + "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"x\"/>"
                + "<name><family value=\"&xxe;\"/></name></Patient>";
        String family;
        try {
            Patient patient = FhirContext.forR4Cached().newXmlParser().parseResource(Patient.class, xml);
            family = patient.getNameFirstRep().getFamily();
        } catch (DataFormatException refused) {
            family = refused.getMessage();
        }
        assertThat(String.valueOf(family)).doesNotContain("TOP-SECRET-CONTENT");
    }

    @Test
    void billionLaughsIsRefusedOrHarmless() {
        StringBuilder dtd = new StringBuilder("<!DOCTYPE lolz [ <!ENTITY lol \"lol\">");
        String prev = "lol";
        for (int i = 1; i <= 9; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" \"");
            for (int j = 0; j < 10; j++) {
                dtd.append('&').append(prev).append(';');
            }
            dtd.append("\">");
            prev = "lol" + i;
        }
        dtd.append("]>");
        String xml = "<?xml version=\"1.0\"?>" + dtd + "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"&"
                + prev + ";\"/></name></Patient>";
        String family;
        try {
            family = FhirContext.forR4Cached()
                    .newXmlParser()
                    .parseResource(Patient.class, xml)
                    .getNameFirstRep()
                    .getFamily();
        } catch (DataFormatException refused) {
            family = "";
        }
        assertThat(family == null ? 0 : family.length()).isLessThan(1000);
    }
}
