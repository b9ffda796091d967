package dev.plrd.train;

import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a model's matmuls run in. The trainable weights are float32 masters in every mode, and norms, rotary
 * embedding, the attention softmax, the residual stream and the loss stay float32 (see {@link LlamaModel}).
 */
public enum ComputePrecision {
    /** float32 matmuls. */
    FLOAT32(DataType.FLOAT32),
    /**
     * float16 matmuls, each weight cast from its float32 master inside the graph (DJL has no autocast, so the
     * model casts). float16 rather than bfloat16 because DJL 0.36 cannot hold a bfloat16 tensor; its narrower
     * exponent range is why training in this mode needs loss scaling.
     */
    MIXED(DataType.FLOAT16);

    private final DataType computeType;

    ComputePrecision(DataType computeType) {
        this.computeType = computeType;
    }

    /** {@code float32} or {@code mixed}, in any case. */
    public static ComputePrecision parse(String cli) {
        return Arrays.stream(values()).filter(p -> p.cliName().equalsIgnoreCase(cli)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown compute precision '" + cli + "' (allowed: "
                        + Arrays.stream(values()).map(ComputePrecision::cliName).collect(Collectors.joining(", ")) + ")"));
    }

    /** The type the matmuls run in. */
    public DataType computeType() {
        return computeType;
    }

    String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
