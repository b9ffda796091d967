package dev.plrd.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import dev.plrd.model.Checkpoint;
import dev.plrd.model.CheckpointWriter;
import dev.plrd.model.DType;
import dev.plrd.model.LlamaLayout;
import dev.plrd.model.ModelConfig;
import dev.plrd.model.Projection;
import dev.plrd.model.Tensor;
import dev.plrd.model.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A Llama/Mistral causal LM on DJL's PyTorch engine that computes what transformers' LlamaForCausalLM and
 * MistralForCausalLM compute, with each projection dense or factored ({@link LowRankLinear}) as the checkpoint's
 * plrd ranks say. Forward only: a trainer drives autograd and the optimizer.
 *
 * <h2>Precision</h2>
 * The parameters are float32 in every {@link ComputePrecision}: they are the autograd leaves, their gradients are
 * float32, and the optimizer updates them in place. In {@link ComputePrecision#MIXED} the forward works as PyTorch's
 * autocast would: each linear layer casts its input and weights to float16 inside the graph ({@link Casts}) and
 * multiplies in float16, as do the attention's two matmuls and the SwiGLU between gate/up and down. RMSNorm, the
 * rotary embedding, the attention's scale, mask and softmax, the residual stream, the final log-softmax and the
 * loss stay float32, and {@link #logits} and {@link #loss} return float32. {@link ComputePrecision#FLOAT32} computes
 * all of it in float32.
 * <p>
 * Bytes per parameter while training with AdamW:
 * <ul>
 *   <li>{@link ComputePrecision#FLOAT32}: 4 (weight) + 4 (gradient) + 8 (the two moments) = 16</li>
 *   <li>{@link ComputePrecision#MIXED}: 4 (float32 master) + 4 (float32 gradient) + 8 (moments) + 2 (the float16
 *       copy of the weight its matmul uses, which autograd keeps until the backward pass has used it) = 18</li>
 * </ul>
 * Activations come on top. In MIXED the matmul outputs and the MLP's activations are float16, half their float32
 * size; each float32 to float16 cast, though, keeps its float32 input for the backward pass beside the float16
 * copy, so the norm outputs, the rotated queries and keys and the attention probabilities are held in both types.
 * <p>
 * float16 rather than bfloat16: DJL 0.36's PyTorch engine cannot hold a bfloat16 tensor at all (its native type
 * table stops at complex64, and creating or casting to bfloat16 aborts the JVM). float16 carries more mantissa than
 * bfloat16 but only a 5-bit exponent: values beyond 65504 overflow to infinity and gradients below 2^-24 flush to
 * zero. Training in MIXED therefore needs loss scaling, which the {@link Trainer} applies whenever the precision is
 * not FLOAT32: it multiplies the loss before the backward pass, divides the float32 gradients again, and skips a
 * step whose gradients overflowed. A float16 overflow in the forward pass no loss scale prevents; that is one
 * reason the residual stream and the norms stay float32.
 *
 * <h2>Lifetimes</h2>
 * The parameters, the position tables and the forward's constants belong to {@link #manager()} and live until
 * {@link #close()}; no NDScope closes them. Every array a forward creates, the result included, is registered with
 * the caller's innermost NDScope: wrap each step (forward, backward, reading gradients) in one, and close nothing
 * of it before the backward pass. The token arrays too must stay open until then: an array DJL makes from Java
 * values points into a Java buffer that only its open handle keeps alive, and autograd reads the tokens again.
 *
 * <h2>Autograd</h2>
 * DJL switches PyTorch's grad mode off on the thread that starts the engine and on only inside a
 * GradientCollector, so run {@link #loss} inside the collector whose backward follows. Gradients accumulate across
 * backward passes (DJL's collector does not zero them); the trainer zeroes them.
 *
 * <p>Not thread-safe.
 */
public final class LlamaModel implements AutoCloseable {
    private final ModelConfig config;
    private final ComputePrecision precision;
    private final NDManager manager;
    private final List<NamedParameter> parameters;
    /** The dtype each tensor had in the checkpoint, which {@link #save} writes it back as. */
    private final Map<String, DType> storedTypes;
    private final NDArray embedding;
    private final List<Layer> layers;
    private final RmsNorm finalNorm;
    /** Over the embedding itself when the checkpoint ties them. */
    private final Linear head;
    private final Positions positions;
    /** 1 / sqrt(headDim), a {@link PersistentArrays#scalar}. */
    private final NDArray attentionScale;

    private record Layer(RmsNorm inputNorm, Linear q, Linear k, Linear v, Linear o, RmsNorm postAttentionNorm,
            Linear gate, Linear up, Linear down) {
    }

    private LlamaModel(ModelConfig config, ComputePrecision precision, NDManager manager, Map<String, NDArray> weights,
            Map<String, DType> storedTypes, ArchitectureOptions options) {
        this.config = config;
        this.precision = precision;
        this.manager = manager;
        this.storedTypes = Map.copyOf(storedTypes);
        this.parameters = weights.entrySet().stream().map(e -> new NamedParameter(e.getKey(), e.getValue())).toList();
        NDArray eps = PersistentArrays.scalar(manager, (float) config.rmsNormEps());
        this.embedding = weights.get(LlamaLayout.EMBED_TOKENS);
        this.layers = IntStream.range(0, config.numHiddenLayers()).mapToObj(i -> {
            String prefix = "model.layers." + i + ".";
            return new Layer(new RmsNorm(weights.get(prefix + "input_layernorm.weight"), eps),
                    linear(weights, i, Projection.Q), linear(weights, i, Projection.K),
                    linear(weights, i, Projection.V), linear(weights, i, Projection.O),
                    new RmsNorm(weights.get(prefix + "post_attention_layernorm.weight"), eps),
                    linear(weights, i, Projection.GATE), linear(weights, i, Projection.UP),
                    linear(weights, i, Projection.DOWN));
        }).toList();
        this.finalNorm = new RmsNorm(weights.get(LlamaLayout.FINAL_NORM), eps);
        this.head = new DenseLinear(config.tieWordEmbeddings() ? embedding : weights.get(LlamaLayout.LM_HEAD));
        this.positions = new Positions(manager, config.headDim(), config.ropeTheta(), options.slidingWindow());
        this.attentionScale = PersistentArrays.scalar(manager, (float) (1 / Math.sqrt(config.headDim())));
    }

    private Linear linear(Map<String, NDArray> weights, int layer, Projection projection) {
        String module = LlamaLayout.modulePath(layer, projection);
        if (config.plrd().rank(module).isPresent()) {
            return new LowRankLinear(weights.get(LlamaLayout.factorA(module)), weights.get(LlamaLayout.factorB(module)));
        }
        return new DenseLinear(weights.get(LlamaLayout.denseWeight(module)));
    }

    public static LlamaModel load(Path checkpointDir, Device device, ComputePrecision precision) throws IOException {
        try (Checkpoint checkpoint = Checkpoint.open(checkpointDir)) {
            return load(checkpoint, device, precision);
        }
    }

    /** Reads every tensor the config requires (opening the checkpoint checked their names and shapes). */
    public static LlamaModel load(Checkpoint checkpoint, Device device, ComputePrecision precision) throws IOException {
        ModelConfig config = checkpoint.config();
        ArchitectureOptions options = ArchitectureOptions.of(config, checkpoint.directory().resolve(ModelConfig.FILE_NAME));
        NDManager manager = NDManager.newBaseManager(device);
        try {
            Map<String, NDArray> weights = new LinkedHashMap<>();
            Map<String, DType> storedTypes = new HashMap<>();
            for (TensorInfo info : LlamaLayout.expected(config, DType.F32)) {
                Tensor tensor = checkpoint.read(info.name());
                NDArray weight = PersistentArrays.create(manager, tensor.data(), new Shape(tensor.shape()));
                weight.setName(info.name());
                weight.setRequiresGradient(true);
                weights.put(info.name(), weight);
                storedTypes.put(info.name(), tensor.dtype());
            }
            return new LlamaModel(config, precision, manager, weights, storedTypes, options);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    public ComputePrecision precision() {
        return precision;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** Owns the parameters. */
    public NDManager manager() {
        return manager;
    }

    /** The trainable weights in canonical {@link LlamaLayout} order, gradients required. */
    public List<NamedParameter> parameters() {
        return parameters;
    }

    public long parameterCount() {
        return parameters.stream().mapToLong(p -> p.value().size()).sum();
    }

    /** tokens INT64 [batch, length] to FLOAT32 logits [batch, length, vocab]. */
    public NDArray logits(NDArray tokens) {
        Shape shape = tokenShape(tokens, "tokens");
        Positions.Tables tables = positions.forLength(Math.toIntExact(shape.get(1)));
        NDArray h = embedding.getNDArrayInternal()
                .embedding(tokens.toDevice(device(), false), embedding, SparseFormat.DENSE).singletonOrThrow();
        for (Layer layer : layers) {
            h = h.add(float32(attention(layer, compute(layer.inputNorm().forward(h)), tables)));
            h = h.add(float32(mlp(layer, compute(layer.postAttentionNorm().forward(h)))));
        }
        return float32(head.forward(compute(finalNorm.forward(h))));
    }

    /** x in the type the matmuls run in. */
    private NDArray compute(NDArray x) {
        return Casts.to(x, precision.computeType());
    }

    private static NDArray float32(NDArray x) {
        return Casts.to(x, DataType.FLOAT32);
    }

    /**
     * Mean cross-entropy of predicting targets[b, t] from inputs[b, 0..t], over every position: the caller shifts,
     * targets[b, t] being the token after inputs[b, t]. A FLOAT32 scalar.
     */
    public NDArray loss(NDArray inputs, NDArray targets) {
        Shape shape = tokenShape(inputs, "inputs");
        if (!tokenShape(targets, "targets").equals(shape)) {
            throw new IllegalArgumentException("targets of shape " + targets.getShape() + " do not match inputs of shape " + shape);
        }
        NDArray logProbabilities = logits(inputs).logSoftmax(-1);
        return logProbabilities.gather(targets.toDevice(device(), false).expandDims(-1), -1).mean().neg();
    }

    /** x and the result in the compute type; the rotation and the softmax in float32. */
    private NDArray attention(Layer layer, NDArray x, Positions.Tables tables) {
        long batch = x.getShape().get(0);
        long length = x.getShape().get(1);
        NDArray q = compute(tables.rotate(float32(heads(layer.q().forward(x), batch, length, config.numAttentionHeads()))));
        // cast before repeating the key/value heads, which copies them
        NDArray k = repeatKeyValueHeads(compute(tables.rotate(
                float32(heads(layer.k().forward(x), batch, length, config.numKeyValueHeads())))));
        NDArray v = repeatKeyValueHeads(heads(layer.v().forward(x), batch, length, config.numKeyValueHeads()));
        NDArray scores = float32(q.matMul(k.transpose(0, 1, 3, 2))).mul(attentionScale).add(tables.mask());
        NDArray attended = compute(scores.softmax(-1)).matMul(v);
        return layer.o().forward(attended.transpose(0, 2, 1, 3)
                .reshape(batch, length, (long) config.numAttentionHeads() * config.headDim()));
    }

    /** [batch, length, count * headDim] to [batch, count, length, headDim]. */
    private NDArray heads(NDArray x, long batch, long length, int count) {
        return x.reshape(batch, length, count, config.headDim()).transpose(0, 2, 1, 3);
    }

    /** Grouped-query attention as transformers' repeat_kv: query head h reads key/value head h / (heads / kvHeads). */
    private NDArray repeatKeyValueHeads(NDArray x) {
        int groups = config.numAttentionHeads() / config.numKeyValueHeads();
        if (groups == 1) {
            return x;
        }
        Shape s = x.getShape();
        return x.expandDims(2).broadcast(s.get(0), s.get(1), groups, s.get(2), s.get(3))
                .reshape(s.get(0), s.get(1) * groups, s.get(2), s.get(3));
    }

    /** SwiGLU: down(silu(gate(x)) * up(x)), silu(g) being g * sigmoid(g), all in x's type. */
    private static NDArray mlp(Layer layer, NDArray x) {
        NDArray gate = layer.gate().forward(x);
        return layer.down().forward(gate.mul(Activation.sigmoid(gate)).mul(layer.up().forward(x)));
    }

    private static Shape tokenShape(NDArray tokens, String what) {
        Shape shape = tokens.getShape();
        if (tokens.getDataType() != DataType.INT64 || shape.dimension() != 2 || shape.size() == 0) {
            throw new IllegalArgumentException(what + " must be a non-empty INT64 array [batch, length], got "
                    + tokens.getDataType() + " " + shape);
        }
        return shape;
    }

    /**
     * Writes a checkpoint with this config.json (plrd ranks and every other field kept) and each tensor in the
     * dtype the loaded checkpoint stored it as, copying the tokenizer files of auxiliaryFrom when it is not null.
     * Atomic: the target appears complete or not at all.
     */
    public void save(Path to, Path auxiliaryFrom) throws IOException {
        List<TensorInfo> layout = parameters.stream()
                .map(p -> new TensorInfo(p.name(), storedTypes.get(p.name()), p.value().getShape().getShape())).toList();
        try (CheckpointWriter writer = CheckpointWriter.create(to, config, layout)) {
            if (auxiliaryFrom != null) {
                writer.copyAuxiliaryFiles(auxiliaryFrom);
            }
            for (int i = 0; i < layout.size(); i++) {
                TensorInfo info = layout.get(i);
                writer.write(new Tensor(info.name(), info.dtype(), info.shape(), hostFloats(parameters.get(i).value())));
            }
            writer.commit();
        }
    }

    private static float[] hostFloats(NDArray value) {
        try (NDScope scope = new NDScope()) {
            return value.toDevice(Device.cpu(), false).toFloatArray();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
