package dev.plrd.train;

import dev.plrd.model.Checkpoint;
import dev.plrd.model.LlamaLayout;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Projection;
import dev.plrd.model.Tensor;
import dev.plrd.model.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The forward of transformers' LlamaForCausalLM / MistralForCausalLM written out in double-precision loops, one
 * sequence at a time, with no DJL: the yardstick for {@link LlamaModel}. A factored projection is multiplied out to
 * W = A B first, so this shares no structure with the model under test.
 */
final class ReferenceLlama {
    private final ModelConfig config;
    /** Every tensor of the checkpoint, by name, row-major; a test may change entries to take finite differences. */
    final Map<String, double[]> weights;
    private final int slidingWindow;

    private ReferenceLlama(ModelConfig config, Map<String, double[]> weights, int slidingWindow) {
        this.config = config;
        this.weights = weights;
        this.slidingWindow = slidingWindow;
    }

    static ReferenceLlama of(Path checkpointDir, int slidingWindow) throws IOException {
        try (Checkpoint checkpoint = Checkpoint.open(checkpointDir)) {
            Map<String, double[]> weights = new HashMap<>();
            for (TensorInfo info : checkpoint.tensors()) {
                Tensor t = checkpoint.read(info.name());
                double[] values = new double[t.data().length];
                for (int i = 0; i < values.length; i++) {
                    values[i] = t.data()[i];
                }
                weights.put(info.name(), values);
            }
            return new ReferenceLlama(checkpoint.config(), weights, slidingWindow);
        }
    }

    static ReferenceLlama of(Path checkpointDir) throws IOException {
        return of(checkpointDir, Integer.MAX_VALUE);
    }

    double[][][] logits(long[][] tokens) {
        double[][][] logits = new double[tokens.length][][];
        for (int b = 0; b < tokens.length; b++) {
            logits[b] = sequence(tokens[b]);
        }
        return logits;
    }

    /** Mean over all positions of -log softmax(logits)[target]. */
    double loss(long[][] inputs, long[][] targets) {
        double[][][] logits = logits(inputs);
        double sum = 0;
        int count = 0;
        for (int b = 0; b < inputs.length; b++) {
            for (int t = 0; t < inputs[b].length; t++) {
                sum += logSumExp(logits[b][t]) - logits[b][t][(int) targets[b][t]];
                count++;
            }
        }
        return sum / count;
    }

    static double logSumExp(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    private double[][] sequence(long[] tokens) {
        int n = tokens.length;
        int hidden = config.hiddenSize();
        double[] embedding = weights.get(LlamaLayout.EMBED_TOKENS);
        double[][] h = new double[n][hidden];
        for (int t = 0; t < n; t++) {
            System.arraycopy(embedding, (int) tokens[t] * hidden, h[t], 0, hidden);
        }
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            String prefix = "model.layers." + layer + ".";
            double[][] x = rmsNorm(h, weights.get(prefix + "input_layernorm.weight"));
            add(h, linear(attention(layer, x), layer, Projection.O));
            x = rmsNorm(h, weights.get(prefix + "post_attention_layernorm.weight"));
            double[][] gate = linear(x, layer, Projection.GATE);
            double[][] up = linear(x, layer, Projection.UP);
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < gate[t].length; j++) {
                    double g = gate[t][j];
                    gate[t][j] = g / (1 + Math.exp(-g)) * up[t][j];
                }
            }
            add(h, linear(gate, layer, Projection.DOWN));
        }
        double[][] normed = rmsNorm(h, weights.get(LlamaLayout.FINAL_NORM));
        double[] head = weights.get(config.tieWordEmbeddings() ? LlamaLayout.EMBED_TOKENS : LlamaLayout.LM_HEAD);
        return matmulTransposed(normed, head, config.vocabSize());
    }

    private double[][] attention(int layer, double[][] x) {
        int n = x.length;
        int d = config.headDim();
        int heads = config.numAttentionHeads();
        int groups = heads / config.numKeyValueHeads();
        double[][] q = rope(linear(x, layer, Projection.Q), heads);
        double[][] k = rope(linear(x, layer, Projection.K), config.numKeyValueHeads());
        double[][] v = linear(x, layer, Projection.V);
        double[][] out = new double[n][heads * d];
        for (int head = 0; head < heads; head++) {
            int kv = head / groups;
            for (int query = 0; query < n; query++) {
                double[] scores = new double[query + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int key = 0; key <= query; key++) {
                    if (query - key >= slidingWindow) {
                        scores[key] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double dot = 0;
                    for (int j = 0; j < d; j++) {
                        dot += q[query][head * d + j] * k[key][kv * d + j];
                    }
                    scores[key] = dot / Math.sqrt(d);
                    max = Math.max(max, scores[key]);
                }
                double total = 0;
                for (int key = 0; key <= query; key++) {
                    scores[key] = Math.exp(scores[key] - max);
                    total += scores[key];
                }
                for (int key = 0; key <= query; key++) {
                    for (int j = 0; j < d; j++) {
                        out[query][head * d + j] += scores[key] / total * v[key][kv * d + j];
                    }
                }
            }
        }
        return out;
    }

    /** Rotates the pair (j, j + d/2) of each head at position t by t / theta^(2j/d). */
    private double[][] rope(double[][] x, int heads) {
        int d = config.headDim();
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            out[t] = x[t].clone();
            for (int head = 0; head < heads; head++) {
                for (int j = 0; j < d / 2; j++) {
                    double angle = t / Math.pow(config.ropeTheta(), 2.0 * j / d);
                    double first = x[t][head * d + j];
                    double second = x[t][head * d + j + d / 2];
                    out[t][head * d + j] = first * Math.cos(angle) - second * Math.sin(angle);
                    out[t][head * d + j + d / 2] = second * Math.cos(angle) + first * Math.sin(angle);
                }
            }
        }
        return out;
    }

    private double[][] linear(double[][] x, int layer, Projection projection) {
        String module = LlamaLayout.modulePath(layer, projection);
        int out = projection.outFeatures(config);
        int in = projection.inFeatures(config);
        double[] w = weights.get(LlamaLayout.denseWeight(module));
        if (w == null) {
            double[] a = weights.get(LlamaLayout.factorA(module));
            double[] b = weights.get(LlamaLayout.factorB(module));
            int rank = a.length / out;
            w = new double[out * in];
            for (int i = 0; i < out; i++) {
                for (int j = 0; j < in; j++) {
                    for (int r = 0; r < rank; r++) {
                        w[i * in + j] += a[i * rank + r] * b[r * in + j];
                    }
                }
            }
        }
        return matmulTransposed(x, w, out);
    }

    /** x [n, in] times W^T for W [out, in] row-major. */
    private static double[][] matmulTransposed(double[][] x, double[] w, int out) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double sum = 0;
                for (int i = 0; i < in; i++) {
                    sum += x[t][i] * w[o * in + i];
                }
                y[t][o] = sum;
            }
        }
        return y;
    }

    private double[][] rmsNorm(double[][] x, double[] weight) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double meanSquare = 0;
            for (double v : x[t]) {
                meanSquare += v * v / x[t].length;
            }
            double scale = 1 / Math.sqrt(meanSquare + config.rmsNormEps());
            y[t] = new double[x[t].length];
            for (int i = 0; i < x[t].length; i++) {
                y[t][i] = x[t][i] * scale * weight[i];
            }
        }
        return y;
    }

    private static void add(double[][] h, double[][] delta) {
        for (int t = 0; t < h.length; t++) {
            for (int i = 0; i < h[t].length; i++) {
                h[t][i] += delta[t][i];
            }
        }
    }
}
