package dev.plrd.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The linear layers of a Llama/Mistral decoder layer that PLRD can factor. */
public enum Projection {
    @JsonProperty("q") Q("q", "self_attn.q_proj"),
    @JsonProperty("k") K("k", "self_attn.k_proj"),
    @JsonProperty("v") V("v", "self_attn.v_proj"),
    @JsonProperty("o") O("o", "self_attn.o_proj"),
    @JsonProperty("gate") GATE("gate", "mlp.gate_proj"),
    @JsonProperty("up") UP("up", "mlp.up_proj"),
    @JsonProperty("down") DOWN("down", "mlp.down_proj");

    private final String id;
    private final String module;

    Projection(String id, String module) {
        this.id = id;
        this.module = module;
    }

    /** The lower-case name used in specs and on the command line. */
    public String id() {
        return id;
    }

    /** The Hugging Face module path inside one decoder layer, e.g. {@code self_attn.q_proj}. */
    public String module() {
        return module;
    }

    /** Rows of the weight (out x in), as Hugging Face stores a linear. */
    public int outFeatures(ModelConfig config) {
        return switch (this) {
            case Q -> config.numAttentionHeads() * config.headDim();
            case K, V -> config.numKeyValueHeads() * config.headDim();
            case O, DOWN -> config.hiddenSize();
            case GATE, UP -> config.intermediateSize();
        };
    }

    public int inFeatures(ModelConfig config) {
        return switch (this) {
            case Q, K, V, GATE, UP -> config.hiddenSize();
            case O -> config.numAttentionHeads() * config.headDim();
            case DOWN -> config.intermediateSize();
        };
    }

    public static Projection fromId(String id) {
        return find(id).orElseThrow(() -> new IllegalArgumentException("unknown projection '" + id + "' (known: " + knownIds() + ")"));
    }

    /** Parses a comma-separated list such as {@code "q,k,v"}; blanks around entries are ignored, repeats are errors. */
    public static List<Projection> parseList(String list) {
        List<Projection> projections = new ArrayList<>();
        for (String entry : list.split(",", -1)) {
            String id = entry.strip();
            Projection projection = find(id).orElseThrow(() -> new IllegalArgumentException(
                    "unknown projection '" + id + "' in \"" + list + "\" (known: " + knownIds() + ")"));
            if (projections.contains(projection)) {
                throw new IllegalArgumentException("projection '" + id + "' appears twice in \"" + list + "\"");
            }
            projections.add(projection);
        }
        return List.copyOf(projections);
    }

    private static Optional<Projection> find(String id) {
        return Arrays.stream(values()).filter(p -> p.id.equals(id)).findFirst();
    }

    private static String knownIds() {
        return Arrays.stream(values()).map(Projection::id).collect(Collectors.joining(", "));
    }
}
