package dev.plrd.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code "plrd"} object of a config.json: the rank of every factored linear, keyed by module path
 * (e.g. {@code model.layers.3.self_attn.q_proj}), plus free string fields such as {@code "split"} or
 * {@code "parent"}. It is what lets a checkpoint with factored layers reload exactly.
 */
public record PlrdSection(Map<String, Integer> ranks, Map<String, String> fields) {
    public static final String RANKS = "ranks";
    /** A dense model: nothing factored, no fields. */
    public static final PlrdSection NONE = new PlrdSection(Map.of(), Map.of());

    /** Copies both maps, keeping their order so that config.json lists modules as the caller does. */
    public PlrdSection {
        ranks = Collections.unmodifiableMap(new LinkedHashMap<>(ranks));
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        ranks.forEach((module, rank) -> {
            if (rank == null || rank < 1) {
                throw new IllegalArgumentException("plrd rank of " + module + " must be a positive integer, got " + rank);
            }
        });
        if (fields.containsKey(RANKS)) {
            throw new IllegalArgumentException("'" + RANKS + "' is the rank map, not a string field");
        }
        fields.forEach((key, value) -> {
            if (value == null) {
                throw new IllegalArgumentException("plrd field '" + key + "' has no value");
            }
        });
    }

    public OptionalInt rank(String module) {
        Integer rank = ranks.get(module);
        return rank == null ? OptionalInt.empty() : OptionalInt.of(rank);
    }

    public Optional<String> field(String key) {
        return Optional.ofNullable(fields.get(key));
    }

    public boolean isEmpty() {
        return ranks.isEmpty() && fields.isEmpty();
    }

    public PlrdSection withRanks(Map<String, Integer> newRanks) {
        return new PlrdSection(newRanks, fields);
    }

    public PlrdSection withField(String key, String value) {
        Map<String, String> newFields = new LinkedHashMap<>(fields);
        newFields.put(key, value);
        return new PlrdSection(ranks, newFields);
    }
}
