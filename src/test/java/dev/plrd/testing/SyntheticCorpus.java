package dev.plrd.testing;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Text from a word-level Markov chain over an invented lexicon, deterministic for a seed. Each word
 * has a few likely successors, so there is structure to learn (spellings and transitions) but more
 * than a tiny model can hold at half its size, and enough randomness that the perplexity stays
 * well above one: what a decomposition can visibly damage and continual pretraining can repair.
 */
public final class SyntheticCorpus {
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz";
    private static final int SUCCESSORS = 4;

    private SyntheticCorpus() {
    }

    /** Writes documents as JSON lines ({"text": ...}) of a few dozen words each. */
    public static void writeJsonLines(Path file, int documents, int lexiconSize, long seed) throws IOException {
        Random random = new Random(seed);
        String[] lexicon = new String[lexiconSize];
        for (int w = 0; w < lexiconSize; w++) {
            StringBuilder word = new StringBuilder();
            int length = 2 + random.nextInt(6);
            for (int i = 0; i < length; i++) {
                word.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
            }
            lexicon[w] = word.toString();
        }
        int[][] next = new int[lexiconSize][SUCCESSORS];
        for (int[] successors : next) {
            for (int s = 0; s < SUCCESSORS; s++) {
                successors[s] = random.nextInt(lexiconSize);
            }
        }
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int d = 0; d < documents; d++) {
                StringBuilder text = new StringBuilder();
                int word = random.nextInt(lexiconSize);
                int words = 20 + random.nextInt(40);
                for (int i = 0; i < words; i++) {
                    text.append(i == 0 ? "" : " ").append(lexicon[word]);
                    // successors weighted 1/2, 1/4, 1/8, 1/8
                    int pick = random.nextInt(8);
                    word = next[word][pick < 4 ? 0 : pick < 6 ? 1 : pick < 7 ? 2 : 3];
                }
                out.write("{\"text\": \"" + text + ".\"}\n");
            }
        }
    }
}
