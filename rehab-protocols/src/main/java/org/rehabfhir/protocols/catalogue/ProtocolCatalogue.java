package org.rehabfhir.protocols.catalogue;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.FhirVersionEnum;
import ca.uhn.fhir.parser.IParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Questionnaire;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The regimen catalogue: FHIR R4 resources read from the classpath ({@code catalogue/index.txt} lists the files).
 * Immutable after loading; safe to share between threads as long as callers do not modify the returned resources
 * (copy them first, as {@link org.rehabfhir.protocols.apply.PlanApplier} does).
 */
public final class ProtocolCatalogue {

    private static final Logger LOG = LoggerFactory.getLogger(ProtocolCatalogue.class);
    public static final String DEFAULT_INDEX = "catalogue/index.txt";

    private final List<IBaseResource> all;
    private final List<PlanDefinition> planDefinitions;
    private final Map<String, ActivityDefinition> activityDefinitions;
    private final Map<String, CodeSystem> codeSystems;
    private final List<StructureDefinition> structureDefinitions;
    private final List<ConceptMap> conceptMaps;
    private final Map<String, Questionnaire> questionnaires;

    private ProtocolCatalogue(List<IBaseResource> resources) {
        List<PlanDefinition> pds = new ArrayList<>();
        Map<String, ActivityDefinition> ads = new LinkedHashMap<>();
        Map<String, CodeSystem> css = new LinkedHashMap<>();
        List<StructureDefinition> sds = new ArrayList<>();
        List<ConceptMap> cms = new ArrayList<>();
        Map<String, Questionnaire> qs = new LinkedHashMap<>();
        for (IBaseResource r : resources) {
            if (r instanceof PlanDefinition pd) {
                pds.add(pd);
            } else if (r instanceof ActivityDefinition ad) {
                ads.put(ad.getUrl(), ad);
            } else if (r instanceof CodeSystem cs) {
                css.put(cs.getUrl(), cs);
            } else if (r instanceof StructureDefinition sd) {
                sds.add(sd);
            } else if (r instanceof ConceptMap cm) {
                cms.add(cm);
            } else if (r instanceof Questionnaire q) {
                qs.put(q.getUrl(), q);
            } else {
                throw new IllegalStateException("Unexpected catalogue resource " + r.fhirType());
            }
        }
        this.all = List.copyOf(resources);
        this.planDefinitions = List.copyOf(pds);
        this.activityDefinitions = Collections.unmodifiableMap(ads);
        this.codeSystems = Collections.unmodifiableMap(css);
        this.structureDefinitions = List.copyOf(sds);
        this.conceptMaps = List.copyOf(cms);
        this.questionnaires = Collections.unmodifiableMap(qs);
    }

    /** Loads the catalogue shipped with this library. */
    public static ProtocolCatalogue loadDefault(FhirContext ctx) {
        return load(ctx, ProtocolCatalogue.class.getClassLoader(), DEFAULT_INDEX);
    }

    /** Loads the catalogue listed by {@code indexResource} (one classpath path per line, '#' comments). */
    public static ProtocolCatalogue load(FhirContext ctx, ClassLoader loader, String indexResource) {
        if (ctx.getVersion().getVersion() != FhirVersionEnum.R4) {
            throw new IllegalArgumentException("The protocol catalogue needs an R4 FhirContext");
        }
        IParser parser = ctx.newJsonParser();
        List<IBaseResource> resources = new ArrayList<>();
        for (String path : readLines(loader, indexResource)) {
            try (InputStream in = open(loader, path)) {
                IBaseResource r = parser.parseResource(new InputStreamReader(in, StandardCharsets.UTF_8));
                if (!r.getIdElement().hasIdPart()) {
                    throw new IllegalStateException("Catalogue resource without id: " + path);
                }
                resources.add(r);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read catalogue file " + path, e);
            }
        }
        LOG.info("Loaded protocol catalogue: {} resources from {}", resources.size(), indexResource);
        return new ProtocolCatalogue(resources);
    }

    private static List<String> readLines(ClassLoader loader, String path) {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(open(loader, path), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    lines.add(t);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + path, e);
        }
        return lines;
    }

    static InputStream open(ClassLoader loader, String path) {
        InputStream in = loader.getResourceAsStream(path);
        if (in == null) {
            throw new IllegalStateException("Missing classpath resource " + path);
        }
        return in;
    }

    /** Every regimen (PlanDefinition), in catalogue order. */
    public List<PlanDefinition> planDefinitions() {
        return planDefinitions;
    }

    /** The ActivityDefinition for a canonical, with or without a {@code |version} suffix. */
    public Optional<ActivityDefinition> activityDefinition(String canonical) {
        return Optional.ofNullable(byCanonical(activityDefinitions, canonical));
    }

    /** The PlanDefinition for a canonical URL, with or without {@code |version}. */
    public Optional<PlanDefinition> planDefinitionByUrl(String url) {
        if (url == null) {
            return Optional.empty();
        }
        String[] parts = url.split("\\|", 2);
        return planDefinitions.stream()
                .filter(pd -> pd.getUrl().equals(parts[0]) && (parts.length == 1 || parts[1].equals(pd.getVersion())))
                .findFirst();
    }

    /** The PlanDefinition with this logical id (e.g. {@code bw-knee-osteoarthritis}). */
    public Optional<PlanDefinition> planDefinitionById(String id) {
        return planDefinitions.stream().filter(pd -> pd.getIdElement().getIdPart().equals(id)).findFirst();
    }

    /**
     * Everything the server must load, dependencies first: CodeSystems, the ConceptMap of unverified codes,
     * StructureDefinitions, then ActivityDefinitions before the PlanDefinition that uses them.
     */
    public List<IBaseResource> allResources() {
        return all;
    }

    public List<CodeSystem> codeSystems() {
        return List.copyOf(codeSystems.values());
    }

    public Optional<CodeSystem> codeSystem(String url) {
        return Optional.ofNullable(byCanonical(codeSystems, url));
    }

    public List<StructureDefinition> structureDefinitions() {
        return structureDefinitions;
    }

    /** A Questionnaire of the catalogue (the safety screen) by canonical URL, with or without {@code |version}. */
    public Optional<Questionnaire> questionnaire(String canonical) {
        if (canonical == null) {
            return Optional.empty();
        }
        int bar = canonical.indexOf('|');
        Questionnaire q = questionnaires.get(bar < 0 ? canonical : canonical.substring(0, bar));
        if (q != null && bar >= 0 && !canonical.substring(bar + 1).equals(q.getVersion())) {
            return Optional.empty();
        }
        return Optional.ofNullable(q);
    }

    public List<ConceptMap> conceptMaps() {
        return conceptMaps;
    }

    /** True when the code is defined by one of the catalogue's own CodeSystems. */
    public boolean isLocalCode(String system, String code) {
        CodeSystem cs = codeSystems.get(system);
        return cs != null && cs.getConcept().stream().anyMatch(c -> c.getCode().equals(code));
    }

    /** Rank of an evidence-level code (1 = strongest), from the evidence-level CodeSystem's "rank" property. */
    public int evidenceRank(String evidenceCode) {
        return conceptProperty(RehabCodes.CS_EVIDENCE, evidenceCode, "rank")
                .filter(IntegerType.class::isInstance)
                .map(v -> ((IntegerType) v).getValue())
                .orElse(Integer.MAX_VALUE);
    }

    /** Short clinician-facing label of an evidence-level code, e.g. "[T]". */
    public String evidenceLabel(String evidenceCode) {
        return conceptProperty(RehabCodes.CS_EVIDENCE, evidenceCode, "label")
                .map(v -> v.primitiveValue())
                .orElse(evidenceCode);
    }

    private Optional<org.hl7.fhir.r4.model.Type> conceptProperty(String system, String code, String property) {
        CodeSystem cs = codeSystems.get(system);
        if (cs == null) {
            return Optional.empty();
        }
        return cs.getConcept().stream().filter(c -> c.getCode().equals(code)).findFirst()
                .flatMap(c -> c.getProperty().stream().filter(p -> p.getCode().equals(property)).findFirst())
                .map(p -> p.getValue());
    }

    /** Display of a code in one of our CodeSystems, or the code itself. */
    public String display(String system, String code) {
        CodeSystem cs = codeSystems.get(system);
        if (cs == null) {
            return code;
        }
        return cs.getConcept().stream().filter(c -> c.getCode().equals(code)).findFirst()
                .map(CodeSystem.ConceptDefinitionComponent::getDisplay).orElse(code);
    }

    /** The evidence-level code of a PlanDefinition or ActivityDefinition (our evidence-level extension). */
    public static Optional<String> evidenceCode(MetadataResource resource) {
        Extension ext = resource instanceof PlanDefinition pd ? pd.getExtensionByUrl(RehabCodes.EXT_EVIDENCE)
                : resource instanceof ActivityDefinition ad ? ad.getExtensionByUrl(RehabCodes.EXT_EVIDENCE) : null;
        if (ext == null || !(ext.getValue() instanceof CodeableConcept cc)) {
            return Optional.empty();
        }
        return cc.getCoding().stream().filter(c -> RehabCodes.CS_EVIDENCE.equals(c.getSystem()))
                .map(Coding::getCode).findFirst();
    }

    /** The OptionalInt "minimum" helper used by readers of integer sub-extensions. */
    public static OptionalInt intSubExtension(Extension parent, String url) {
        Extension e = parent.getExtensionByUrl(url);
        if (e != null && e.getValue() instanceof IntegerType it && it.getValue() != null) {
            return OptionalInt.of(it.getValue());
        }
        return OptionalInt.empty();
    }

    private static <T extends MetadataResource> T byCanonical(Map<String, T> map, String canonical) {
        if (canonical == null) {
            return null;
        }
        String[] parts = canonical.split("\\|", 2);
        T found = map.get(parts[0]);
        if (found != null && parts.length == 2 && !parts[1].equals(found.getVersion())) {
            return null;
        }
        return found;
    }
}
