package org.rehabfhir.server.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.IValidationContext;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.Enumerations.BindingStrength;
import org.hl7.fhir.r4.model.StructureDefinition;

/**
 * Keeps the FHIR R4 validator's errors to what the specification makes errors, so that real EHR records pass (an
 * IValidatorModule around HAPI's instance validator):
 * <ul>
 *   <li>a code outside a <b>preferred or extensible</b> (or example) binding is a warning: the binding strength is
 *       read from the core StructureDefinition of the element the message is about; a required binding, or an
 *       element whose binding cannot be found, stays an error;</li>
 *   <li>a <b>POST</b> entry of a transaction or batch without {@code fullUrl} (and its relative references) is a
 *       warning: R4 lets the server assign the id.</li>
 * </ul>
 * Unknown profiles are warnings through {@code FhirInstanceValidator#setErrorForUnknownProfiles(false)}, unless the
 * deployment supplies the profile's package.
 */
final class RealRecordSeverityPolicy implements IValidatorModule {

    private static final Set<String> FULL_URL_MESSAGES =
            Set.of("Bundle_BUNDLE_Entry_NoFullUrl", "Bundle_BUNDLE_FullUrl_Missing");
    private static final String CORE = "http://hl7.org/fhir/StructureDefinition/";
    private static final java.util.regex.Pattern BUNDLE_ENTRY =
            java.util.regex.Pattern.compile("^Bundle\\.entry\\[\\d+]\\.resource/\\*([A-Za-z]+)[^*]*\\*/");

    private final IValidatorModule delegate;
    private final IValidationSupport definitions;
    private final Map<String, Optional<BindingStrength>> strengths = new ConcurrentHashMap<>();

    RealRecordSeverityPolicy(IValidatorModule delegate, IValidationSupport definitions) {
        this.delegate = delegate;
        this.definitions = definitions;
    }

    @Override
    public void validateResource(IValidationContext<IBaseResource> context) {
        int before = context.getMessages().size();
        delegate.validateResource(context);
        var messages = context.getMessages();
        for (int i = before; i < messages.size(); i++) {
            SingleValidationMessage m = messages.get(i);
            if (m.getSeverity() != ResultSeverityEnum.ERROR || m.getMessageId() == null) {
                continue;
            }
            if (m.getMessageId().startsWith("Terminology_")
                    && notRequired(context.getFhirContext(), m.getLocationString())) {
                m.setSeverity(ResultSeverityEnum.WARNING);
            } else if (FULL_URL_MESSAGES.contains(m.getMessageId())
                    && postEntry(context.getResource(), m.getLocationString())) {
                m.setSeverity(ResultSeverityEnum.WARNING);
            }
        }
    }

    /** Whether the element at {@code location} (e.g. {@code Patient.communication[0].language}) has a non-required binding. */
    private boolean notRequired(FhirContext fhir, String location) {
        if (location != null) {
            // in a Bundle: Bundle.entry[2].resource/*Patient/123*/.communication[0].language ->
            // Patient.communication...
            location = BUNDLE_ENTRY.matcher(location).replaceFirst("$1");
        }
        if (location == null || location.contains("/*") || location.contains("extension")) {
            return false;
        }
        String path = location.replaceAll("\\[\\d+]", "").replaceAll("\\.(coding|text)$", "");
        return strengths
                .computeIfAbsent(path, p -> strength(p))
                .map(s -> s != BindingStrength.REQUIRED && s != BindingStrength.NULL)
                .orElse(false);
    }

    private Optional<BindingStrength> strength(String path) {
        int dot = path.indexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        IBaseResource sd = definitions.fetchStructureDefinition(CORE + path.substring(0, dot));
        if (!(sd instanceof StructureDefinition definition)) {
            return Optional.empty();
        }
        return definition.getSnapshot().getElement().stream()
                .filter(e -> path.equals(e.getPath()))
                .filter(ElementDefinition::hasBinding)
                .map(e -> e.getBinding().getStrength())
                .findFirst();
    }

    /** Whether the message's location is in a Bundle entry whose request method is POST. */
    private static boolean postEntry(IBaseResource resource, String location) {
        if (!(resource instanceof Bundle bundle) || location == null) {
            return false;
        }
        var m = java.util.regex.Pattern.compile("^Bundle\\.entry\\[(\\d+)]").matcher(location);
        if (!m.find()) {
            return false;
        }
        int index = Integer.parseInt(m.group(1));
        return index < bundle.getEntry().size()
                && bundle.getEntry().get(index).getRequest().getMethod() == Bundle.HTTPVerb.POST;
    }
}
