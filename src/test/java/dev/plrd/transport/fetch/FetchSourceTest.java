package dev.plrd.transport.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plrd.transport.fetch.FetchSource.HubRepo;
import dev.plrd.transport.fetch.FetchSource.OciArtifact;
import dev.plrd.transport.fetch.FetchSource.S3Objects;
import dev.plrd.transport.oci.OciReference;
import org.junit.jupiter.api.Test;

class FetchSourceTest {
    @Test
    void hubUrisNameTheRepositoryTypeRevisionAndGlob() {
        assertThat(FetchSource.parse("hf://meta-llama/Llama-3.2-1B"))
                .isEqualTo(new HubRepo("hf://meta-llama/Llama-3.2-1B", false, "meta-llama/Llama-3.2-1B", "main", null));
        assertThat(FetchSource.parse("hf://org/m@refs/pr/1")).extracting(s -> ((HubRepo) s).revision()).isEqualTo("refs/pr/1");
        assertThat(FetchSource.parse("hf://datasets/org/c@v1#train/*.jsonl"))
                .isEqualTo(new HubRepo("hf://datasets/org/c@v1#train/*.jsonl", true, "org/c", "v1", "train/*.jsonl"));
    }

    @Test
    void s3AndOciUrisNameTheBucketPrefixGlobAndTheArtifact() {
        assertThat(FetchSource.parse("s3://models.example/llama/7b/"))
                .isEqualTo(new S3Objects("s3://models.example/llama/7b/", "models.example", "llama/7b/", null));
        assertThat(FetchSource.parse("s3://corpus-1")).isEqualTo(new S3Objects("s3://corpus-1", "corpus-1", "", null));
        assertThat(FetchSource.parse("s3://corpus-1/web#train/*.jsonl"))
                .isEqualTo(new S3Objects("s3://corpus-1/web#train/*.jsonl", "corpus-1", "web", "train/*.jsonl"));
        assertThat(FetchSource.parse("oci://127.0.0.1:5000/family/members:small")).isEqualTo(new OciArtifact(
                "oci://127.0.0.1:5000/family/members:small", OciReference.parse("oci://127.0.0.1:5000/family/members:small")));
    }

    @Test
    void malformedUrisAreRefusedSayingWhatIsExpected() {
        assertThatThrownBy(() -> FetchSource.parse("s3://Upper/x")).hasMessageContaining("expected s3://BUCKET/PREFIX");
        assertThatThrownBy(() -> FetchSource.parse("s3://ab")).hasMessageContaining("3 to 63");
        assertThatThrownBy(() -> FetchSource.parse("oci://registry")).hasMessageContaining("expected oci://REGISTRY/REPO:TAG");
        assertThatThrownBy(() -> FetchSource.parse("gs://bucket/x")).hasMessageContaining("hf://, s3://, oci://");
        assertThatThrownBy(() -> FetchSource.parse("hf://org")).hasMessageContaining("expected hf://ORG/NAME");
        assertThatThrownBy(() -> FetchSource.parse("hf://org/../x")).hasMessageContaining("expected hf://ORG/NAME");
        assertThatThrownBy(() -> FetchSource.parse("hf://org/m#*.bin")).hasMessageContaining("dataset files only");
        assertThatThrownBy(() -> FetchSource.parse("ftp://host/x")).hasMessageContaining("unsupported scheme");
        assertThatThrownBy(() -> FetchSource.parse("https://host/dir/")).hasMessageContaining("one file");
        assertThatThrownBy(() -> FetchSource.parse("https://user:pw@host/f.jsonl"))
                .hasMessageContaining("credentials do not belong").hasMessageNotContaining("pw");
    }
}
