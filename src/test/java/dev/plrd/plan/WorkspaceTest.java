package dev.plrd.plan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WorkspaceTest {
    @Test
    void aPvcBaseIsReadWhereItsClaimIsMounted() {
        assertThat(Workspace.baseClaim("pvc://models/mistral-7b")).isEqualTo("models");
        assertThat(Workspace.baseLocation("pvc://models/mistral-7b")).isEqualTo("/mnt/base/mistral-7b");
        assertThat(Workspace.baseLocation("pvc://models")).isEqualTo("/mnt/base");
    }

    @Test
    void otherBasesAreReadByTheirUri() {
        assertThat(Workspace.baseClaim("hf://mistralai/Mistral-7B-v0.1")).isNull();
        assertThat(Workspace.baseLocation("file:///models/tiny")).isEqualTo("file:///models/tiny");
    }
}
