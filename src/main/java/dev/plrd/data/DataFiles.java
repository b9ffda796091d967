package dev.plrd.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Directories that appear complete or not at all: written under a hidden temporary sibling, then renamed. The
 * temporary is made with {@link Files#createDirectory}, not {@code createTempDirectory}, whose owner-only mode
 * would hide a dataset from a stage pod running as another user.
 */
final class DataFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private DataFiles() {
    }

    /** {@code .<name>.tmp-<random>} next to target, so that the final rename stays on one file system. */
    static Path createTempSibling(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        return Files.createDirectory(absolute.resolveSibling("." + absolute.getFileName() + ".tmp-"
                + HexFormat.of().toHexDigits(RANDOM.nextLong())));
    }

    /**
     * Renames a complete directory onto target, which must be absent or an empty directory (rename(2) replaces an
     * empty one), and syncs the parent so that the rename survives a crash.
     */
    static void publish(Path directory, Path target) throws IOException {
        Files.move(directory, target, StandardCopyOption.ATOMIC_MOVE);
        sync(target.toAbsolutePath().getParent());
    }

    static void sync(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Deletes a tree without following links, children first; absent is fine. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path path : paths) {
            Files.delete(path);
        }
    }
}
