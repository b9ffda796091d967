package dev.plrd.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.Specs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** One manifest for a pod and for a local run: relative local paths of a spec lie in the workspace. */
class WorkspaceUrisTest {
    private static final Workspace LOCAL = Workspace.local(Path.of("/home/me/fam"));

    @Test
    void relativeFileAndLayoutPathsLieInTheWorkspace() {
        assertThat(Planner.inWorkspace("file://tiny-base", Workspace.POD)).isEqualTo("file:///workspace/tiny-base");
        assertThat(Planner.inWorkspace("file://data/corpus", LOCAL)).isEqualTo("file:///home/me/fam/data/corpus");
        assertThat(Planner.inWorkspace("oci-layout://family", LOCAL)).isEqualTo("oci-layout:///home/me/fam/family");
    }

    @Test
    void absolutePathsAndRemoteUrisAreLeftAlone() {
        assertThat(Planner.inWorkspace("file:///srv/base", LOCAL)).isEqualTo("file:///srv/base");
        assertThat(Planner.inWorkspace("oci-layout:///srv/family", LOCAL)).isEqualTo("oci-layout:///srv/family");
        assertThat(Planner.inWorkspace("hf://org/model@abc", LOCAL)).isEqualTo("hf://org/model@abc");
        assertThat(Planner.inWorkspace("registry.example.com/team/models", LOCAL))
                .isEqualTo("registry.example.com/team/models");
        assertThat(Planner.inWorkspace("s3://bucket/prefix", LOCAL)).isEqualTo("s3://bucket/prefix");
    }

    @Test
    void theLocalPlanPublishesIntoTheWorkspaceAndFingerprintsTheManifestAsWritten() {
        var spec = Specs.family("m1", "5B");
        spec.publish.repository = "oci-layout://family";
        PlannedStage podPublish = Planner.plan(spec).get(3);
        PlannedStage localPublish = Planner.plan(spec, LOCAL).get(3);
        assertThat(localPublish.args()).contains("oci-layout:///home/me/fam/family:m1");
        assertThat(podPublish.args()).contains("oci-layout:///workspace/family:m1");
        assertThat(Planner.plan(spec, LOCAL).get(0).fingerprint()).isEqualTo(Planner.plan(spec).get(0).fingerprint());
    }
}
