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
 * Thread-safe: the parsed resources never leave this class. HAPI's model objects are not safe to share (their getters
 * create and assign an element when a field is null), so every accessor hands out a <em>copy</em> ({@code copy()} only
 * reads fields), and what the catalogue answers itself (displays, evidence ranks and labels, local codes) is read into
 * immutable maps at load. A caller may modify what it gets without affecting anyone else.
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
    /** system → code → concept, read once at load. */
    private final Map<String, Map<String, Concept>> concepts;

    /** A concept of one of the catalogue's CodeSystems: its display and the two properties the engine reads. */
    private record Concept(String display, Integer rank, String label) {}

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
        Map<String, Map<String, Concept>> cs = new LinkedHashMap<>();
        for (CodeSystem system : css.values()) {
            Map<String, Concept> byCode = new LinkedHashMap<>();
            for (CodeSystem.ConceptDefinitionComponent c : system.getConcept()) {
                byCode.put(
                        c.getCode(),
                        new Concept(
                                c.getDisplay(),
                                property(c, "rank")
                                        .filter(IntegerType.class::isInstance)
                                        .map(v -> ((IntegerType) v).getValue())
                                        .orElse(null),
                                property(c, "label")
                                        .map(v -> v.primitiveValue())
                                        .orElse(null)));
            }
            cs.put(system.getUrl(), Collections.unmodifiableMap(byCode));
        }
        this.concepts = Collections.unmodifiableMap(cs);
    }

    private static Optional<org.hl7.fhir.r4.model.Type> property(
            CodeSystem.ConceptDefinitionComponent c, String property) {
        return c.getProperty().stream()
                .filter(p -> p.getCode().equals(property))
                .findFirst()
                .map(p -> p.getValue());
    }

    @SuppressWarnings("unchecked")
    private static <T extends IBaseResource> T copy(T resource) {
        return resource == null ? null : (T) ((MetadataResource) resource).copy();
    }

    private static <T extends IBaseResource> List<T> copies(java.util.Collection<T> resources) {
        return resources.stream().map(ProtocolCatalogue::copy).toList();
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
        return copies(planDefinitions);
    }

    /** The ActivityDefinition for a canonical, with or without a {@code |version} suffix. */
    public Optional<ActivityDefinition> activityDefinition(String canonical) {
        return Optional.ofNullable(copy(byCanonical(activityDefinitions, canonical)));
    }

    /** The PlanDefinition for a canonical URL, with or without {@code |version}. */
    public Optional<PlanDefinition> planDefinitionByUrl(String url) {
        if (url == null) {
            return Optional.empty();
        }
        String[] parts = url.split("\\|", 2);
        return planDefinitions.stream()
                .filter(pd -> pd.getUrl().equals(parts[0]) && (parts.length == 1 || parts[1].equals(pd.getVersion())))
                .findFirst()
                .map(ProtocolCatalogue::copy);
    }

    /** The PlanDefinition with this logical id (e.g. {@code bw-knee-osteoarthritis}). */
    public Optional<PlanDefinition> planDefinitionById(String id) {
        return planDefinitions.stream()
                .filter(pd -> pd.getIdElement().getIdPart().equals(id))
                .findFirst()
                .map(ProtocolCatalogue::copy);
    }

    /**
     * Everything the server must load, dependencies first: CodeSystems, the ConceptMap of unverified codes,
     * StructureDefinitions, then ActivityDefinitions before the PlanDefinition that uses them.
     */
    public List<IBaseResource> allResources() {
        return copies(all);
    }

    public List<CodeSystem> codeSystems() {
        return copies(codeSystems.values());
    }

    public Optional<CodeSystem> codeSystem(String url) {
        return Optional.ofNullable(copy(byCanonical(codeSystems, url)));
    }

    public List<StructureDefinition> structureDefinitions() {
        return copies(structureDefinitions);
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
        return Optional.ofNullable(copy(q));
    }

    public List<ConceptMap> conceptMaps() {
        return copies(conceptMaps);
    }

    private Optional<Concept> concept(String system, String code) {
        return Optional.ofNullable(concepts.getOrDefault(system, Map.of()).get(code));
    }

    /** True when the code is defined by one of the catalogue's own CodeSystems. */
    public boolean isLocalCode(String system, String code) {
        return concept(system, code).isPresent();
    }

    /** Rank of an evidence-level code (1 = strongest), from the evidence-level CodeSystem's "rank" property. */
    public int evidenceRank(String evidenceCode) {
        return concept(RehabCodes.CS_EVIDENCE, evidenceCode).map(Concept::rank).orElse(Integer.MAX_VALUE);
    }

    /** Short clinician-facing label of an evidence-level code, e.g. "[T]". */
    public String evidenceLabel(String evidenceCode) {
        return concept(RehabCodes.CS_EVIDENCE, evidenceCode).map(Concept::label).orElse(evidenceCode);
    }

    /** Display of a code in one of our CodeSystems, or the code itself. */
    public String display(String system, String code) {
        return concept(system, code).map(Concept::display).orElse(code);
    }

    /** The evidence-level code of a PlanDefinition or ActivityDefinition (our evidence-level extension). */
    public static Optional<String> evidenceCode(MetadataResource resource) {
        Extension ext = resource instanceof PlanDefinition pd
                ? pd.getExtensionByUrl(RehabCodes.EXT_EVIDENCE)
                : resource instanceof ActivityDefinition ad ? ad.getExtensionByUrl(RehabCodes.EXT_EVIDENCE) : null;
        if (ext == null || !(ext.getValue() instanceof CodeableConcept cc)) {
            return Optional.empty();
        }
        return cc.getCoding().stream()
                .filter(c -> RehabCodes.CS_EVIDENCE.equals(c.getSystem()))
                .map(Coding::getCode)
                .findFirst();
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
