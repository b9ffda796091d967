package dev.plrd.data;

/**
 * A window holds a token id that the model has no embedding for. Unchecked, because it surfaces while
 * windows are drawn inside a training or evaluation loop; the message names the file, the position and
 * the id, so that the data (or its dataset.json) can be fixed.
 */
public final class TokenIdOutOfRangeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TokenIdOutOfRangeException(String message) {
        super(message);
    }
}
