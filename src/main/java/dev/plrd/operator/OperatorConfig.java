package dev.plrd.operator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Operator-wide settings (application.properties or PLRD_* environment variables). */
@ConfigMapping(prefix = "plrd")
public interface OperatorConfig {
    Worker worker();

    Jobs jobs();

    Trainer trainer();

    /** How often every family is looked at even when nothing changed, to catch what events missed. */
    @WithDefault("10m")
    Duration resyncInterval();

    interface Worker {
        /** The stage image when spec.image is absent; the operator's own image serves as the worker. */
        String image();

        /**
         * The image of the stages on the PyTorch engine (train and evaluate on GPUs) when spec.image is absent: the
         * same application on a PyTorch CUDA base. Unset: {@link #image()} with "-gpu" appended to its tag.
         */
        Optional<String> gpuImage();

        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        /** The user the stage containers run as (non-root); also the group that owns the workspace volume. */
        @WithDefault("1001")
        long runAsUser();

        /** A service account for stage pods; none is mounted unless this is set (workers need no API access). */
        Optional<String> serviceAccount();

        /**
         * The images a ModelFamily's spec.image may name, as prefixes that end at a registry, path,
         * tag or digest boundary (see {@link ImagePolicy}). Unset: only the repository of
         * {@link #image()}. Whoever may create a ModelFamily may run these images in its namespace.
         */
        Optional<List<String>> allowedImagePrefixes();
    }

    /** Kubeflow Trainer, which runs a train stage on several nodes as a TrainJob. */
    interface Trainer {
        /** The training runtime the TrainJobs name: its JobSet template, launcher settings and failure policy. */
        @WithDefault("torch-distributed")
        String runtime();

        /** ClusterTrainingRuntime, or TrainingRuntime for one in the family's namespace. */
        @WithDefault("ClusterTrainingRuntime")
        String runtimeKind();
    }

    interface Jobs {
        /** Finished Jobs are removed after this; status keeps their results, so nothing re-runs. */
        @WithDefault("7d")
        Duration ttlAfterFinished();
    }
}
