package dev.plrd.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.plrd.plan.WorkerContract;
import dev.plrd.train.ComputePrecision;
import java.nio.file.Path;
import java.util.Map;

/** Where the train and evaluate workers compute, in what precision, and where they cache tokenised text. */
final class Devices {
    private Devices() {
    }

    /** The first GPU when PyTorch sees one, else the CPU. */
    static Device best() {
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /** Half precision only pays on a GPU; a CPU computes in float32 whatever was asked. */
    static ComputePrecision precisionFor(Device device, String requested) throws StageCommand.InvalidInput {
        ComputePrecision precision;
        try {
            precision = ComputePrecision.parse(requested);
        } catch (IllegalArgumentException e) {
            throw new StageCommand.InvalidInput("--precision " + e.getMessage(), e);
        }
        return device.isGpu() ? precision : ComputePrecision.FLOAT32;
    }

    /** --cache if given, else the workspace cache, else beside the state. */
    static Path cache(Path option, Path besides, Map<String, String> environment) {
        if (option != null) {
            return option;
        }
        String workspace = environment.get(WorkerContract.WORKSPACE_ENV);
        return workspace != null ? Path.of(workspace, "cache", "datasets")
                : besides.toAbsolutePath().resolveSibling(".plrd-cache").resolve("datasets");
    }
}
