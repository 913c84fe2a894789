package org.rehabfhir.auth.limits;

import ca.uhn.fhir.rest.api.EncodingEnum;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Counts the entries of a Bundle by streaming over the tokens of its JSON or XML body, building no FHIR model: the
 * entry limit is checked before anything parses a (possibly 64 MB) body into resources. Only the top level is read:
 * {@code entry} elements inside contained or nested resources are skipped.
 */
final class BundleEntryCounter {

    private static final JsonFactory JSON = new JsonFactory();

    private BundleEntryCounter() {}

    /** The number of {@code Bundle.entry} elements; -1 when the body is not a readable JSON or XML Bundle. */
    static int count(EncodingEnum encoding, byte[] body, Charset charset) {
        try {
            return switch (encoding) {
                case JSON -> countJson(body, charset);
                case XML -> countXml(body, charset);
                default -> -1;
            };
        } catch (IOException | XMLStreamException | RuntimeException unreadable) {
            return -1; // HAPI's parser reports what is wrong
        }
    }

    private static int countJson(byte[] body, Charset charset) throws IOException {
        try (JsonParser parser = JSON.createParser(new InputStreamReader(new ByteArrayInputStream(body), charset))) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return -1;
            }
            int entries = -1;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("entry".equals(field) && value == JsonToken.START_ARRAY) {
                    entries = 0;
                    while (parser.nextToken() != JsonToken.END_ARRAY) {
                        entries++;
                        parser.skipChildren();
                    }
                } else {
                    parser.skipChildren();
                }
            }
            return entries < 0 ? 0 : entries;
        }
    }

    private static int countXml(byte[] body, Charset charset) throws XMLStreamException {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        XMLStreamReader reader =
                factory.createXMLStreamReader(new InputStreamReader(new ByteArrayInputStream(body), charset));
        try {
            int depth = 0;
            int entries = 0;
            while (reader.hasNext()) {
                int event = reader.next();
                if (event == XMLStreamReader.START_ELEMENT) {
                    depth++;
                    if (depth == 2 && "entry".equals(reader.getLocalName())) {
                        entries++;
                    }
                } else if (event == XMLStreamReader.END_ELEMENT) {
                    depth--;
                }
            }
            return entries;
        } finally {
            reader.close();
        }
    }
}
