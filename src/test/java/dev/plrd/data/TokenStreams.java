package dev.plrd.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

/** Token streams to compare datasets by: a whole dataset's, and the one documents should give. */
final class TokenStreams {
    private TokenStreams() {
    }

    /** A model directory under dir holding only a byte-level tokenizer.json of 512 ids: all that text needs. */
    static Path tinyModel(Path dir) throws IOException {
        Path model = Files.createDirectory(dir.resolve("model"));
        ByteLevelTokenizerJson.write(model.resolve("tokenizer.json"), 512);
        return model;
    }

    /** The whole stream; compare with isEqualTo, as AssertJ's containsExactly is quadratic in the length. */
    static long[] all(TokenDataset d) throws DataException {
        long[] all = new long[(int) d.tokens()];
        d.split(SplitName.ALL, all.length - 1).window(0, all);
        return all;
    }

    /** What documents become through the tokenizer in model: each one's ids, then the end-of-sequence id. */
    static long[] of(Path model, String... documents) throws Exception {
        List<Long> ids = new ArrayList<>();
        try (TextTokenizer t = TextTokenizer.load(model)) {
            for (long[] doc : t.encode(List.of(documents))) {
                LongStream.of(doc).forEach(ids::add);
                ids.add(t.eosId());
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }
}
