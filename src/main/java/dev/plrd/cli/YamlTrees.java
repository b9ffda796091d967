package dev.plrd.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plrd.api.Violation;
import java.io.IOException;
import java.util.List;

/**
 * Builds a tree from the parser's current value and records every repeated mapping key with its
 * path, as the API server's strict decoding reports them ({@code duplicate field "spec.x"}).
 * Jackson's own tree reader either keeps the last value silently or stops at the first repeat.
 */
final class YamlTrees {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private YamlTrees() {
    }

    /** The value the parser is on, read to its end; {@code path} is its field path, empty for a document. */
    static JsonNode read(JsonParser parser, String path, List<Violation> duplicates) throws IOException {
        JsonToken token = parser.currentToken();
        return switch (token) {
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    String child = path.isEmpty() ? name : path + "." + name;
                    parser.nextToken();
                    JsonNode value = read(parser, child, duplicates);
                    if (object.has(name)) {
                        duplicates.add(new Violation(child, "duplicate field \"" + child + "\""));
                    }
                    object.set(name, value);
                }
                yield object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    array.add(read(parser, path + "[" + array.size() + "]", duplicates));
                }
                yield array;
            }
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE, VALUE_FALSE -> NODES.booleanNode(parser.getBooleanValue());
            case VALUE_NULL -> NODES.nullNode();
            default -> NODES.pojoNode(parser.getEmbeddedObject());
        };
    }
}
