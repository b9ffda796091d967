package dev.plrd.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RankPlannerTest {
    /** Four blocks of a 4096-wide model: q (4096 x 4096) and gate (14336 x 4096). */
    private static List<LinearShape> layers() {
        List<LinearShape> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            out.add(new LinearShape("model.layers." + i + ".self_attn.q_proj", 4096, 4096, 0));
            out.add(new LinearShape("model.layers." + i + ".mlp.gate_proj", 14336, 4096, 0));
        }
        return out;
    }

    private static final long OTHER = 262_148_096L;

    @Test
    void fractionKeepsRoundedFractionOfTheSmallerSide() {
        RankPlan plan = RankPlanner.fraction(layers(), OTHER, 0.25);
        assertThat(plan.ranks()).hasSize(8).containsEntry("model.layers.0.self_attn.q_proj", 1024)
                .containsEntry("model.layers.3.mlp.gate_proj", 1024);
        assertThat(plan.parameters()).isEqualTo(OTHER + 4L * (1024L * 8192 + 1024L * 18432));
        assertThat(plan.summary(List.of("q", "gate", "down"))).isEqualTo("q:1024 gate:1024");
    }

    @Test
    void aLayerIsFactoredOnlyWhereItSavesParameters() {
        // q: break-even at 2048 (4096*4096 / 8192); 0.6 * 4096 = 2458 would cost more than dense
        RankPlan plan = RankPlanner.fraction(layers(), OTHER, 0.6);
        assertThat(plan.ranks()).doesNotContainKey("model.layers.0.self_attn.q_proj")
                .containsEntry("model.layers.0.mlp.gate_proj", 2458);
        assertThat(plan.parameters()).isEqualTo(OTHER + 4L * (4096L * 4096 + 2458L * 18432));
        assertThat(new LinearShape("x", 4096, 4096, 0).maxSavingRank()).isEqualTo(2047);
    }

    @Test
    void aFactoredInputKeepsAtMostItsRank() {
        List<LinearShape> factored = layers().stream()
                .map(l -> new LinearShape(l.module(), l.out(), l.in(), 512)).toList();
        RankPlan plan = RankPlanner.fraction(factored, OTHER, 0.25);
        assertThat(plan.ranks().values()).containsOnly(512);
    }

    @Test
    void uniformLandsWithinHalfAPercentOfTheTarget() {
        long dense = OTHER + 4L * (4096L * 4096 + 14336L * 4096);
        for (double share : new double[] {0.1, 0.3, 0.5, 0.7, 0.9}) {
            long target = OTHER + (long) ((dense - OTHER) * share);
            RankPlan plan = RankPlanner.uniform(layers(), OTHER, target);
            assertThat(Math.abs(plan.parameters() - target)).as("target %d", target)
                    .isLessThanOrEqualTo((long) (target * RankPlanner.TOLERANCE));
            // one fraction for all: ranks in proportion to the smaller side, both 4096 here
            assertThat(plan.ranks().values().stream().distinct()).hasSizeLessThanOrEqualTo(2);
        }
    }

    @Test
    void targetsOutOfReachAreRefusedWithTheLimit() {
        long dense = OTHER + 4L * (4096L * 4096 + 14336L * 4096);
        assertThatThrownBy(() -> RankPlanner.uniform(layers(), OTHER, dense))
                .hasMessageContaining("not smaller than the model (" + dense + ")");
        assertThatThrownBy(() -> RankPlanner.uniform(layers(), OTHER, OTHER + 10))
                .hasMessageContaining("below the smallest plan");
        assertThatThrownBy(() -> RankPlanner.fraction(layers(), OTHER, 1.0)).hasMessageContaining("between 0 and 1");
    }

    /** Squared relative error of keeping the first r singular values. */
    private static double squaredRelativeError(double[] s, int r) {
        double all = 0;
        double dropped = 0;
        for (int i = 0; i < s.length; i++) {
            all += s[i] * s[i];
            if (i >= r) {
                dropped += s[i] * s[i];
            }
        }
        return dropped / all;
    }

    private static double rmsRelativeError(RankPlan plan, Map<String, double[]> spectra) {
        double sum = 0;
        for (var e : spectra.entrySet()) {
            sum += squaredRelativeError(e.getValue(), plan.ranks().getOrDefault(e.getKey(), Integer.MAX_VALUE));
        }
        return Math.sqrt(sum / spectra.size());
    }

    @Test
    void spectrumBeatsUniformAtEqualParametersWhenLayersHaveDifferentSpectra() {
        // attention layers with fast-decaying spectra, MLP layers with slowly decaying ones
        Map<String, double[]> spectra = new HashMap<>();
        for (LinearShape l : layers()) {
            double[] s = new double[Math.min(l.out(), l.in())];
            boolean attention = l.module().contains("self_attn");
            for (int i = 0; i < s.length; i++) {
                s[i] = attention ? Math.exp(-i / 50.0) : 1.0 / (i + 1);
            }
            spectra.put(l.module(), s);
        }
        long dense = OTHER + 4L * (4096L * 4096 + 14336L * 4096);
        RankPlan uniform = RankPlanner.uniform(layers(), OTHER, OTHER + (dense - OTHER) / 2);
        // the same budget as Uniform actually used, so Spectrum gets no more parameters
        RankPlan spectrum = RankPlanner.spectrum(layers(), OTHER, uniform.parameters(), spectra);

        assertThat(spectrum.parameters()).isLessThanOrEqualTo(uniform.parameters())
                .isGreaterThanOrEqualTo((long) (uniform.parameters() * (1 - RankPlanner.TOLERANCE)));
        double uniformError = rmsRelativeError(uniform, spectra);
        double spectrumError = rmsRelativeError(spectrum, spectra);
        // the greedy order is optimal for this objective; here it removes over 15% of Uniform's error
        assertThat(spectrumError).isLessThan(uniformError * 0.85);
        // it moved rank from the fast-decaying attention layers to the MLP layers
        assertThat(spectrum.ranks().get("model.layers.0.self_attn.q_proj"))
                .isLessThan(uniform.ranks().get("model.layers.0.self_attn.q_proj"));
        assertThat(spectrum.ranks().get("model.layers.0.mlp.gate_proj"))
                .isGreaterThan(uniform.ranks().get("model.layers.0.mlp.gate_proj"));
    }

    @Test
    void spectrumOnIdenticalLayersGivesIdenticalRanks() {
        Map<String, double[]> spectra = new HashMap<>();
        List<LinearShape> same = layers().stream().filter(l -> l.module().contains("q_proj")).toList();
        double[] s = new double[4096];
        for (int i = 0; i < s.length; i++) {
            s[i] = 1.0 / (i + 1);
        }
        same.forEach(l -> spectra.put(l.module(), s));
        long target = OTHER + 4L * 1000 * 8192;
        RankPlan plan = RankPlanner.spectrum(same, OTHER, target, spectra);
        assertThat(plan.ranks().values().stream().mapToInt(Integer::intValue).max().getAsInt()
                - plan.ranks().values().stream().mapToInt(Integer::intValue).min().getAsInt()).isLessThanOrEqualTo(1);
        assertThat(plan.parameters()).isLessThanOrEqualTo(target);
    }
}
