package dev.plrd.transport.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HubEndpointTest {
    @Test
    void theEnvironmentGivesTheEndpointAndTokenAsHuggingfaceHubReadsThem() {
        assertThat(HubEndpoint.fromEnvironment(Map.of())).isEqualTo(new HubEndpoint(URI.create(HubEndpoint.DEFAULT), null));
        HubEndpoint mirror = HubEndpoint.fromEnvironment(Map.of("HF_ENDPOINT", "https://hf-mirror.internal/",
                "HF_TOKEN", "hf_secret"));
        assertThat(mirror.endpoint()).isEqualTo(URI.create("https://hf-mirror.internal"));
        assertThat(mirror.token()).isEqualTo("hf_secret");
        assertThat(mirror.toString()).doesNotContain("hf_secret");
    }

    @Test
    void anEndpointThatIsNotAnHttpUrlIsRefusedByName() {
        for (String bad : new String[] {"huggingface.co", "ftp://mirror", "https://m/?x=1", "http://[bad"}) {
            assertThatThrownBy(() -> HubEndpoint.fromEnvironment(Map.of("HF_ENDPOINT", bad)))
                    .as(bad).hasMessageStartingWith("HF_ENDPOINT " + bad + ": expected https://HOST");
        }
        assertThatThrownBy(() -> HubEndpoint.fromEnvironment(Map.of("HF_ENDPOINT", "https://user:hf_pw@mirror")))
                .hasMessageStartingWith("HF_ENDPOINT (a URL with credentials): expected").hasMessageNotContaining("hf_pw");
    }
}
