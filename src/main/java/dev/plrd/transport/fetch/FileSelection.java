package dev.plrd.transport.fetch;

import dev.plrd.transport.TransportException;
import dev.plrd.transport.fetch.FetchSource.HubRepo;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Set;

/**
 * Which files of a Hub repository a fetch downloads. A model: what a checkpoint in Hugging Face
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
    private static final List<String> DATASET_SUFFIXES = List.of(".jsonl", ".jsonl.gz", ".jsonl.zst", ".txt", ".bin");
    private static final String DATASET_DESCRIPTION = "dataset.json";

    private FileSelection() {
    }

    static List<RemoteFile> select(HubRepo repo, String sha, List<RemoteFile> files) throws TransportException {
        List<RemoteFile> chosen = repo.dataset() ? dataset(repo, sha, files) : model(repo, sha, files);
        for (RemoteFile f : chosen) {
            safePath(repo, f.path());
        }
        return chosen;
    }

    private static List<RemoteFile> model(HubRepo repo, String sha, List<RemoteFile> files) throws TransportException {
        List<RemoteFile> chosen = files.stream().filter(f -> !f.path().contains("/")).filter(f -> CHECKPOINT_FILES
                .contains(f.path()) || f.path().endsWith(".safetensors") || f.path().endsWith(".py")).toList();
        boolean config = chosen.stream().anyMatch(f -> f.path().equals("config.json"));
        boolean weights = chosen.stream().anyMatch(f -> f.path().endsWith(".safetensors"));
        if (!config || !weights) {
            throw new TransportException(repo.uri() + ": commit " + sha + " has no " + (config ? "" : "config.json"
                    + (weights ? "" : " and no ")) + (weights ? "" : "*.safetensors weights") + " at the top of the"
                    + " repository; plrd reads checkpoints in Hugging Face layout with safetensors weights", true);
        }
        return chosen;
    }

    private static List<RemoteFile> dataset(HubRepo repo, String sha, List<RemoteFile> files) throws TransportException {
        PathMatcher glob = repo.glob() == null ? null : FileSystems.getDefault().getPathMatcher("glob:" + repo.glob());
        List<RemoteFile> matching = files.stream().filter(f -> glob == null || glob.matches(Path.of(f.path()))).toList();
        for (RemoteFile f : matching) {
            if (f.path().endsWith(".parquet")) {
                throw new TransportException(repo.uri() + ": " + f.path() + " is Parquet, which plrd does not read (the"
                        + " Java Parquet readers need Hadoop); convert it to .jsonl (one JSON object with a \"text\""
                        + " field per line), or select other files with #GLOB", true);
            }
        }
        List<RemoteFile> chosen = matching.stream().filter(f -> f.path().endsWith("/" + DATASET_DESCRIPTION)
                || f.path().equals(DATASET_DESCRIPTION) || DATASET_SUFFIXES.stream().anyMatch(f.path()::endsWith)).toList();
        if (chosen.stream().allMatch(f -> f.path().endsWith(DATASET_DESCRIPTION))) {
            throw new TransportException(repo.uri() + ": commit " + sha + " has no dataset files"
                    + (glob == null ? "" : " matching " + repo.glob()) + " (expected " + String.join(", ", DATASET_SUFFIXES)
                    + ")", true);
        }
        return chosen;
    }

    /** A repository path that stays inside the directory it is written to. */
    private static void safePath(HubRepo repo, String path) throws TransportException {
        Path p = Path.of(path).normalize();
        if (path.isEmpty() || p.isAbsolute() || p.startsWith("..") || !p.toString().equals(path)) {
            throw new TransportException(repo.uri() + ": the Hub lists a file at " + path
                    + ", which is not a plain relative path", true);
        }
    }
}
