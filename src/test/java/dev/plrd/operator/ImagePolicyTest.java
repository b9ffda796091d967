package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plrd.api.ModelFamilySpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which stage images a ModelFamily may name: prefixes that match whole names only. */
class ImagePolicyTest {
    private final ImagePolicy policy = new ImagePolicy(List.of("registry.io/team", "ghcr.io/plrd-dev/plrd-operator",
            "mirror.example.com:5000/"));

    @Test
    void aPrefixAdmitsWholeNamesBelowIt() {
        assertThat(policy.allowed("registry.io/team/model:1")).isTrue();
        assertThat(policy.allowed("registry.io/team/sub/model@sha256:" + "ab".repeat(32))).isTrue();
        assertThat(policy.allowed("ghcr.io/plrd-dev/plrd-operator:0.2.0")).isTrue();
        assertThat(policy.allowed("ghcr.io/plrd-dev/plrd-operator@sha256:" + "cd".repeat(32))).isTrue();
        assertThat(policy.allowed("ghcr.io/plrd-dev/plrd-operator")).isTrue();
        assertThat(policy.allowed("mirror.example.com:5000/anything:1")).isTrue();
    }

    @Test
    void aPrefixDoesNotAdmitANameThatMerelyStartsTheSame() {
        assertThat(policy.allowed("registry.io/team-evil/model:1")).isFalse();
        assertThat(policy.allowed("registry.io/teammate:1")).isFalse();
        assertThat(policy.allowed("ghcr.io/plrd-dev/plrd-operator-gpu:0.2.0")).isFalse();
        assertThat(policy.allowed("registry.io/team/../other/model:1")).isFalse();
        assertThat(policy.allowed("docker.io/library/ubuntu:24.04")).isFalse();
        assertThat(policy.allowed("ubuntu")).isFalse();
        assertThat(new ImagePolicy(List.of("registry.io")).allowed("registry.io:5000/model:1"))
                .as("a port is another registry").isFalse();
        assertThat(new ImagePolicy(List.of("registry.io")).allowed("registry.io/model:1")).isTrue();
    }

    @Test
    void aViolationNamesTheFieldTheImageAndTheAllowedPrefixes() {
        ModelFamilySpec spec = new ModelFamilySpec();
        assertThat(policy.violations(spec)).as("no spec.image: the operator's worker image").isEmpty();
        spec.image = "registry.io/team/model:1";
        assertThat(policy.violations(spec)).isEmpty();
        spec.image = "evil.example.com/miner:latest";
        assertThat(policy.violations(spec)).singleElement().satisfies(v -> {
            assertThat(v.field()).isEqualTo("spec.image");
            assertThat(v.message()).contains("'evil.example.com/miner:latest'", "registry.io/team",
                    "ghcr.io/plrd-dev/plrd-operator", "PLRD_WORKER_ALLOWED_IMAGE_PREFIXES");
        });
    }

    @Test
    void theDefaultIsTheRepositoryOfTheWorkerImage() {
        assertThat(ImagePolicy.repository("ghcr.io/plrd-dev/plrd-operator:0.1.0")).isEqualTo(
                "ghcr.io/plrd-dev/plrd-operator");
        assertThat(ImagePolicy.repository("localhost:5000/plrd@sha256:" + "ab".repeat(32)))
                .isEqualTo("localhost:5000/plrd");
        assertThat(ImagePolicy.repository("localhost:5000/plrd")).isEqualTo("localhost:5000/plrd");
        assertThat(ImagePolicy.repository("localhost:5000/plrd:1.0@sha256:" + "ab".repeat(32)))
                .isEqualTo("localhost:5000/plrd");
    }

    @Test
    void aBlankPrefixIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new ImagePolicy(List.of("registry.io/team", " ")))
                .hasMessageContaining("PLRD_WORKER_ALLOWED_IMAGE_PREFIXES");
    }
}
