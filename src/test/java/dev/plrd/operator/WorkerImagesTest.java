package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plrd.api.ModelFamily;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which image each stage runs, and the operator settings that name them. */
class WorkerImagesTest {
    private static OperatorConfig config(Map<String, String> settings) {
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder().withMapping(OperatorConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withDefaultValue("plrd.worker.image", "ghcr.io/plrd-dev/plrd-operator:0.1.0");
        settings.forEach(builder::withDefaultValue);
        return builder.build().getConfigMapping(OperatorConfig.class);
    }

    @Test
    void theGpuImageIsTheWorkerTagWithTheSuffixAsMakeGpuImageTagsIt() {
        assertThat(WorkerImages.gpuImageOf("ghcr.io/plrd-dev/plrd-operator:0.1.0"))
                .isEqualTo("ghcr.io/plrd-dev/plrd-operator:0.1.0-gpu");
        assertThat(WorkerImages.gpuImageOf("registry.local:5000/ml/plrd"))
                .as("a port is not a tag").isEqualTo("registry.local:5000/ml/plrd:latest-gpu");
        assertThatThrownBy(() -> WorkerImages.gpuImageOf("ghcr.io/plrd-dev/plrd-operator@sha256:" + "ab".repeat(32)))
                .hasMessageStartingWith("PLRD_WORKER_GPU_IMAGE must be set: the worker image ")
                .hasMessageContaining("is pinned by digest");
    }

    @Test
    void torchStagesRunTheGpuImageJavaStagesTheWorkerImageAndSpecImageServesAll() {
        ModelFamily family = Families.threeMembers("fam", "ml-team");
        family.getSpec().scheduling.gpu.count = 8;
        PlannedStage decompose = Planner.plan(family.getSpec()).get(0);
        PlannedStage train = Planner.plan(family.getSpec()).get(1);
        assertThat(train.torch()).isTrue();

        WorkerImages derived = new WorkerImages(config(Map.of()));
        assertThat(derived.image(family.getSpec(), decompose)).isEqualTo("ghcr.io/plrd-dev/plrd-operator:0.1.0");
        assertThat(derived.image(family.getSpec(), train)).isEqualTo("ghcr.io/plrd-dev/plrd-operator:0.1.0-gpu");

        WorkerImages configured = new WorkerImages(config(Map.of("plrd.worker.gpu-image", "registry.local/plrd-cuda:2")));
        assertThat(configured.image(family.getSpec(), train)).isEqualTo("registry.local/plrd-cuda:2");

        family.getSpec().image = "ghcr.io/plrd-dev/plrd-operator:custom";
        assertThat(configured.image(family.getSpec(), decompose)).isEqualTo("ghcr.io/plrd-dev/plrd-operator:custom");
        assertThat(configured.image(family.getSpec(), train)).isEqualTo("ghcr.io/plrd-dev/plrd-operator:custom");
    }

    @Test
    void anUnknownRuntimeKindIsRefusedNamingTheSetting() {
        OperatorConfig bad = config(Map.of("plrd.trainer.runtime-kind", "JobSet"));
        assertThatThrownBy(() -> new TrainJobFactory(bad, new StagePods(bad)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PLRD_TRAINER_RUNTIME_KIND: expected ClusterTrainingRuntime or TrainingRuntime, got 'JobSet'");
    }
}
