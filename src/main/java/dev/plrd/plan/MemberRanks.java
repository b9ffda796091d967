package dev.plrd.plan;

import dev.plrd.model.LlamaLayout;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Projection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Plans the ranks of one member from its parent's config: which layers may be factored, how big
 * the member must be, and how ranks are spread. Layers outside the chosen projections keep what
 * the parent has (dense, or factored at its rank).
 */
public final class MemberRanks {
    /** How big the member must be: a parameter budget, or a rank fraction. */
    public sealed interface Size permits Target, Fraction {
    }

    public record Target(long parameters) implements Size {
    }

    public record Fraction(double value) implements Size {
    }

    public enum Allocation { UNIFORM, SPECTRUM }

    private MemberRanks() {
    }

    /** The layers the plan may change, with their shapes and the parent's ranks. */
    public static List<LinearShape> layers(ModelConfig parent, List<Projection> projections) {
        List<LinearShape> layers = new ArrayList<>();
        for (int layer = 0; layer < parent.numHiddenLayers(); layer++) {
            for (Projection p : projections) {
                String module = LlamaLayout.modulePath(layer, p);
                layers.add(new LinearShape(module, p.outFeatures(parent), p.inFeatures(parent),
                        parent.plrd().rank(module).orElse(0)));
            }
        }
        return layers;
    }

    /**
     * @param singularValues the singular values of a module's current weight, asked for only when
     *                       the allocation is SPECTRUM (computing them costs a decomposition)
     */
    public static RankPlan plan(ModelConfig parent, List<Projection> projections, Size size, Allocation allocation,
            Function<String, double[]> singularValues) {
        List<LinearShape> layers = layers(parent, projections);
        long other = ParameterCount.of(parent) - layers.stream().mapToLong(LinearShape::inputParameters).sum();
        RankPlan planned;
        if (size instanceof Fraction f) {
            planned = RankPlanner.fraction(layers, other, f.value());
        } else if (allocation == Allocation.UNIFORM) {
            planned = RankPlanner.uniform(layers, other, ((Target) size).parameters());
        } else {
            Map<String, double[]> spectra = new LinkedHashMap<>();
            layers.forEach(l -> spectra.put(l.module(), singularValues.apply(l.module())));
            planned = RankPlanner.spectrum(layers, other, ((Target) size).parameters(), spectra);
        }
        // the parent's factored layers outside the chosen projections stay as they are
        Map<String, Integer> chosen = new LinkedHashMap<>(parent.plrd().ranks());
        layers.forEach(l -> chosen.remove(l.module()));
        chosen.putAll(planned.ranks());
        Map<String, Integer> inLayerOrder = new LinkedHashMap<>();
        for (int layer = 0; layer < parent.numHiddenLayers(); layer++) {
            for (Projection p : Projection.values()) {
                String module = LlamaLayout.modulePath(layer, p);
                if (chosen.containsKey(module)) {
                    inLayerOrder.put(module, chosen.get(module));
                }
            }
        }
        return new RankPlan(inLayerOrder, planned.parameters());
    }

    /** The member's config: the parent's, with the new ranks. */
    public static ModelConfig config(ModelConfig parent, RankPlan plan) {
        return parent.withPlrd(parent.plrd().withRanks(plan.ranks()));
    }
}
