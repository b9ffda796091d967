package dev.plrd.model;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file or directory that is malformed or inconsistent; the message always starts with the path at fault. */
public class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
