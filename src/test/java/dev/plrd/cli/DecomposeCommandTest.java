package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.decompose.ExactSvd;
import dev.plrd.decompose.Matrix;
import dev.plrd.model.Checkpoint;
import dev.plrd.model.CheckpointWriter;
import dev.plrd.model.DType;
import dev.plrd.model.LlamaLayout;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.RandomInit;
import dev.plrd.model.Tensor;
import dev.plrd.model.TensorInfo;
import dev.plrd.plan.ParameterCount;
import dev.plrd.plan.WorkerContract;
import dev.plrd.testing.MicroModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `plrd decompose` end to end on small checkpoints written by the test. */
class DecomposeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;



    private Path base() throws IOException {
        Path base = dir.resolve("base");
        RandomInit.write(ModelConfig.parse(MicroModel.CONFIG), base, 7);
        Files.writeString(base.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\"}}");
        return base;
    }

    private static double relativeError(Tensor w, Tensor a, Tensor b) {
        int out = w.rows();
        int in = w.cols();
        int r = a.cols();
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double ab = 0;
                for (int k = 0; k < r; k++) {
                    ab += (double) a.data()[i * r + k] * b.data()[k * in + j];
                }
                double x = w.data()[i * in + j];
                diff += (x - ab) * (x - ab);
                norm += x * x;
            }
        }
        return Math.sqrt(diff / norm);
    }

    private static double optimalError(Tensor w, int rank) {
        float[] s = ExactSvd.singularValues(new Matrix(w.rows(), w.cols(), w.data()));
        double all = 0;
        double dropped = 0;
        for (int i = 0; i < s.length; i++) {
            all += (double) s[i] * s[i];
            dropped += i >= rank ? (double) s[i] * s[i] : 0;
        }
        return Math.sqrt(dropped / all);
    }

    @Test
    void aDenseModelIsFactoredOptimallyAndReloadsExactly() throws Exception {
        Path base = base();
        Path member = dir.resolve("member");
        Plrd.Run run = Plrd.run("decompose", "--from", base.toString(), "--to", member.toString(), "--rank-fraction", "0.25",
                "--report", dir.resolve("report.json").toString(), "--result", dir.resolve("result").toString());
        assertThat(run.code()).as(run.err()).isZero();

        JsonNode result = JSON.readTree(dir.resolve("result").toFile());
        assertThat(result).isEqualTo(JSON.readTree(dir.resolve("report.json").toFile()));
        try (Checkpoint parent = Checkpoint.open(base); Checkpoint child = Checkpoint.open(member)) {
            ModelConfig config = child.config();
            // q: 64 x 64 at rank 16; gate: 160 x 64 at rank 16; k: 32 x 64 at rank 8
            assertThat(config.plrd().rank("model.layers.1.self_attn.q_proj")).hasValue(16);
            assertThat(config.plrd().rank("model.layers.0.self_attn.k_proj")).hasValue(8);
            assertThat(config.plrd().field("split")).hasValue("balanced");
            assertThat(result.get("parameters").asLong()).isEqualTo(ParameterCount.of(config));
            assertThat(result.get("parentParameters").asLong()).isEqualTo(ParameterCount.of(parent.config()));
            assertThat(result.get("ranks").asText()).isEqualTo("q:16 k:8 v:8 o:16 gate:16 up:16 down:16");
            assertThat(result.get("relativeError").asText()).startsWith("min 0.").endsWith("over 14 layers");
            assertThat(LlamaLayout.mismatches(config, child.tensors())).isEmpty();
            for (String module : new String[] {"model.layers.0.mlp.gate_proj", "model.layers.1.self_attn.k_proj"}) {
                Tensor w = parent.read(LlamaLayout.denseWeight(module));
                Tensor a = child.read(LlamaLayout.factorA(module));
                Tensor b = child.read(LlamaLayout.factorB(module));
                assertThat(relativeError(w, a, b)).as(module)
                        .isCloseTo(optimalError(w, a.cols()), org.assertj.core.data.Offset.offset(1e-4));
            }
            // untouched tensors are copied exactly, auxiliary files too
            assertThat(child.read(LlamaLayout.EMBED_TOKENS).data()).isEqualTo(parent.read(LlamaLayout.EMBED_TOKENS).data());
            assertThat(member.resolve("tokenizer.json")).hasSameTextualContentAs(base.resolve("tokenizer.json"));
        }
    }

    @Test
    void aFactoredMemberIsReTruncatedAsIfItsProductWereTruncated() throws Exception {
        Path base = base();
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");
        assertThat(Plrd.run("decompose", "--from", base.toString(), "--to", first.toString(), "--rank-fraction", "0.4")
                .code()).isZero();
        Plrd.Run run = Plrd.run("decompose", "--from", first.toString(), "--to", second.toString(), "--rank-fraction", "0.2",
                "--report", dir.resolve("second.json").toString());
        assertThat(run.code()).as(run.err()).isZero();
        try (Checkpoint one = Checkpoint.open(first); Checkpoint two = Checkpoint.open(second)) {
            String module = "model.layers.1.mlp.down_proj";
            assertThat(one.config().plrd().rank(module)).hasValue(26);
            assertThat(two.config().plrd().rank(module)).hasValue(13);
            Tensor a1 = one.read(LlamaLayout.factorA(module));
            Tensor b1 = one.read(LlamaLayout.factorB(module));
            Tensor product = multiply(a1, b1);
            Tensor a2 = two.read(LlamaLayout.factorA(module));
            Tensor b2 = two.read(LlamaLayout.factorB(module));
            assertThat(relativeError(product, a2, b2))
                    .isCloseTo(optimalError(product, 13), org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    private static Tensor multiply(Tensor a, Tensor b) {
        int out = a.rows();
        int r = a.cols();
        int in = b.cols();
        float[] c = new float[out * in];
        for (int i = 0; i < out; i++) {
            for (int k = 0; k < r; k++) {
                float x = a.data()[i * r + k];
                for (int j = 0; j < in; j++) {
                    c[i * in + j] += x * b.data()[k * in + j];
                }
            }
        }
        return new Tensor("product", DType.F32, new long[] {out, in}, c);
    }

    @Test
    void aTargetLandsWithinHalfAPercent() throws Exception {
        Path base = base();
        long dense = ParameterCount.of(ModelConfig.parse(MicroModel.CONFIG));
        long target = dense * 7 / 10;
        Plrd.Run run = Plrd.run("decompose", "--from", base.toString(), "--to", dir.resolve("m").toString(),
                "--target-parameters", Long.toString(target), "--method", "randomized",
                "--report", dir.resolve("m.json").toString());
        assertThat(run.code()).as(run.err()).isZero();
        long got = JSON.readTree(dir.resolve("m.json").toFile()).get("parameters").asLong();
        assertThat(Math.abs(got - target)).isLessThanOrEqualTo(target / 200);
    }

    /** RMS over layers of ||W - A B|| / ||W||. */
    private static double rmsError(Path parentDir, Path childDir) throws IOException {
        try (Checkpoint parent = Checkpoint.open(parentDir); Checkpoint child = Checkpoint.open(childDir)) {
            double sum = 0;
            int n = 0;
            for (String module : child.config().plrd().ranks().keySet()) {
                double e = relativeError(parent.read(LlamaLayout.denseWeight(module)),
                        child.read(LlamaLayout.factorA(module)), child.read(LlamaLayout.factorB(module)));
                sum += e * e;
                n++;
            }
            return Math.sqrt(sum / n);
        }
    }

    @Test
    void spectrumAllocationBeatsUniformOnAModelWhoseLayersDiffer() throws Exception {
        // attention weights nearly rank 4 (fast-decaying spectra), MLP weights Gaussian (flat spectra)
        ModelConfig config = ModelConfig.parse(MicroModel.CONFIG);
        Path base = dir.resolve("structured");
        Random random = new Random(3);
        var layout = LlamaLayout.expected(config, DType.F32);
        try (CheckpointWriter writer = CheckpointWriter.create(base, config, layout)) {
            for (TensorInfo info : layout) {
                float[] data = new float[Math.toIntExact(info.elements())];
                if (info.shape().length == 1) {
                    java.util.Arrays.fill(data, 1f);
                } else if (info.name().contains("self_attn")) {
                    int out = (int) info.shape()[0];
                    int in = (int) info.shape()[1];
                    double[][] u = gaussian(random, out, 4);
                    double[][] v = gaussian(random, 4, in);
                    for (int i = 0; i < out; i++) {
                        for (int j = 0; j < in; j++) {
                            double x = 0.002 * random.nextGaussian();
                            for (int k = 0; k < 4; k++) {
                                x += u[i][k] * v[k][j] * 0.02;
                            }
                            data[i * in + j] = (float) x;
                        }
                    }
                } else {
                    for (int i = 0; i < data.length; i++) {
                        data[i] = (float) (0.02 * random.nextGaussian());
                    }
                }
                writer.write(new Tensor(info.name(), DType.F32, info.shape(), data));
            }
            writer.commit();
        }
        long target = ParameterCount.of(config) * 3 / 4;
        Path uniform = dir.resolve("uniform");
        Path spectrum = dir.resolve("spectrum");
        for (var out : new Path[] {uniform, spectrum}) {
            Plrd.Run run = Plrd.run("decompose", "--from", base.toString(), "--to", out.toString(), "--target-parameters",
                    Long.toString(target), "--allocation", out == uniform ? "uniform" : "spectrum");
            assertThat(run.code()).as(run.err()).isZero();
        }
        try (Checkpoint u = Checkpoint.open(uniform); Checkpoint s = Checkpoint.open(spectrum)) {
            assertThat(ParameterCount.of(s.config())).isLessThanOrEqualTo(target + target / 200);
            assertThat(s.config().plrd().rank("model.layers.0.self_attn.q_proj").getAsInt())
                    .isLessThan(u.config().plrd().rank("model.layers.0.self_attn.q_proj").getAsInt());
        }
        assertThat(rmsError(base, spectrum)).isLessThan(rmsError(base, uniform));
    }

    private static double[][] gaussian(Random random, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return m;
    }

    @Test
    void badInputFailsClearlyAndLeavesNothingBehind() throws Exception {
        Path base = base();
        Path out = dir.resolve("out");
        Path result = dir.resolve("failed.json");

        Plrd.Run missing = Plrd.run("decompose", "--from", dir.resolve("nope").toString(), "--to", out.toString(),
                "--rank-fraction", "0.5", "--result", result.toString());
        assertThat(missing.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(missing.err()).contains("--from " + dir.resolve("nope") + ": no such checkpoint directory");
        assertThat(JSON.readTree(result.toFile()).get("reason").asText()).isEqualTo("InvalidInput");

        Plrd.Run tooBig = Plrd.run("decompose", "--from", base.toString(), "--to", out.toString(), "--target-parameters", "1B");
        assertThat(tooBig.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(tooBig.err()).contains("not smaller than the model");

        Plrd.Run fraction = Plrd.run("decompose", "--from", base.toString(), "--to", out.toString(), "--rank-fraction", "1.5");
        assertThat(fraction.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(fraction.err()).contains("--rank-fraction 1.5: must be greater than 0 and less than 1");

        Path gpt2 = dir.resolve("gpt2");
        Files.createDirectories(gpt2);
        Files.writeString(gpt2.resolve("config.json"), "{\"architectures\": [\"GPT2LMHeadModel\"]}");
        Plrd.Run architecture = Plrd.run("decompose", "--from", gpt2.toString(), "--to", out.toString(), "--rank-fraction", "0.5");
        assertThat(architecture.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(architecture.err()).contains("GPT2LMHeadModel").contains("config.json");

        Plrd.Run layers = Plrd.run("decompose", "--from", base.toString(), "--to", out.toString(), "--rank-fraction", "0.5",
                "--layers", "q,attn");
        assertThat(layers.code()).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(layers.err()).contains("attn");

        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("base", "gpt2", "failed.json");
        }
    }
}
