package dev.plrd.operator;

import dev.plrd.api.ModelFamilySpec;
import dev.plrd.plan.PlannedStage;

/**
 * The image a stage runs. A family's spec.image serves every stage. Otherwise the Java stages run the worker image,
 * and the stages on the PyTorch engine the GPU image (the same application on a PyTorch CUDA base, `make
 * gpu-image`): PLRD_WORKER_GPU_IMAGE, else the worker image's tag with {@value #GPU_TAG_SUFFIX} appended, as `make
 * gpu-image` tags it.
 */
final class WorkerImages {
    static final String GPU_TAG_SUFFIX = "-gpu";
    static final String GPU_SETTING = "PLRD_WORKER_GPU_IMAGE";

    private final String worker;
    private final String gpu;

    WorkerImages(OperatorConfig config) {
        this.worker = config.worker().image();
        this.gpu = config.worker().gpuImage().orElseGet(() -> gpuImageOf(worker));
    }

    String image(ModelFamilySpec spec, PlannedStage stage) {
        if (spec.image != null) {
            return spec.image;
        }
        return stage.torch() ? gpu : worker;
    }

    /** The GPU image beside a worker image: its tag (latest when it has none) with the suffix. */
    static String gpuImageOf(String worker) {
        if (worker.contains("@")) {
            throw new IllegalArgumentException(GPU_SETTING + " must be set: the worker image " + worker
                    + " is pinned by digest, so the GPU image's digest cannot be derived from it");
        }
        String repository = ImagePolicy.repository(worker);
        String tag = repository.length() < worker.length() ? worker.substring(repository.length() + 1) : "latest";
        return repository + ":" + tag + GPU_TAG_SUFFIX;
    }
}
