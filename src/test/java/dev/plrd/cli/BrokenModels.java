package dev.plrd.cli;

import dev.plrd.model.Checkpoint;
import dev.plrd.model.CheckpointWriter;
import dev.plrd.model.Tensor;
import dev.plrd.model.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Copies of a good checkpoint with one thing broken, as the workers meet them in the wild. */
final class BrokenModels {
    private BrokenModels() {
    }

    /** source's checkpoint at target, with every element of one tensor set to value (NaN, infinity, 3e38). */
    static Path withTensorFilled(Path source, Path target, String tensor, float value) throws IOException {
        try (Checkpoint checkpoint = Checkpoint.open(source);
                CheckpointWriter writer = CheckpointWriter.create(target, checkpoint.config(), checkpoint.tensors())) {
            for (TensorInfo info : checkpoint.tensors()) {
                Tensor t = checkpoint.read(info.name());
                if (info.name().equals(tensor)) {
                    Arrays.fill(t.data(), value);
                }
                writer.write(t);
            }
            writer.copyAuxiliaryFiles(source);
            writer.commit();
        }
        return target;
    }

    /** Replaces text in the checkpoint's config.json, in place. */
    static void editConfig(Path checkpoint, String from, String to) throws IOException {
        Path config = checkpoint.resolve("config.json");
        String text = Files.readString(config);
        if (!text.contains(from)) {
            throw new IllegalArgumentException(config + " does not contain " + from);
        }
        Files.writeString(config, text.replace(from, to));
    }
}
