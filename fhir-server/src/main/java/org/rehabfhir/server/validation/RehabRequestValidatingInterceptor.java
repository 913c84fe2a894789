package org.rehabfhir.server.validation;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.rest.server.interceptor.RequestValidatingInterceptor;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rehabfhir.server.reliability.UnreadableRequestInterceptor;

/**
 * HAPI's {@link RequestValidatingInterceptor}, marked as one of the project's interceptors so the FHIR endpoint
 * registers it, and moved <em>after</em> authorization: HAPI validates at {@code SERVER_INCOMING_REQUEST_POST_PROCESSED},
 * before the authorization rules (type, interaction, compartment) are applied at
 * {@code SERVER_INCOMING_REQUEST_PRE_HANDLED}, so a caller without the right could make the server spend seconds of CPU
 * on a large body before the 403. Here validation runs at {@code PRE_HANDLED}, after every other hook of that phase
 * (the authorization interceptor and the SMART guard among them). A body that cannot even be parsed is the client's
 * error: 400, not HAPI's 500.
 *
 * <p>A JSON transaction or batch is validated <b>in parts of {@value #CHUNK} entries</b>, read from the body one
 * entry at a time (Jackson's streaming parser), each part as a Bundle of the same type. HAPI's validator resolves
 * every reference of a Bundle by a linear scan of its entries, so validating a whole 10,000-entry patient record
 * costs time quadratic in its size (minutes); in parts it is linear. A reference to an entry of another part (one of
 * the Bundle's fullUrls) is no error; messages name the entry of the whole Bundle ({@code Bundle.entry[3]...}).
 * fullUrl uniqueness across parts is checked by HAPI's transaction processing. XML bodies are validated whole.
 */
@Interceptor
public class RehabRequestValidatingInterceptor extends RequestValidatingInterceptor {

    /** After the authorization interceptor and the SMART interaction guard (both at the default order, 0). */
    static final int AFTER_AUTHORIZATION = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Entries per part: HAPI builds a new instance validator per validation (loading its tables each time, some
     * milliseconds) and resolves each reference by a linear scan of the Bundle, so parts of a hundred entries keep both
     * costs small.
     */
    static final int CHUNK = 100;

    private static final Pattern ENTRY_INDEX = Pattern.compile("^Bundle\\.entry\\[(\\d+)]");
    private static final Pattern URN = Pattern.compile("urn:(uuid|oid):[A-Za-z0-9.:-]+");

    private volatile FhirValidator entryValidator;

    /** HAPI's early hook: does nothing here (see {@link #validateAfterAuthorization}). */
    @Override
    public boolean incomingRequestPostProcessed(
            RequestDetails requestDetails, HttpServletRequest request, HttpServletResponse response) {
        return true;
    }

    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = AFTER_AUTHORIZATION)
    public void validateAfterAuthorization(ServletRequestDetails requestDetails) {
        try {
            if (requestDetails.getRestOperationType() == RestOperationTypeEnum.TRANSACTION
                    && RestfulServerUtils.determineRequestEncodingNoDefault(requestDetails) == EncodingEnum.JSON) {
                validateEntryByEntry(requestDetails);
                return;
            }
            super.incomingRequestPostProcessed(
                    requestDetails, requestDetails.getServletRequest(), requestDetails.getServletResponse());
        } catch (InternalErrorException e) {
            throw new InvalidRequestException("The request body is not well-formed "
                    + (requestDetails.getResourceName() == null ? "FHIR" : requestDetails.getResourceName())
                    + " content: " + rootMessage(e));
        } catch (Error e) {
            if (!thrownByTheValidator(e)) {
                throw e;
            }
            throw new UnprocessableEntityException("The request body is not valid "
                    + (requestDetails.getResourceName() == null ? "FHIR" : requestDetails.getResourceName())
                    + " content: " + rootMessage(e));
        }
    }

    /**
     * The HL7 validator answers some malformed input with a {@link java.lang.Error} of its own (a Coding with two
     * {@code code} elements: "Attempt to read a single element when there is more than one present"; found by the
     * fuzz test): the client's error, a 422. An error of the JVM (out of memory, stack overflow) is not one.
     */
    static boolean thrownByTheValidator(Error e) {
        return !(e instanceof VirtualMachineError)
                && e.getStackTrace().length > 0
                && e.getStackTrace()[0].getClassName().startsWith("org.hl7.fhir.");
    }

    private void validateEntryByEntry(ServletRequestDetails request) {
        byte[] body = request.loadRequestContents();
        if (body == null || body.length == 0) {
            return;
        }
        FhirValidator validator = validator(request);
        List<SingleValidationMessage> messages = new ArrayList<>();
        Set<String> fullUrls = new HashSet<>();
        Charset charset = request.getCharset() == null ? StandardCharsets.UTF_8 : request.getCharset();
        try (JsonParser parser = JSON.createParser(new InputStreamReader(new ByteArrayInputStream(body), charset))) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidRequestException("The request body is not a JSON Bundle");
            }
            ObjectNode shell = JSON.createObjectNode();
            boolean hadEntries = false;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("entry".equals(field) && value == JsonToken.START_ARRAY) {
                    hadEntries = true;
                    List<JsonNode> entries = new ArrayList<>();
                    int first = 0;
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        JsonNode entry = parser.readValueAsTree();
                        if (entry.hasNonNull("fullUrl")) {
                            fullUrls.add(entry.get("fullUrl").asText());
                        }
                        entries.add(entry);
                        if (entries.size() == CHUNK) {
                            validateChunk(validator, shell, entries, first, messages);
                            first += entries.size();
                            entries.clear();
                        }
                    }
                    if (!entries.isEmpty() || first == 0) {
                        validateChunk(validator, shell, entries, first, messages);
                    }
                } else {
                    shell.set(field, parser.readValueAsTree());
                }
            }
            if (!hadEntries) {
                validateChunk(validator, shell, List.of(), 0, messages);
            }
        } catch (IOException unreadable) {
            throw new InvalidRequestException("The request body is not well-formed JSON: "
                    + unreadable.getMessage().replaceAll("\\s*at \\[Source.*", ""));
        }
        // a reference to an entry of another part is resolved in the whole Bundle: not an error
        messages.removeIf(m -> m.getSeverity() == ResultSeverityEnum.ERROR && namesAnEntry(m, fullUrls));
        if (messages.stream().anyMatch(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())) {
            ValidationResult result = new ValidationResult(request.getFhirContext(), messages);
            throw new UnprocessableEntityException(request.getFhirContext(), result.toOperationOutcome());
        }
    }

    /**
     * Validates the entries starting at index {@code first} as a Bundle of their own (the shell's type, the entries
     * with their fullUrls and requests); locations are renumbered to the whole Bundle's entry indexes. The shell's
     * fields are validated with the first part only, so that their messages are not repeated per part.
     */
    private void validateChunk(
            FhirValidator validator,
            ObjectNode shell,
            List<JsonNode> entries,
            int first,
            List<SingleValidationMessage> messages) {
        ObjectNode part = shell.deepCopy();
        ArrayNode array = part.putArray("entry");
        entries.forEach(array::add);
        for (SingleValidationMessage message :
                validator.validateWithResult(part.toString()).getMessages()) {
            ResultSeverityEnum severity = message.getSeverity();
            if (severity == null || severity.ordinal() < ResultSeverityEnum.WARNING.ordinal()) {
                continue;
            }
            String location = message.getLocationString();
            Matcher m = location == null ? null : ENTRY_INDEX.matcher(location);
            if (m != null && m.find()) {
                message.setLocationString(
                        "Bundle.entry[" + (first + Integer.parseInt(m.group(1))) + "]" + location.substring(m.end()));
            } else if (first > 0) {
                continue; // about the shell: reported with the first part
            }
            messages.add(message);
        }
    }

    /** Whether the message is about a reference to one of the Bundle's fullUrls (it resolves in the whole Bundle). */
    private static boolean namesAnEntry(SingleValidationMessage message, Set<String> fullUrls) {
        String text = message.getMessage();
        if (text == null) {
            return false;
        }
        Matcher urn = URN.matcher(text);
        while (urn.find()) {
            if (fullUrls.contains(urn.group())) {
                return true;
            }
        }
        return false;
    }

    private FhirValidator validator(RequestDetails request) {
        FhirValidator validator = entryValidator;
        if (validator == null) {
            validator = request.getFhirContext().newValidator();
            for (IValidatorModule module : getValidatorModules()) {
                validator.registerValidatorModule(module);
            }
            entryValidator = validator;
        }
        return validator;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "unreadable" : root.getMessage();
        // keep the parser's position information, drop any Java class names
        return UnreadableRequestInterceptor.withoutClassNames(message);
    }
}
