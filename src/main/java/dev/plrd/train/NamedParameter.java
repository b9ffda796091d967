package dev.plrd.train;

import ai.djl.ndarray.NDArray;

/**
 * A trainable weight under its Hugging Face tensor name, e.g. {@code model.layers.0.self_attn.q_proj.A.weight}.
 *
 * @param value the weight itself, owned by the model's manager; an optimizer updates it in place
 */
public record NamedParameter(String name, NDArray value) {
}
