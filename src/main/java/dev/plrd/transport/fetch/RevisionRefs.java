package dev.plrd.transport.fetch;

import dev.plrd.model.AtomicFiles;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The commit each revision of a Hub repository resolved to, kept in the repository's cache directory as
 * {@code refs/REVISION} holding the sha (the revision URL-encoded into one file name, so that {@code refs/pr/1}
 * or a {@code ..} in it stays inside {@code refs/}), as huggingface_hub keeps its cache's refs. A pinned fetch
 * reads it instead of asking the Hub, so that every stage of a family sees one commit per branch name.
 */
final class RevisionRefs {
    private static final String COMMIT = "[0-9a-f]{40}";

    private RevisionRefs() {
    }

    /** The commit recorded for revision, if one was; a file that does not hold a commit sha counts as none. */
    static Optional<String> recorded(Path repositoryRoot, String revision) throws IOException {
        try {
            String sha = Files.readString(ref(repositoryRoot, revision)).strip();
            return sha.matches(COMMIT) ? Optional.of(sha) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    static void record(Path repositoryRoot, String revision, String sha) throws IOException {
        Path ref = ref(repositoryRoot, revision);
        Files.createDirectories(ref.getParent());
        AtomicFiles.writeAtomically(ref, (sha + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static Path ref(Path repositoryRoot, String revision) {
        // URLEncoder leaves '.' alone, so "." and ".." would name directories
        return repositoryRoot.resolve("refs").resolve(URLEncoder.encode(revision, StandardCharsets.UTF_8)
                .replace(".", "%2E"));
    }
}
