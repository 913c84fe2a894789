package org.rehabfhir.server.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded mutator of request text for the fuzz test: byte-level edits (flip, delete, duplicate, insert a hostile
 * token, truncate) on any text, structure-aware edits on JSON (a value replaced by one of another type or a hostile
 * one, a field removed or added, deep nesting), and hostile parameter values. The same seed gives the same requests.
 */
final class Mutator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Tokens that break parsers, validators, SQL, XML or encodings. */
    static final List<String> HOSTILE = List.of(
            "\"",
            "'",
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "null",
            "-1",
            "0",
            "1e309",
            "-9223372036854775809",
            "99999999999999999999",
            "NaN",
            "true",
            "\\u0000",
            "\u0000",
            "\\",
            "%00",
            "%",
            "<",
            ">",
            "&",
            "&amp;",
            "]]>",
            "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>",
            "&e;",
            "' OR '1'='1",
            "'; DROP TABLE hfj_resource; --",
            "${jndi:ldap://127.0.0.1/x}",
            "../../etc/passwd",
            "\uD83D\uDE00",
            "\uD800",
            "\u202E",
            "\r\n",
            "\t",
            "2026-02-30",
            "2026-13-01T25:61:61Z",
            "9999-12-31",
            "0000-00-00",
            "Patient/",
            "Patient/../../x",
            "urn:uuid:",
            "#",
            "?",
            "&_count=100000",
            "_history",
            "$verify-chain",
            "AuditEvent",
            "\"resourceType\":\"AuditEvent\"",
            "\"resourceType\":\"Bundle\"",
            "x".repeat(5000));

    private final Random random;

    Mutator(long seed) {
        this.random = new Random(seed);
    }

    Random random() {
        return random;
    }

    <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** One to three mutations of a JSON text: structure-aware where it still parses, else byte-level. */
    String mutateJson(String json) {
        String text = json;
        int rounds = 1 + random.nextInt(3);
        for (int i = 0; i < rounds; i++) {
            text = random.nextInt(3) == 0 ? mutateText(text) : mutateJsonTree(text);
        }
        return text;
    }

    /** One to three byte-level mutations (for XML, form values, anything). */
    String mutateTextRounds(String text) {
        String out = text;
        int rounds = 1 + random.nextInt(3);
        for (int i = 0; i < rounds; i++) {
            out = mutateText(out);
        }
        return out;
    }

    String mutateText(String text) {
        if (text.isEmpty()) {
            return pick(HOSTILE);
        }
        int at = random.nextInt(text.length());
        int span = Math.min(text.length() - at, 1 + random.nextInt(Math.max(1, Math.min(40, text.length() / 4 + 1))));
        return switch (random.nextInt(6)) {
            case 0 -> text.substring(0, at)
                    + (char) (text.charAt(at) ^ (1 << random.nextInt(7)))
                    + text.substring(at + 1);
            case 1 -> text.substring(0, at) + text.substring(at + span);
            case 2 -> text.substring(0, at + span) + text.substring(at, at + span) + text.substring(at + span);
            case 3 -> text.substring(0, at) + pick(HOSTILE) + text.substring(at);
            case 4 -> text.substring(0, at);
            default -> text.substring(0, at) + pick(HOSTILE) + text.substring(at + span);
        };
    }

    private String mutateJsonTree(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (Exception unparseable) {
            return mutateText(text);
        }
        if (root == null || !root.isContainerNode()) {
            return mutateText(text);
        }
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = pick(containers);
        if (target instanceof ObjectNode object && object.size() > 0) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            String name = pick(names);
            switch (random.nextInt(4)) {
                case 0 -> object.remove(name);
                case 1 -> object.set(randomName(names), hostileValue());
                default -> object.set(name, hostileValue());
            }
        } else if (target instanceof ArrayNode array) {
            if (array.size() > 0 && random.nextBoolean()) {
                array.set(random.nextInt(array.size()), hostileValue());
            } else if (array.size() > 0) {
                array.add(array.get(random.nextInt(array.size())).deepCopy());
            } else {
                array.add(hostileValue());
            }
        }
        return root.toString();
    }

    private String randomName(List<String> existing) {
        return switch (random.nextInt(4)) {
            case 0 -> pick(existing) + "_";
            case 1 -> "resourceType";
            case 2 -> "id";
            default -> pick(List.of("extension", "modifierExtension", "contained", "meta", "text", "subject", "x"));
        };
    }

    JsonNode hostileValue() {
        return switch (random.nextInt(9)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.numberNode(random.nextBoolean() ? Long.MAX_VALUE : -random.nextInt(1000));
            case 2 -> NODES.booleanNode(random.nextBoolean());
            case 3 -> NODES.objectNode()
                    .put(
                            "reference",
                            pick(List.of(
                                    "Patient/nope",
                                    "AuditEvent/1",
                                    "Patient/demo-knee-oa",
                                    "http://evil.example/Patient/1",
                                    "urn:uuid:x",
                                    "#missing")));
            case 4 -> NODES.arrayNode().add(NODES.textNode(pick(HOSTILE)));
            case 5 -> deep(random.nextInt(3) == 0 ? 200 : 20);
            case 6 -> NODES.objectNode()
                    .set(
                            "extension",
                            NODES.arrayNode()
                                    .add(NODES.objectNode()
                                            .put("url", pick(HOSTILE))
                                            .put("valueString", pick(HOSTILE))));
            default -> NODES.textNode(pick(HOSTILE));
        };
    }

    private static JsonNode deep(int depth) {
        JsonNode node = NODES.textNode("deep");
        for (int i = 0; i < depth; i++) {
            node = NODES.objectNode().set("x", node);
        }
        return node;
    }

    private static void collect(JsonNode node, List<JsonNode> containers) {
        if (!node.isContainerNode()) {
            return;
        }
        containers.add(node);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            collect(it.next().getValue(), containers);
        }
        if (node.isArray()) {
            node.forEach(child -> collect(child, containers));
        }
    }

    /** A hostile or plausible value for an operation or search parameter. */
    String parameterValue(List<String> plausible) {
        return switch (random.nextInt(4)) {
            case 0 -> pick(HOSTILE);
            case 1 -> mutateText(pick(plausible));
            default -> pick(plausible);
        };
    }
}
