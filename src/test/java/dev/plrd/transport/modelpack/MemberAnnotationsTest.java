package dev.plrd.transport.modelpack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MemberAnnotationsTest {
    @Test
    void theBaseRevisionIsWhatFollowsTheLastAt() {
        assertThat(MemberAnnotations.base("hf://org/name@0123abc")).containsExactlyInAnyOrderEntriesOf(Map.of(
                ModelPackAnnotations.BASE_URI, "hf://org/name", ModelPackAnnotations.BASE_REVISION, "0123abc"));
        assertThat(MemberAnnotations.base("oci://r.example/base@sha256:ab")).containsEntry(
                ModelPackAnnotations.BASE_REVISION, "sha256:ab");
    }

    @Test
    void anAtInsideThePathIsNoRevision() {
        assertThat(MemberAnnotations.base("s3://bucket/with@sign/model")).containsExactlyEntriesOf(
                Map.of(ModelPackAnnotations.BASE_URI, "s3://bucket/with@sign/model"));
        assertThat(MemberAnnotations.base("hf://org/name")).containsOnlyKeys(ModelPackAnnotations.BASE_URI);
    }

    @Test
    void credentialsInTheBaseUriNeverReachTheArtifact() {
        assertThat(MemberAnnotations.base("https://user:s3cret@models.example/base/model.safetensors"))
                .containsExactlyEntriesOf(Map.of(ModelPackAnnotations.BASE_URI, "https://models.example/base/model.safetensors"));
        assertThat(MemberAnnotations.base("https://tok@models.example/base@v2")).containsExactlyInAnyOrderEntriesOf(Map.of(
                ModelPackAnnotations.BASE_URI, "https://models.example/base", ModelPackAnnotations.BASE_REVISION, "v2"));
        assertThat(MemberAnnotations.evaluation(11.0, null, "https://u:p@data.example/c.jsonl split=all tokens=10"))
                .containsEntry(ModelPackAnnotations.MEASURED_ON, "https://data.example/c.jsonl split=all tokens=10");
    }

    @Test
    void theRatioIsOnlyGivenWithTheParentsPerplexity() {
        assertThat(MemberAnnotations.evaluation(11.0, null, null)).containsOnlyKeys(ModelPackAnnotations.PERPLEXITY);
        assertThat(MemberAnnotations.evaluation(11.0, 10.0, "data")).containsEntry(
                ModelPackAnnotations.PERPLEXITY_RATIO, "1.1000").containsEntry(ModelPackAnnotations.MEASURED_ON, "data");
    }
}
