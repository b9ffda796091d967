package dev.plrd.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Tokenised text kept between runs, so that a training stage that is preempted and resumed, or an evaluation of
 * the same data, does not tokenise again. An entry is a pre-tokenised dataset directory named by the SHA-256 of
 * what decides its content: the tokenizer.json bytes, the end-of-sequence id, and every input file's format,
 * compression, field and bytes as stored (a compressed file's compressed bytes), in order; timestamps and names do
 * not count, but for the extensions that give format and compression. {@link #VERSION} changes whenever the way text
 * becomes tokens does, so that old entries are not reused.
 */
final class TextCache {
    static final String VERSION = "plrd-text-cache/v1";

    private TextCache() {
    }

    /** The cache entry for files, tokenised now unless it is there already. */
    static Path tokenised(List<TextFile> files, TextTokenizer tokenizer, Path cacheDir) throws IOException, DataException {
        Path entry = cacheDir.toAbsolutePath().resolve(key(files, tokenizer));
        if (Files.isRegularFile(entry.resolve(DatasetManifest.FILE_NAME))) {
            return entry;
        }
        // the stage's log is the only place to see why its first open of a large corpus takes minutes
        System.err.printf(Locale.ROOT, "tokenising %d text file%s with %s into %s%n", files.size(),
                files.size() == 1 ? "" : "s", tokenizer.file(), entry);
        long started = System.nanoTime();
        try {
            Tokenization.Summary s = Tokenization.run(files, tokenizer, entry, ShardWriter.DEFAULT_SHARD_TOKENS,
                    (read, total, tokens) -> {
                    });
            System.err.printf(Locale.ROOT, "tokenised %,d documents into %,d tokens in %.1f s%n", s.documents(),
                    s.tokens(), (System.nanoTime() - started) / 1e9);
        } catch (FileSystemException e) {
            // another process (the evaluation beside a training, say) put the same entry in place first
            if (!Files.isRegularFile(entry.resolve(DatasetManifest.FILE_NAME))) {
                throw e;
            }
        }
        return entry;
    }

    static String key(List<TextFile> files, TextTokenizer tokenizer) throws IOException {
        MessageDigest digest = ContentHash.digest();
        update(digest, VERSION);
        update(digest, tokenizer.sha256());
        update(digest, Long.toString(tokenizer.eosId()));
        for (TextFile file : files) {
            // a plain file's entry is named as before compression was read, so existing entries stay valid
            update(digest, file.format().name() + Compression.of(file.path()).suffix());
            update(digest, file.field());
            update(digest, Long.toString(Files.size(file.path())));
            ContentHash.update(digest, file.path());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Each string is length-prefixed, so that no two different sequences of them hash alike. */
    private static void update(MessageDigest digest, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        digest.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        digest.update((byte) ':');
        digest.update(bytes);
    }
}
