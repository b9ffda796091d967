package dev.plrd.plan;

import dev.plrd.model.DType;
import dev.plrd.model.LlamaLayout;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.TensorInfo;

/** Exact parameter counts, read off the tensors a config implies, so dense and factored count alike. */
public final class ParameterCount {
    private ParameterCount() {
    }

    public static long of(ModelConfig config) {
        return LlamaLayout.expected(config, DType.F32).stream().mapToLong(TensorInfo::elements).sum();
    }
}
