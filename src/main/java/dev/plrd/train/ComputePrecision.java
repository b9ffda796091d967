package dev.plrd.train;

import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The number formats a model trains in: where its master weights live and what its matmuls run in. Norms,
 * softmax and the loss are float32 in every mode. On DJL 0.36, {@link LlamaModel} runs FLOAT32 only (see there).
 */
public enum ComputePrecision {
    /** float32 weights and matmuls. */
    FLOAT32(DataType.FLOAT32, DataType.FLOAT32),
    /** float32 master weights, each cast to bfloat16 for its matmul (DJL has no autocast, so the model casts). */
    MIXED(DataType.FLOAT32, DataType.BFLOAT16),
    /** bfloat16 weights and matmuls: the option for when memory is short. */
    BFLOAT16(DataType.BFLOAT16, DataType.BFLOAT16);

    private final DataType parameterType;
    private final DataType computeType;

    ComputePrecision(DataType parameterType, DataType computeType) {
        this.parameterType = parameterType;
        this.computeType = computeType;
    }

    /** {@code float32}, {@code mixed} or {@code bfloat16}, in any case. */
    public static ComputePrecision parse(String cli) {
        return Arrays.stream(values()).filter(p -> p.cliName().equalsIgnoreCase(cli)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown compute precision '" + cli + "' (allowed: "
                        + Arrays.stream(values()).map(ComputePrecision::cliName).collect(Collectors.joining(", ")) + ")"));
    }

    /** The type of the trainable weights, and so of their gradients. */
    public DataType parameterType() {
        return parameterType;
    }

    /** The type the matmuls run in. */
    public DataType computeType() {
        return computeType;
    }

    String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
