package dev.plrd.transport.fetch;

import dev.plrd.model.AtomicFiles;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A directory that shows files at their repository paths, made whole in a temporary sibling and
 * renamed into place. Files are hard links where the file system allows (no second copy of a
 * model on the workspace volume), copies elsewhere (another volume).
 */
final class Snapshot {
    private Snapshot() {
    }

    /**
     * Creates target from files (relative path to source file); an existing target made meanwhile by another fetch
     * wins. Temporaries that a killed process left are the caller's to delete (it knows whether it is the only writer).
     */
    static void create(Map<String, Path> files, Path target) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path temp = AtomicFiles.createTempDirectory(target);
        try {
            for (Map.Entry<String, Path> f : files.entrySet()) {
                Path to = temp.resolve(f.getKey());
                Files.createDirectories(to.getParent());
                linkOrCopy(f.getValue(), to);
            }
            AtomicFiles.moveAtomically(temp, target);
        } catch (FileSystemException e) {
            // rename(2) onto a directory that another fetch completed meanwhile: ENOTEMPTY
            if (!Files.isDirectory(target)) {
                throw e;
            }
        } finally {
            AtomicFiles.deleteRecursively(temp);
        }
    }

    private static void linkOrCopy(Path source, Path to) throws IOException {
        try {
            Files.createLink(to, source);
        } catch (UnsupportedOperationException | FileSystemException e) {
            Files.copy(source, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }
}
