package dev.plrd.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class WorkspaceTest {
    @Test
    void aPvcUriIsReadWhereItsClaimIsMounted() {
        assertThat(Workspace.claim("pvc://models/mistral-7b")).isEqualTo("models");
        assertThat(Workspace.claimPath("pvc://models/mistral-7b")).isEqualTo("/mnt/pvc/models/mistral-7b");
        assertThat(Workspace.claimPath("pvc://corpus")).isEqualTo("/mnt/pvc/corpus");
    }

    @Test
    void otherUrisNameNoClaim() {
        assertThat(Workspace.claim("hf://mistralai/Mistral-7B-v0.1")).isNull();
        assertThat(Workspace.claim("file:///models/tiny")).isNull();
        assertThatThrownBy(() -> Workspace.claimPath("s3://bucket/x")).hasMessageContaining("s3://bucket/x");
    }

    @Test
    void aLocalWorkspaceKeepsThePodLayoutUnderItsOwnRootAndHasNoTerminationMessage() {
        Workspace local = Workspace.local(Path.of("/tmp/fam/./ws"));
        assertThat(local.trained("m1")).isEqualTo("/tmp/fam/ws/members/m1/trained");
        assertThat(local.resultPath()).isNull();
        assertThat(Workspace.POD.trained("m1")).isEqualTo("/workspace/members/m1/trained");
        assertThat(Workspace.POD.resultPath()).isEqualTo("/dev/termination-log");
    }
}
