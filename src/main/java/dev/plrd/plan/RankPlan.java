package dev.plrd.plan;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The ranks chosen for the linear layers of a member and the parameter count they give.
 *
 * @param ranks      module path to rank, for every layer that is factored; layers absent stay dense
 * @param parameters the member's total parameter count with these ranks
 */
public record RankPlan(Map<String, Integer> ranks, long parameters) {
    public RankPlan {
        ranks = Collections.unmodifiableMap(new LinkedHashMap<>(ranks));
    }

    /**
     * A short summary for status: the distinct ranks of each projection kind, such as
     * {@code q:1024 k:256 down:1792-2304}, taking the kind from the last path segment.
     */
    public String summary(List<String> kinds) {
        Map<String, int[]> range = new TreeMap<>();
        ranks.forEach((module, rank) -> {
            String kind = kindOf(module);
            range.merge(kind, new int[] {rank, rank}, (a, b) -> new int[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        });
        return kinds.stream().filter(range::containsKey).map(k -> {
            int[] r = range.get(k);
            return k + ":" + (r[0] == r[1] ? Integer.toString(r[0]) : r[0] + "-" + r[1]);
        }).collect(Collectors.joining(" "));
    }

    /** {@code model.layers.3.self_attn.q_proj} is of kind {@code q}. */
    public static String kindOf(String module) {
        String last = module.substring(module.lastIndexOf('.') + 1);
        return last.endsWith("_proj") ? last.substring(0, last.length() - "_proj".length()) : last;
    }
}
