package dev.plrd.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Input files are checked to be regular files before they are opened: opening a FIFO for reading
 * blocks until a writer comes, which may be never, and a directory fails with a bare "Is a
 * directory" that names nothing.
 */
public final class RegularFile {
    private RegularFile() {
    }

    /** What keeps file from being read as a regular file, or empty when it is one (links are followed). */
    public static Optional<String> problem(Path file) {
        if (Files.isRegularFile(file)) {
            return Optional.empty();
        }
        if (!Files.exists(file)) {
            return Optional.of("does not exist");
        }
        return Optional.of(Files.isDirectory(file) ? "is a directory, not a file"
                : "is not a regular file (a FIFO, socket or device), so it is not read");
    }

    /** file itself, once it is known to be a regular file; else a CheckpointException naming it. */
    public static Path require(Path file) throws CheckpointException {
        Optional<String> problem = problem(file);
        if (problem.isPresent()) {
            throw new CheckpointException(file, problem.get());
        }
        return file;
    }
}
