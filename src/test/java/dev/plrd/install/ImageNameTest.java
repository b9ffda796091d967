package dev.plrd.install;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plrd.deploy.Kustomize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The image `make image` builds (IMAGE in the Makefile) is the one the installs run: the operator
 * container and PLRD_WORKER_IMAGE of deploy/base, and image.repository:image.tag of the Helm chart.
 */
class ImageNameTest {
    private static final Pattern MAKE_IMAGE = Pattern.compile("(?m)^IMAGE \\?= (\\S+)$");

    @Test
    void makeImageBuildsTheImageThatDeployRuns() throws Exception {
        Matcher m = MAKE_IMAGE.matcher(Files.readString(Path.of("Makefile")));
        assertThat(m.find()).as("Makefile has a line 'IMAGE ?= REGISTRY/REPO:TAG'").isTrue();
        String image = m.group(1);

        JsonNode container = Kustomize.render(Path.of("deploy/base")).stream()
                .filter(o -> o.path("kind").asText().equals("Deployment")).findFirst().orElseThrow()
                .at("/spec/template/spec/containers/0");
        assertThat(container.path("image").asText()).as("deploy/base operator image").isEqualTo(image);
        container.path("env").forEach(e -> {
            if (e.path("name").asText().equals("PLRD_WORKER_IMAGE")) {
                assertThat(e.path("value").asText()).as("deploy/base PLRD_WORKER_IMAGE").isEqualTo(image);
            }
        });

        JsonNode values = new ObjectMapper(new YAMLFactory()).readTree(
                Path.of("deploy/helm/plrd-operator/values.yaml").toFile());
        assertThat(values.at("/image/repository").asText() + ":" + values.at("/image/tag").asText())
                .as("Helm values image.repository:image.tag").isEqualTo(image);
    }
}
