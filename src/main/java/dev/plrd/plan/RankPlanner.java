package dev.plrd.plan;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Chooses the rank of every linear layer of a member, from a rank fraction or a parameter budget.
 *
 * <ul>
 *   <li>{@link #fraction}: {@code r = round(f * min(out, in))} in every layer.
 *   <li>{@link #uniform}: one fraction for all layers, found by bisection so that the total lands
 *       within {@link #TOLERANCE} of the target, its last step taken one layer at a time.
 *   <li>{@link #spectrum}: ranks from each layer's singular values. Each layer's relative error is
 *       {@code sqrt(sum of dropped s_i^2 / sum of s_i^2)}; ranks are handed out one at a time to the
 *       layer where the next rank removes the most squared relative error per parameter
 *       (water-filling). The marginal gains fall as ranks grow, so this greedy order minimises the
 *       sum of squared relative errors for the budget: layers whose spectra decay fast get low
 *       ranks, flat ones high ranks, where Uniform would cut all alike.
 * </ul>
 * A layer is factored only where that saves parameters ({@code r (out + in) < out in}); a layer
 * already factored in the input keeps at most its current rank.
 */
public final class RankPlanner {
    /** How far from the target a budgeted plan may land. */
    public static final double TOLERANCE = 0.005;

    private RankPlanner() {
    }

    public static RankPlan fraction(List<LinearShape> layers, long otherParameters, double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("rank fraction " + fraction + " is not between 0 and 1");
        }
        Map<String, Integer> ranks = new LinkedHashMap<>();
        long total = otherParameters;
        for (LinearShape l : layers) {
            int r = Math.max(1, (int) Math.round(fraction * Math.min(l.out(), l.in())));
            if (l.currentRank() > 0) {
                r = Math.min(r, l.currentRank());
            } else if (r > l.maxSavingRank()) {
                total += l.denseParameters();
                continue;
            }
            ranks.put(l.module(), r);
            total += l.factoredParameters(r);
        }
        return new RankPlan(ranks, total);
    }

    public static RankPlan uniform(List<LinearShape> layers, long otherParameters, long target) {
        checkReachable(layers, otherParameters, target);
        double lo = 0;
        double hi = 1;
        RankPlan below = null;
        RankPlan above = null;
        for (int i = 0; i < 60 && hi - lo > 1e-12; i++) {
            double mid = (lo + hi) / 2;
            RankPlan plan = fraction(layers, otherParameters, mid);
            if (plan.parameters() <= target) {
                lo = mid;
                below = plan;
            } else {
                hi = mid;
                above = plan;
            }
        }
        if (below == null) {
            return withinTolerance(above, target);
        }
        return withinTolerance(fill(layers, below, target), target);
    }

    /**
     * The bisection stops where raising the fraction would step several layers at once past the
     * target (layers of one shape step together). Step them one at a time instead, in the order a
     * rising fraction reaches them, while they fit: the plan stays one fraction rounded per layer,
     * with ties split, and lands within one layer's step of the target even on small models.
     */
    private static RankPlan fill(List<LinearShape> layers, RankPlan plan, long target) {
        Map<String, Integer> ranks = new LinkedHashMap<>(plan.ranks());
        long total = plan.parameters();
        List<LinearShape> next = layers.stream()
                .filter(l -> ranks.containsKey(l.module()) && ranks.get(l.module()) < l.rankCap())
                .sorted(Comparator.comparingDouble(l -> (ranks.get(l.module()) + 0.5) / Math.min(l.out(), l.in())))
                .toList();
        for (LinearShape l : next) {
            if (total + l.out() + l.in() <= target) {
                ranks.merge(l.module(), 1, Integer::sum);
                total += l.out() + l.in();
            }
        }
        return new RankPlan(ranks, total);
    }

    /**
     * @param singularValues per module, in decreasing order (missing values count as zero)
     */
    public static RankPlan spectrum(List<LinearShape> layers, long otherParameters, long target,
            Map<String, double[]> singularValues) {
        checkReachable(layers, otherParameters, target);
        record Slot(LinearShape layer, double[] s, double energy, int[] rank) {
            double nextGainPerParameter() {
                int r = rank[0];
                double next = r < s.length ? s[r] * s[r] : 0;
                return energy == 0 ? 0 : next / energy / (layer.out() + layer.in());
            }
        }
        PriorityQueue<Slot> queue = new PriorityQueue<>(
                Comparator.comparingDouble(Slot::nextGainPerParameter).reversed());
        long budget = target - otherParameters;
        Map<String, Slot> slots = new LinkedHashMap<>();
        for (LinearShape l : layers) {
            double[] s = singularValues.get(l.module());
            if (s == null) {
                throw new IllegalArgumentException("no singular values for " + l.module());
            }
            double energy = 0;
            for (double v : s) {
                energy += v * v;
            }
            Slot slot = new Slot(l, s, energy, new int[] {1});
            slots.put(l.module(), slot);
            budget -= l.factoredParameters(1);
            if (l.rankCap() > 1) {
                queue.add(slot);
            }
        }
        while (!queue.isEmpty()) {
            Slot best = queue.poll();
            int cost = best.layer().out() + best.layer().in();
            if (cost > budget) {
                continue;
            }
            best.rank()[0]++;
            budget -= cost;
            if (best.rank()[0] < best.layer().rankCap()) {
                queue.add(best);
            }
        }
        Map<String, Integer> ranks = new LinkedHashMap<>();
        slots.forEach((module, slot) -> ranks.put(module, slot.rank()[0]));
        return withinTolerance(new RankPlan(ranks, target - budget), target);
    }

    private static void checkReachable(List<LinearShape> layers, long otherParameters, long target) {
        long input = otherParameters + layers.stream().mapToLong(LinearShape::inputParameters).sum();
        if (target >= input) {
            throw new IllegalArgumentException("target of " + target + " parameters is not smaller than the model ("
                    + input + ")");
        }
        long smallest = otherParameters + layers.stream().mapToLong(l -> l.factoredParameters(1)).sum();
        if (target < smallest) {
            throw new IllegalArgumentException("target of " + target + " parameters is below the smallest plan ("
                    + smallest + " at rank 1 everywhere, with the layers that are not factored kept)");
        }
    }

    private static RankPlan withinTolerance(RankPlan plan, long target) {
        if (Math.abs(plan.parameters() - target) > TOLERANCE * target) {
            throw new IllegalArgumentException("no plan lands within " + TOLERANCE * 100 + "% of " + target
                    + " parameters; the closest has " + plan.parameters());
        }
        return plan;
    }
}
