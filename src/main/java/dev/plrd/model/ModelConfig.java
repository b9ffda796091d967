package dev.plrd.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A Hugging Face {@code config.json} of a Llama or Mistral causal LM: the fields that fix tensor shapes, plus the
 * {@link PlrdSection}. The original JSON object is kept whole, so writing the config back preserves every field
 * this class does not model (sliding_window, token ids, rope_scaling, ...).
 */
public final class ModelConfig {
    public static final String FILE_NAME = "config.json";
    public static final List<String> SUPPORTED_ARCHITECTURES = List.of("LlamaForCausalLM", "MistralForCausalLM");
    /** The model_type of a config without architectures, and the class transformers loads for it. */
    private static final Map<String, String> MODEL_TYPES = Collections.unmodifiableSortedMap(
            new TreeMap<>(Map.of("llama", "LlamaForCausalLM", "mistral", "MistralForCausalLM")));
    private static final String PLRD = "plrd";
    private static final String AUTO_MAP = "auto_map";
    private static final String LAYER_PREFIX = "model.layers.";

    private final Path source;
    private final ObjectNode json;
    private final String architecture;
    private final int hiddenSize;
    private final int intermediateSize;
    private final int numHiddenLayers;
    private final int numAttentionHeads;
    private final int numKeyValueHeads;
    private final int vocabSize;
    private final boolean tieWordEmbeddings;
    private final double ropeTheta;
    private final double rmsNormEps;
    private final int maxPositionEmbeddings;
    private final int headDim;
    private final Optional<String> torchDtype;
    private final PlrdSection plrd;

    private ModelConfig(Path source, ObjectNode json) throws CheckpointException {
        this.source = source;
        this.json = json;
        Fields fields = new Fields(source, json);
        this.architecture = fields.architecture();
        this.hiddenSize = fields.requiredPositiveInt("hidden_size");
        this.intermediateSize = fields.requiredPositiveInt("intermediate_size");
        this.numHiddenLayers = fields.requiredPositiveInt("num_hidden_layers");
        this.numAttentionHeads = fields.requiredPositiveInt("num_attention_heads");
        this.numKeyValueHeads = fields.optionalPositiveInt("num_key_value_heads").orElse(numAttentionHeads);
        this.vocabSize = fields.requiredPositiveInt("vocab_size");
        this.tieWordEmbeddings = fields.optionalBoolean("tie_word_embeddings").orElse(false);
        this.ropeTheta = fields.optionalPositiveDouble("rope_theta").orElse(10000.0);
        this.rmsNormEps = fields.optionalPositiveDouble("rms_norm_eps").orElse(1e-6);
        this.maxPositionEmbeddings = fields.optionalPositiveInt("max_position_embeddings").orElse(2048);
        // transformers 4.56 renamed torch_dtype to dtype
        this.torchDtype = fields.optionalString("torch_dtype").or(() -> fields.optionalString("dtype"));
        Optional<Integer> explicitHeadDim = fields.optionalPositiveInt("head_dim");
        if (explicitHeadDim.isEmpty() && hiddenSize % numAttentionHeads != 0) {
            throw new CheckpointException(source, "hidden_size " + hiddenSize + " is not a multiple of num_attention_heads "
                    + numAttentionHeads + " and head_dim is not given");
        }
        this.headDim = explicitHeadDim.orElse(hiddenSize / numAttentionHeads);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new CheckpointException(source, "num_attention_heads " + numAttentionHeads
                    + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
        }
        this.plrd = fields.plrd(numHiddenLayers);
    }

    public static ModelConfig read(Path file) throws IOException {
        return parse(file, Files.readAllBytes(RegularFile.require(file)));
    }

    /** For a config built in memory; error messages name it {@value #FILE_NAME}. */
    public static ModelConfig parse(String json) throws CheckpointException {
        return parse(Path.of(FILE_NAME), json.getBytes(StandardCharsets.UTF_8));
    }

    private static ModelConfig parse(Path source, byte[] bytes) throws CheckpointException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new CheckpointException(source, "is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(source, "is not a JSON object");
        }
        return new ModelConfig(source, (ObjectNode) root);
    }

    /** A copy with another PLRD section (an empty one removes {@code "plrd"}); every other field is kept. */
    public ModelConfig withPlrd(PlrdSection section) {
        ObjectNode copy = json.deepCopy();
        if (section.isEmpty()) {
            copy.remove(PLRD);
        } else {
            ObjectNode node = copy.putObject(PLRD);
            ObjectNode ranks = node.putObject(PlrdSection.RANKS);
            section.ranks().forEach(ranks::put);
            section.fields().forEach(node::put);
        }
        try {
            return new ModelConfig(source, copy);
        } catch (CheckpointException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * A copy whose auto_map sends transformers' AutoModelForCausalLM to {@code modelClass} ({@code file.Class} in
     * the checkpoint's directory), or without auto_map when modelClass is null; every other field is kept.
     */
    public ModelConfig withAutoModel(String modelClass) {
        ObjectNode copy = json.deepCopy();
        if (modelClass == null) {
            copy.remove(AUTO_MAP);
        } else {
            copy.putObject(AUTO_MAP).put("AutoModelForCausalLM", modelClass);
        }
        try {
            return new ModelConfig(source, copy);
        } catch (CheckpointException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The class auto_map names for AutoModelForCausalLM, if any. */
    public Optional<String> autoModel() {
        JsonNode model = json.path(AUTO_MAP).path("AutoModelForCausalLM");
        return model.isTextual() ? Optional.of(model.textValue()) : Optional.empty();
    }

    public String toJson() {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** Writes the config under its name only once complete (temporary file, then rename). */
    public void write(Path file) throws IOException {
        AtomicFiles.writeAtomically(file, toJson().getBytes(StandardCharsets.UTF_8));
    }

    public String architecture() {
        return architecture;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int intermediateSize() {
        return intermediateSize;
    }

    public int numHiddenLayers() {
        return numHiddenLayers;
    }

    public int numAttentionHeads() {
        return numAttentionHeads;
    }

    /** Fewer than the attention heads under grouped-query attention (Mistral: 8 for 32). */
    public int numKeyValueHeads() {
        return numKeyValueHeads;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** Whether lm_head reuses the embedding matrix, so the checkpoint holds no lm_head.weight. */
    public boolean tieWordEmbeddings() {
        return tieWordEmbeddings;
    }

    public double ropeTheta() {
        return ropeTheta;
    }

    public double rmsNormEps() {
        return rmsNormEps;
    }

    public int maxPositionEmbeddings() {
        return maxPositionEmbeddings;
    }

    public int headDim() {
        return headDim;
    }

    public Optional<String> torchDtype() {
        return torchDtype;
    }

    public PlrdSection plrd() {
        return plrd;
    }

    /** Typed access to the fields of one config object, every error naming the file and the field. */
    private record Fields(Path source, ObjectNode json) {
        /**
         * The first of architectures; without that list, the class that model_type stands for, as transformers'
         * AutoModelForCausalLM picks it.
         */
        String architecture() throws CheckpointException {
            JsonNode architectures = value("architectures");
            if (architectures == null) {
                return byModelType();
            }
            if (!architectures.isArray() || architectures.isEmpty() || !architectures.get(0).isTextual()) {
                throw new CheckpointException(source, "architectures must be a list naming the model class, got "
                        + architectures);
            }
            String architecture = architectures.get(0).textValue();
            if (!SUPPORTED_ARCHITECTURES.contains(architecture)) {
                throw new CheckpointException(source, "architecture '" + architecture + "' is not supported (supported: "
                        + String.join(", ", SUPPORTED_ARCHITECTURES) + ")");
            }
            return architecture;
        }

        private String byModelType() throws CheckpointException {
            Optional<String> modelType = optionalString("model_type");
            String architecture = modelType.map(MODEL_TYPES::get).orElse(null);
            if (architecture == null) {
                throw new CheckpointException(source, "has no architectures list and "
                        + modelType.map(t -> "model_type '" + t + "' is not supported").orElse("no model_type")
                        + " (expected architectures [" + String.join("|", SUPPORTED_ARCHITECTURES) + "] or model_type "
                        + String.join("|", MODEL_TYPES.keySet()) + ")");
            }
            return architecture;
        }

        int requiredPositiveInt(String field) throws CheckpointException {
            return optionalPositiveInt(field).orElseThrow(() -> new CheckpointException(source, "has no " + field));
        }

        Optional<Integer> optionalPositiveInt(String field) throws CheckpointException {
            JsonNode value = value(field);
            if (value == null) {
                return Optional.empty();
            }
            if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
                throw new CheckpointException(source, field + " must be a positive integer, got " + value);
            }
            return Optional.of(value.intValue());
        }

        /**
         * A finite number above zero: rope_theta 0 makes every rotary frequency infinite and a
         * negative rms_norm_eps lets a norm divide by zero, so either model computes NaN.
         */
        Optional<Double> optionalPositiveDouble(String field) throws CheckpointException {
            JsonNode value = value(field);
            if (value == null) {
                return Optional.empty();
            }
            if (!value.isNumber() || !Double.isFinite(value.doubleValue()) || !(value.doubleValue() > 0)) {
                throw new CheckpointException(source, field + " must be a finite number above zero, got " + value);
            }
            return Optional.of(value.doubleValue());
        }

        Optional<Boolean> optionalBoolean(String field) throws CheckpointException {
            JsonNode value = value(field);
            if (value == null) {
                return Optional.empty();
            }
            if (!value.isBoolean()) {
                throw new CheckpointException(source, field + " must be true or false, got " + value);
            }
            return Optional.of(value.booleanValue());
        }

        Optional<String> optionalString(String field) {
            JsonNode value = value(field);
            return value == null || !value.isTextual() ? Optional.empty() : Optional.of(value.textValue());
        }

        /** Hugging Face writes null for an unset optional field; it means the same as an absent one. */
        private JsonNode value(String field) {
            JsonNode value = json.get(field);
            return value == null || value.isNull() ? null : value;
        }

        PlrdSection plrd(int layers) throws CheckpointException {
            JsonNode node = value(PLRD);
            if (node == null) {
                return PlrdSection.NONE;
            }
            if (!node.isObject()) {
                throw new CheckpointException(source, PLRD + " must be an object, got " + node);
            }
            Map<String, Integer> ranks = new LinkedHashMap<>();
            Map<String, String> strings = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (field.getKey().equals(PlrdSection.RANKS)) {
                    ranks = ranks(field.getValue(), layers);
                } else if (field.getValue().isTextual()) {
                    strings.put(field.getKey(), field.getValue().textValue());
                } else {
                    throw new CheckpointException(source, PLRD + "." + field.getKey() + " must be a string, got " + field.getValue());
                }
            }
            return new PlrdSection(ranks, strings);
        }

        private Map<String, Integer> ranks(JsonNode node, int layers) throws CheckpointException {
            if (!node.isObject()) {
                throw new CheckpointException(source, PLRD + ".ranks must map module paths to ranks, got " + node);
            }
            Map<String, Integer> ranks = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                String module = entry.getKey();
                JsonNode rank = entry.getValue();
                if (!isModule(module, layers)) {
                    throw new CheckpointException(source, PLRD + ".ranks names '" + module + "', which is not a linear of this "
                            + layers + "-layer model (expected model.layers.<i>.<self_attn.q_proj|...|mlp.down_proj>)");
                }
                if (!rank.isIntegralNumber() || !rank.canConvertToInt() || rank.intValue() < 1) {
                    throw new CheckpointException(source, PLRD + ".ranks of " + module + " must be a positive integer, got " + rank);
                }
                ranks.put(module, rank.intValue());
            }
            return ranks;
        }

        /** Parsed rather than looked up in a set of every module: num_hidden_layers may be absurdly large. */
        private static boolean isModule(String module, int layers) {
            for (Projection projection : Projection.values()) {
                String suffix = "." + projection.module();
                if (module.startsWith(LAYER_PREFIX) && module.endsWith(suffix)) {
                    String layer = module.substring(LAYER_PREFIX.length(), module.length() - suffix.length());
                    return layer.matches("0|[1-9][0-9]{0,9}") && Long.parseLong(layer) < layers;
                }
            }
            return false;
        }
    }
}
