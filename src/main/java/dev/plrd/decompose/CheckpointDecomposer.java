package dev.plrd.decompose;

import dev.plrd.model.Checkpoint;
import dev.plrd.model.CheckpointException;
import dev.plrd.model.CheckpointWriter;
import dev.plrd.model.DType;
import dev.plrd.model.LlamaLayout;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Projection;
import dev.plrd.model.Tensor;
import dev.plrd.model.TensorInfo;
import dev.plrd.plan.MemberRanks;
import dev.plrd.plan.ParameterCount;
import dev.plrd.plan.RankPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Derives one family member's checkpoint from its parent's: plans the ranks, then streams the
 * parent's tensors one at a time into the member's checkpoint. A dense layer is factored by a
 * truncated SVD; a layer the parent already factored is re-truncated without forming A B; every
 * other tensor is copied. Peak memory is about one layer and its factorization, not the model.
 */
public final class CheckpointDecomposer {
    public enum Method { EXACT, RANDOMIZED }

    /**
     * @param parent how the member's config names its parent (lineage), e.g. the base URI and revision
     */
    public record Options(MemberRanks.Size size, MemberRanks.Allocation allocation, Method method, Split split,
            List<Projection> layers, RandomizedSvd.Settings randomized, String parent) {
    }

    /** Told after each layer, so a caller can show progress. */
    public interface Progress {
        void layerDone(String module, int done, int total, double relativeError);
    }

    /**
     * @param relativeErrors per changed layer, ||parent weight - A B||_F / ||parent weight||_F
     */
    public record Result(long parametersBefore, long parametersAfter, RankPlan plan, String ranksSummary,
            List<Double> relativeErrors, double seconds) {

        public String errorSummary() {
            if (relativeErrors.isEmpty()) {
                return "no layer changed";
            }
            double min = relativeErrors.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double max = relativeErrors.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            double mean = relativeErrors.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            return String.format(Locale.ROOT, "min %.4f mean %.4f max %.4f over %d layers", min, mean, max,
                    relativeErrors.size());
        }
    }

    private CheckpointDecomposer() {
    }

    public static Result run(Path from, Path to, Options options, Progress progress) throws IOException {
        long started = System.nanoTime();
        try (Checkpoint parent = Checkpoint.open(from)) {
            ModelConfig parentConfig = parent.config();
            RankPlan plan = plan(parent, options);
            ModelConfig ranked = MemberRanks.config(parentConfig, plan);
            ModelConfig member = ranked.withPlrd(ranked.plrd()
                    .withField("split", options.split().name().toLowerCase(Locale.ROOT))
                    .withField("method", options.method().name().toLowerCase(Locale.ROOT))
                    .withField("parent", options.parent()));
            DType dtype = parent.tensor(LlamaLayout.EMBED_TOKENS).map(TensorInfo::dtype).orElse(DType.F32);
            List<TensorInfo> layout = LlamaLayout.expected(member, dtype);
            Set<String> changed = plan.ranks().keySet().stream()
                    .filter(m -> parentConfig.plrd().rank(m).orElse(0) != plan.ranks().get(m))
                    .collect(Collectors.toSet());
            List<Double> errors = new ArrayList<>();
            try (CheckpointWriter writer = CheckpointWriter.create(to, member, layout)) {
                Factors pending = null;
                for (TensorInfo info : layout) {
                    String module = moduleOf(info.name());
                    if (module != null && changed.contains(module)) {
                        if (info.name().equals(LlamaLayout.factorA(module))) {
                            pending = factor(parent, module, plan.ranks().get(module), options);
                            errors.add(pending.relativeError());
                            progress.layerDone(module, errors.size(), changed.size(), pending.relativeError());
                            writer.write(new Tensor(info.name(), info.dtype(), info.shape(), pending.a().data()));
                        } else {
                            writer.write(new Tensor(info.name(), info.dtype(), info.shape(), pending.b().data()));
                            pending = null;
                        }
                    } else {
                        Tensor t = finite(parent, info.name());
                        writer.write(new Tensor(info.name(), info.dtype(), info.shape(), t.data()));
                    }
                }
                writer.copyAuxiliaryFiles(from);
                writer.commit();
            }
            return new Result(ParameterCount.of(parentConfig), ParameterCount.of(member), plan,
                    plan.summary(options.layers().stream().map(Projection::id).toList()), errors,
                    (System.nanoTime() - started) / 1e9);
        }
    }

    private static RankPlan plan(Checkpoint parent, Options options) throws IOException {
        try {
            return MemberRanks.plan(parent.config(), options.layers(), options.size(), options.allocation(),
                    module -> singularValues(parent, module));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The factors of one module at its new rank, from the parent's dense weight or factored pair. */
    private static Factors factor(Checkpoint parent, String module, int rank, Options options) throws IOException {
        OptionalInt parentRank = parent.config().plrd().rank(module);
        if (parentRank.isPresent()) {
            return Retruncation.truncate(matrix(finite(parent, LlamaLayout.factorA(module))),
                    matrix(finite(parent, LlamaLayout.factorB(module))), rank, options.split());
        }
        Matrix w = matrix(finite(parent, LlamaLayout.denseWeight(module)));
        return options.method() == Method.EXACT ? ExactSvd.truncate(w, rank, options.split())
                : RandomizedSvd.truncate(w, rank, options.split(), options.randomized());
    }

    private static double[] singularValues(Checkpoint parent, String module) {
        try {
            float[] s = parent.config().plrd().rank(module).isPresent()
                    ? Retruncation.singularValues(matrix(finite(parent, LlamaLayout.factorA(module))),
                            matrix(finite(parent, LlamaLayout.factorB(module))))
                    : ExactSvd.singularValues(matrix(finite(parent, LlamaLayout.denseWeight(module))));
            double[] values = new double[s.length];
            for (int i = 0; i < s.length; i++) {
                values[i] = s[i];
            }
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A parent tensor, refused when it holds NaN or infinity: the kernels would only say that some matrix does,
     * and a member derived from it would be garbage. The message names the file and the tensor.
     */
    private static Tensor finite(Checkpoint parent, String name) throws IOException {
        Tensor t = parent.read(name);
        int at = t.firstNonFinite();
        if (at >= 0) {
            throw new CheckpointException(parent.fileOf(name), "tensor '" + name + "' holds " + t.data()[at]
                    + " at element " + at + ": a checkpoint with NaN or infinite weights cannot be decomposed");
        }
        return t;
    }

    private static Matrix matrix(Tensor t) {
        return new Matrix(t.rows(), t.cols(), t.data());
    }

    /** The module a linear's tensor belongs to ({@code ...q_proj.A.weight} -> {@code ...q_proj}), or null. */
    private static String moduleOf(String tensor) {
        for (String suffix : List.of(".A.weight", ".B.weight")) {
            if (tensor.endsWith(suffix)) {
                return tensor.substring(0, tensor.length() - suffix.length());
            }
        }
        return null;
    }
}
