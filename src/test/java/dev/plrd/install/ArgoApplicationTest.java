package dev.plrd.install;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** deploy/argocd/application.yaml deploys this repository's chart, with its image, without automated prune. */
class ArgoApplicationTest {
    @Test
    void theApplicationInstallsTheChartWithItsImageAndNeverPrunesAutomatically() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode app = yaml.readTree(Path.of("deploy/argocd/application.yaml").toFile());
        assertThat(app.path("kind").asText()).isEqualTo("Application");
        Path chart = Path.of(app.at("/spec/source/path").asText());
        assertThat(chart).isEqualTo(Helm.CHART);
        assertThat(Files.isRegularFile(chart.resolve("Chart.yaml"))).isTrue();
        JsonNode values = yaml.readTree(chart.resolve("values.yaml").toFile());
        ObjectNode image = values.path("image").deepCopy();
        image.remove("pullPolicy");
        assertThat(app.at("/spec/source/helm/valuesObject/image")).isEqualTo(image);
        assertThat(app.at("/spec/destination/namespace").asText()).isEqualTo(Helm.NAMESPACE);
        assertThat(app.at("/spec/syncPolicy/automated/prune").isBoolean()).isTrue();
        assertThat(app.at("/spec/syncPolicy/automated/prune").asBoolean()).isFalse();
        assertThat(Integer.parseInt(app.at("/metadata/annotations/argocd.argoproj.io~1sync-wave").asText()))
                .as("the operator syncs before ModelFamily Applications in wave 0").isNegative();
    }
}
