package dev.plrd.train;

/**
 * A model computed a NaN or infinite loss. Its weights or config are broken (a NaN weight, overflowing
 * weights, a bad norm epsilon): the same model computes the same loss again, so a stage that meets this
 * fails for good, and the message names the model.
 */
public final class NonFiniteLossException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NonFiniteLossException(String message) {
        super(message);
    }
}
