package dev.plrd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.data.Position;
import dev.plrd.model.AtomicFiles;
import dev.plrd.model.DType;
import dev.plrd.model.SafetensorsReader;
import dev.plrd.model.SafetensorsWriter;
import dev.plrd.model.Tensor;
import dev.plrd.model.TensorInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The resumable state of a training run: everything that decides what the next step computes, so
 * that a resumed run continues bit for bit as if it had never stopped. A state directory holds
 * numbered snapshots and a pointer to the newest complete one:
 *
 * <pre>
 * latest                       the name of the newest snapshot, replaced atomically
 * step-00000042/state.json     step, applied updates, tokens seen, data position, loss scale, plan identity
 * step-00000042/weights.safetensors    float32 master weights (HF tensor names)
 * step-00000042/optimizer.safetensors  AdamW moments: {name}.exp_avg, {name}.exp_avg_sq
 * </pre>
 *
 * A snapshot is written under a temporary name and renamed when complete; only then does latest
 * move, and only then are older snapshots deleted. A preemption at any moment leaves the previous
 * snapshot intact. The data order needs no random state of its own: it is a function of the seed
 * and the position.
 */
final class TrainState {
    static final String FORMAT = "plrd-train-state/v1";
    static final String LATEST = "latest";
    private static final String STATE = "state.json";
    private static final String WEIGHTS = "weights.safetensors";
    private static final String OPTIMIZER = "optimizer.safetensors";
    private static final String FIRST_MOMENT = ".exp_avg";
    private static final String SECOND_MOMENT = ".exp_avg_sq";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainState() {
    }

    /** Where a run stands after a step. */
    record Progress(String format, String plan, long step, long updates, long tokensSeen, long epoch, long index,
            double lossScale, int cleanSteps, double loss) {
        /** Where a run starts that has no saved state. */
        static Progress initial(String plan) {
            return new Progress(FORMAT, plan, 0, 0, 0, Position.START.epoch(), Position.START.index(),
                    LossScale.INITIAL, 0, Double.NaN);
        }

        Position position() {
            return new Position(epoch, index);
        }
    }

    static void save(Path directory, Progress progress, AdamW optimizer) throws IOException {
        Files.createDirectories(directory);
        String name = String.format("step-%08d", progress.step());
        Path snapshot = directory.resolve(name);
        Path temp = AtomicFiles.createTempDirectory(snapshot);
        try {
            List<AdamW.Slot> slots = optimizer.slots();
            write(temp.resolve(WEIGHTS), slots, s -> List.of(new Named(s.parameter().name(), s.weight())));
            write(temp.resolve(OPTIMIZER), slots, s -> List.of(
                    new Named(s.parameter().name() + FIRST_MOMENT, s.firstMoment()),
                    new Named(s.parameter().name() + SECOND_MOMENT, s.secondMoment())));
            Files.write(temp.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(progress));
            AtomicFiles.deleteRecursively(snapshot);
            AtomicFiles.moveAtomically(temp, snapshot);
        } finally {
            AtomicFiles.deleteRecursively(temp);
        }
        AtomicFiles.writeAtomically(directory.resolve(LATEST), name.getBytes(StandardCharsets.UTF_8));
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path old : entries.filter(p -> !p.getFileName().toString().equals(name))
                    .filter(p -> !p.getFileName().toString().equals(LATEST)).toList()) {
                AtomicFiles.deleteRecursively(old);
            }
        }
    }

    /**
     * Restores the newest snapshot into the optimizer (masters, moments) and returns where it
     * stood; empty when the directory holds none. A snapshot of another plan or model is refused.
     */
    static Optional<Progress> load(Path directory, String plan, AdamW optimizer) throws IOException {
        Path latest = directory.resolve(LATEST);
        if (!Files.isRegularFile(latest)) {
            return Optional.empty();
        }
        Path snapshot = directory.resolve(Files.readString(latest, StandardCharsets.UTF_8).trim());
        Progress progress;
        try {
            progress = JSON.readValue(snapshot.resolve(STATE).toFile(), Progress.class);
        } catch (IOException e) {
            throw new IOException(snapshot.resolve(STATE) + ": not a readable training state: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(progress.format())) {
            throw new StateMismatchException(snapshot + " has format " + progress.format() + ", expected " + FORMAT);
        }
        if (!plan.equals(progress.plan())) {
            throw new StateMismatchException(snapshot + " was written by another training run (" + progress.plan()
                    + "), not this one (" + plan + "); use a new --state directory or the original flags");
        }
        List<AdamW.Slot> slots = optimizer.slots();
        read(snapshot.resolve(WEIGHTS), slots, s -> List.of(new Named(s.parameter().name(), s.weight())));
        read(snapshot.resolve(OPTIMIZER), slots, s -> List.of(
                new Named(s.parameter().name() + FIRST_MOMENT, s.firstMoment()),
                new Named(s.parameter().name() + SECOND_MOMENT, s.secondMoment())));
        return Optional.of(progress);
    }

    /** A saved state that cannot belong to this run: input, not a failure to retry. */
    static final class StateMismatchException extends IOException {
        StateMismatchException(String message) {
            super(message);
        }
    }

    private record Named(String name, NDArray array) {
    }

    private static void write(Path file, List<AdamW.Slot> slots, Function<AdamW.Slot, List<Named>> arrays)
            throws IOException {
        List<Named> all = slots.stream().flatMap(s -> arrays.apply(s).stream()).toList();
        List<TensorInfo> layout = all.stream()
                .map(n -> new TensorInfo(n.name(), DType.F32, n.array().getShape().getShape())).toList();
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, layout, Map.of("format", FORMAT))) {
            for (Named n : all) {
                writer.write(new Tensor(n.name(), DType.F32, n.array().getShape().getShape(), n.array().toFloatArray()));
            }
            writer.commit();
        }
    }

    private static void read(Path file, List<AdamW.Slot> slots, Function<AdamW.Slot, List<Named>> arrays)
            throws IOException {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            List<String> problems = new ArrayList<>();
            for (AdamW.Slot slot : slots) {
                for (Named n : arrays.apply(slot)) {
                    long[] shape = n.array().getShape().getShape();
                    Optional<TensorInfo> info = reader.tensor(n.name());
                    if (info.isEmpty()) {
                        problems.add("missing " + n.name());
                    } else if (!info.get().sameShape(shape)) {
                        problems.add(n.name() + " has shape " + Arrays.toString(info.get().shape()) + ", the model "
                                + Arrays.toString(shape));
                    } else {
                        try (NDScope scope = new NDScope()) {
                            // an indexed copy: copyTo would leave the weight pointing into a Java buffer
                            n.array().set(AdamW.ALL, n.array().getManager().create(reader.read(n.name()).data(),
                                    new Shape(shape)));
                        }
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw new StateMismatchException(file + " does not match the model: " + String.join("; ", problems));
            }
        }
    }
}
