package dev.plrd.transport.fetch;

import dev.plrd.data.DatasetFileKinds;
import dev.plrd.transport.TransportException;
import dev.plrd.transport.fetch.FetchSource.HubRepo;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Set;

/**
 * Which files of a Hub repository or an S3 prefix a fetch downloads. A model: what a checkpoint in Hugging Face
 * layout needs at the top of the repository (config, safetensors shards and their index,
 * tokenizer files, model code for {@code trust_remote_code}), not the other weight formats that
 * many repositories carry as well. A dataset: the files plrd reads (or those matching the URI's
 * glob); Parquet is refused by name, since reading it needs a Parquet reader that plrd does not
 * carry (the Java ones depend on Hadoop).
 */
final class FileSelection {
    private static final Set<String> CHECKPOINT_FILES = Set.of("config.json", "generation_config.json",
            "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json", "tokenizer.model",
            "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt", "chat_template.jinja");

    private FileSelection() {
    }

    static List<RemoteFile> select(HubRepo repo, String sha, List<RemoteFile> files) throws TransportException {
        List<String> chosen = select(repo.uri(), "commit " + sha, repo.dataset(), repo.glob(),
                files.stream().map(RemoteFile::path).toList());
        return files.stream().filter(f -> chosen.contains(f.path())).toList();
    }

    /**
     * The paths (relative to the repository or prefix) to download of those listed; uri and listing (such as
     * "commit SHA") name what was listed in messages. glob (or null) selects dataset files by path.
     */
    static List<String> select(String uri, String listing, boolean dataset, String glob, List<String> paths)
            throws TransportException {
        List<String> chosen = dataset ? dataset(uri, listing, glob, paths) : model(uri, listing, paths);
        for (String path : chosen) {
            safePath(uri, path);
        }
        return chosen;
    }

    private static List<String> model(String uri, String listing, List<String> paths) throws TransportException {
        List<String> chosen = paths.stream().filter(p -> !p.contains("/")).filter(p -> CHECKPOINT_FILES.contains(p)
                || p.endsWith(".safetensors") || p.endsWith(".py")).toList();
        boolean config = chosen.contains("config.json");
        boolean weights = chosen.stream().anyMatch(p -> p.endsWith(".safetensors"));
        if (!config || !weights) {
            throw new TransportException(uri + ": " + listing + " has no " + (config ? "" : "config.json"
                    + (weights ? "" : " and no ")) + (weights ? "" : "*.safetensors weights") + " at the top;"
                    + " plrd reads checkpoints in Hugging Face layout with safetensors weights", true);
        }
        return chosen;
    }

    private static List<String> dataset(String uri, String listing, String globText, List<String> paths)
            throws TransportException {
        PathMatcher glob = globText == null ? null : FileSystems.getDefault().getPathMatcher("glob:" + globText);
        List<String> matching = paths.stream().filter(p -> glob == null || glob.matches(Path.of(p))).toList();
        for (String p : matching) {
            if (DatasetFileKinds.isParquet(Path.of(p))) {
                throw new TransportException(uri + ": " + DatasetFileKinds.parquetAdvice(Path.of(p))
                        + "; or select other files with #GLOB", true);
            }
        }
        List<String> chosen = matching.stream().filter(p -> DatasetFileKinds.isDataFile(Path.of(p))).toList();
        if (chosen.stream().allMatch(p -> Path.of(p).getFileName().toString().equals(DatasetFileKinds.MANIFEST))) {
            throw new TransportException(uri + ": " + listing + " has no dataset files"
                    + (glob == null ? "" : " matching " + globText) + " (expected " + DatasetFileKinds.DESCRIPTION
                    + ")", true);
        }
        return chosen;
    }

    /** A repository path that stays inside the directory it is written to. */
    private static void safePath(String uri, String path) throws TransportException {
        Path p = Path.of(path).normalize();
        if (path.isEmpty() || p.isAbsolute() || p.startsWith("..") || !p.toString().equals(path)) {
            throw new TransportException(uri + ": the listing has a file at " + path
                    + ", which is not a plain relative path", true);
        }
    }
}
