package dev.plrd.transport.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plrd.transport.fetch.FetchSource.HubRepo;
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
    void malformedUrisAreRefusedSayingWhatIsExpected() {
        assertThatThrownBy(() -> FetchSource.parse("hf://org")).hasMessageContaining("expected hf://ORG/NAME");
        assertThatThrownBy(() -> FetchSource.parse("hf://org/../x")).hasMessageContaining("expected hf://ORG/NAME");
        assertThatThrownBy(() -> FetchSource.parse("hf://org/m#*.bin")).hasMessageContaining("dataset files only");
        assertThatThrownBy(() -> FetchSource.parse("ftp://host/x")).hasMessageContaining("unsupported scheme");
        assertThatThrownBy(() -> FetchSource.parse("https://host/dir/")).hasMessageContaining("one file");
        assertThatThrownBy(() -> FetchSource.parse("https://user:pw@host/f.jsonl"))
                .hasMessageContaining("credentials do not belong").hasMessageNotContaining("pw");
    }
}
