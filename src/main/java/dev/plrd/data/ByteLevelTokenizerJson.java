package dev.plrd.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A byte-level BPE tokenizer.json in Hugging Face format, made here so that a small model has a real tokenizer
 * with no download: {@code <unk>} (id 0) and {@code </s>} (id 1, the end of sequence) as special tokens, the 256
 * bytes (2-257) in GPT-2's byte-to-character mapping, then merges that build frequent English words and endings,
 * as many as the vocabulary has room for. Any text round-trips, since every byte has a token.
 */
public final class ByteLevelTokenizerJson {
    public static final String UNK = "<unk>";
    public static final String EOS = "</s>";
    /** Two special tokens and the 256 bytes: the smallest vocabulary this tokenizer fits. */
    public static final int BASE_VOCABULARY = 2 + 256;
    /** Fragments merged in this order, each built from the left, with its leading space where it starts a word. */
    private static final List<String> FRAGMENTS = List.of(
            " the", " of", " and", " to", " in", " a", " is", " that", " for", " it", " as", " was", " with", " be",
            " on", " not", " he", " by", " are", " this", " from", " or", " have", " an", " they", " which", " one",
            " you", " were", " her", " all", " she", " there", " would", " their", " we", " him", " been", " has",
            " when", " who", " will", " more", " no", " if", " out", " so", " said", " what", " up", " its", " about",
            " into", " than", " them", " can", " only", " other", " new", " some", " could", " time", " these", " two",
            " may", " then", " do", " first", " any", " my", " now", " such", " like", " our", " over", " man", " me",
            " even", " most", " made", " after", " also", " did", " many", " before", " must", " through", " back",
            " years", " where", " much", " your", " way", " well", " down", " should", " because", " each", " just",
            " those", " people", " how", " too", " little", " state", " good", " very", " make", " world", " still",
            " own", " see", " men", " work", " long", " get", " here", " between", " both", " life", " being",
            " under", " never", " day", " same", " another", " know", " while", " last", " might", " us", " great",
            " old", " year", " off", " come", " since", " against", " go", " came", " right", " used", " take",
            "ing", "ed", "er", "es", "ly", "ion", "tion", "ent", "al", "re", "st", "en", "or", "ar", "ic", "th",
            "The", "In", "It", "He", "This", " I", " A", " S", " C", " M", " B", " P");

    private ByteLevelTokenizerJson() {
    }

    /** Writes tokenizer.json for a model of vocabSize ids (at least {@value #BASE_VOCABULARY}), atomically. */
    public static void write(Path file, int vocabSize) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(temp, json(vocabSize));
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static byte[] json(int vocabSize) throws IOException {
        if (vocabSize < BASE_VOCABULARY) {
            throw new IllegalArgumentException("a byte-level tokenizer needs a vocabulary of at least "
                    + BASE_VOCABULARY + ", got " + vocabSize);
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        vocab.put(UNK, 0);
        vocab.put(EOS, 1);
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevelAlphabet.charOf(b)), vocab.size());
        }
        ObjectMapper json = new ObjectMapper();
        ArrayNode merges = json.createArrayNode();
        for (String fragment : FRAGMENTS) {
            String token = ByteLevelAlphabet.encode(fragment);
            String built = token.substring(0, 1);
            for (int i = 1; i < token.length() && vocab.size() < vocabSize; i++) {
                String next = built + token.charAt(i);
                if (!vocab.containsKey(next)) {
                    merges.add(built + " " + token.charAt(i));
                    vocab.put(next, vocab.size());
                }
                built = next;
            }
        }
        ObjectNode root = json.createObjectNode().put("version", "1.0").putNull("truncation").putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        added.add(special(json, 0, UNK));
        added.add(special(json, 1, EOS));
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(json));
        root.putNull("post_processor");
        root.set("decoder", byteLevel(json));
        ObjectNode model = root.putObject("model").put("type", "BPE").putNull("dropout").put("unk_token", UNK)
                .putNull("continuing_subword_prefix").putNull("end_of_word_suffix").put("fuse_unk", false)
                .put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode vocabNode = model.putObject("vocab");
        vocab.forEach(vocabNode::put);
        model.set("merges", merges);
        return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }

    private static ObjectNode special(ObjectMapper json, int id, String content) {
        return json.createObjectNode().put("id", id).put("content", content).put("single_word", false)
                .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
    }

    /** GPT-2's pre-tokenizer and decoder: its word pattern, and no space added before the text. */
    private static ObjectNode byteLevel(ObjectMapper json) {
        return json.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", true);
    }
}
