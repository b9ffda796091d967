package dev.plrd.transport.fetch;

import dev.plrd.model.AtomicFiles;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Downloaded files under their final names only once complete and verified. A download goes to
 * {@code NAME.partial} next to its target, under a lock on {@code NAME.lock} that another process
 * (a second stage pod on the same workspace) or thread fetching the same file waits for; a
 * partial file that a killed process left is resumed, and the whole file is verified once complete,
 * so the resumed prefix is never trusted. A complete file is made read-only: snapshots link to it.
 */
final class BlobStore {
    /** Locks held in this JVM: a file lock belongs to the process, so threads need their own. */
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    /**
     * Writes the content of a file into its partial file, resuming from the bytes already there; returns the
     * digest of the whole file when it computed it on the way, else null.
     */
    interface Transfer {
        String into(Path partial) throws IOException;
    }

    private BlobStore() {
    }

    /**
     * target, downloaded by transfer unless it is already there. With a digest the content must
     * match it: a mismatch after a resumed download is tried once more from scratch (the old prefix
     * may be what was wrong), then rejected naming the file; without one, transfer checks what it can.
     * Returns whether bytes were downloaded.
     */
    static boolean obtain(Path target, String name, ContentDigest digest, Transfer transfer) throws IOException {
        Files.createDirectories(target.getParent());
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        ReentrantLock local = LOCKS.computeIfAbsent(target.toAbsolutePath(), p -> new ReentrantLock());
        local.lock();
        try (FileChannel lockFile = FileChannel.open(target.resolveSibling(target.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock held = lockFile.lock()) {
            if (Files.exists(target)) {
                return false;
            }
            for (int tries = 1; ; tries++) {
                boolean resumed = Files.exists(partial) && Files.size(partial) > 0;
                String computed = transfer.into(partial);
                if (digest == null) {
                    break;
                }
                String actual = computed != null ? computed : digest.of(partial);
                if (actual.equals(digest.hex())) {
                    break;
                }
                Files.delete(partial);
                if (!resumed || tries > 1) {
                    throw new TransportException(name + ": content has " + digest.algorithm() + " " + actual
                            + ", expected " + digest.hex() + "; the download is rejected", true);
                }
            }
            partial.toFile().setReadOnly();
            AtomicFiles.moveAtomically(partial, target);
            return true;
        } finally {
            local.unlock();
        }
    }
}
