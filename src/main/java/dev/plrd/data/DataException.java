package dev.plrd.data;

/** A dataset that cannot be used as it is: the message names the file or URI and what is wrong with it. */
public final class DataException extends Exception {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
