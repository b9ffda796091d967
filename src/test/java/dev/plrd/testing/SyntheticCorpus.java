package dev.plrd.testing;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * English-like text from a small grammar, deterministic for a seed: enough structure (spelling,
 * word order, agreement of a few fixed phrases) for a tiny model to learn within seconds, and
 * enough randomness that the perplexity stays well above one.
 */
public final class SyntheticCorpus {
    private static final List<String> SUBJECTS = List.of("the cat", "the dog", "a small bird", "my old friend",
            "the teacher", "a young farmer", "the river", "our neighbour", "the tired horse", "a clever fox");
    private static final List<String> VERBS = List.of("sees", "follows", "likes", "finds", "carries", "watches",
            "remembers", "calls", "helps", "avoids");
    private static final List<String> OBJECTS = List.of("the red ball", "a wooden box", "the green field",
            "an empty cup", "the long road", "a quiet garden", "the bright moon", "a heavy stone");
    private static final List<String> ENDINGS = List.of("", " every morning", " near the house", " after the rain",
            " without a sound", " in the evening");

    private SyntheticCorpus() {
    }

    /** Writes documents as JSON lines ({"text": ...}), each a few sentences. */
    public static void writeJsonLines(Path file, int documents, long seed) throws IOException {
        Random random = new Random(seed);
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int d = 0; d < documents; d++) {
                StringBuilder text = new StringBuilder();
                int sentences = 3 + random.nextInt(4);
                for (int s = 0; s < sentences; s++) {
                    if (s > 0) {
                        text.append(' ');
                    }
                    String sentence = pick(random, SUBJECTS) + " " + pick(random, VERBS) + " " + pick(random, OBJECTS)
                            + pick(random, ENDINGS) + ".";
                    text.append(Character.toUpperCase(sentence.charAt(0))).append(sentence.substring(1));
                }
                out.write("{\"text\": \"" + text + "\"}\n");
            }
        }
    }

    private static String pick(Random random, List<String> options) {
        return options.get(random.nextInt(options.size()));
    }
}
