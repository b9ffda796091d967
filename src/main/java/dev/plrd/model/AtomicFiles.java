package dev.plrd.model;

import java.io.IOException;
import java.nio.ByteBuffer;
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
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Temporary siblings and renames, so that nothing half-written ever appears under a real name.
 * Temporaries are created with {@link Files#createFile}/{@link Files#createDirectory} rather than
 * {@code Files.createTempFile}, which would make the final checkpoint readable by its owner only
 * and so unreadable by a stage pod running as another user.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /** A work-in-progress sibling, renamed onto its target when complete. */
    private static final String TEMPORARY = "tmp";
    /** A replaced directory, moved aside until its replacement is in place. */
    private static final String ASIDE = "old";

    /** {@code .<name>.<kind>-<random>} next to target: hidden, and on the same file system so that a rename is atomic. */
    static Path sibling(Path target, String kind) {
        Path absolute = target.toAbsolutePath();
        return absolute.resolveSibling("." + absolute.getFileName() + "." + kind + "-" + HexFormat.of().toHexDigits(RANDOM.nextLong()));
    }

    public static Path createTempFile(Path target) throws IOException {
        return Files.createFile(sibling(target, TEMPORARY));
    }

    public static Path createTempDirectory(Path target) throws IOException {
        return Files.createDirectory(tempName(target));
    }

    /** The name of a new temporary sibling, not yet created: for a writer that must arrange its cleanup first. */
    public static Path tempName(Path target) {
        return sibling(target, TEMPORARY);
    }

    /**
     * Deletes the siblings that a process writing target left when it was killed (SIGKILL runs no cleanup): only
     * names {@link #sibling} makes for this very target, so nothing else in the directory is touched. A whole
     * model may be in one, so a retried stage must not leave them piling up on the workspace volume.
     */
    public static List<Path> deleteStaleSiblings(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return List.of();
        }
        Pattern ours = Pattern.compile("\\." + Pattern.quote(absolute.getFileName().toString()) + "\\.("
                + TEMPORARY + "|" + ASIDE + ")-[0-9a-f]{16}");
        List<Path> stale;
        try (Stream<Path> siblings = Files.list(parent)) {
            stale = siblings.filter(p -> ours.matcher(p.getFileName().toString()).matches()).toList();
        }
        for (Path path : stale) {
            deleteRecursively(path);
        }
        return stale;
    }

    /** Renames in one step, replacing a file target, and syncs the directory so that the rename survives a crash. */
    public static void moveAtomically(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * Puts directory source in place of target. rename(2) cannot replace a non-empty directory, so an existing
     * target is first renamed aside, and deleted only once source is in place; should that second rename fail,
     * the old target is put back.
     */
    static void replaceDirectory(Path source, Path target) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            moveAtomically(source, target);
            return;
        }
        Path aside = sibling(target, ASIDE);
        Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
        try {
            moveAtomically(source, target);
        } catch (IOException e) {
            try {
                Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException restore) {
                e.addSuppressed(restore);
            }
            throw e;
        }
        deleteRecursively(aside);
    }

    /** Writes a small file (JSON) under its real name only once it is complete and on disk. */
    public static void writeAtomically(Path target, byte[] content) throws IOException {
        Path temp = createTempFile(target);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                writeFully(channel, ByteBuffer.wrap(content), temp);
                channel.force(true);
            }
            moveAtomically(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Writes all of bytes; a failure names file, since the operating system's message does not: a full disk says
     * only "No space left on device".
     */
    public static void writeFully(FileChannel channel, ByteBuffer bytes, Path file) throws IOException {
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            throw naming(file, e);
        }
    }

    /** e, or an IOException that says which file it is about when e's message does not. */
    public static IOException naming(Path file, IOException e) {
        String message = e.getMessage();
        if (message != null && message.contains(file.toString())) {
            return e;
        }
        return new IOException(file + ": " + message, e);
    }

    public static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Deletes a tree without following links, children first. */
    public static void deleteRecursively(Path root) throws IOException {
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
