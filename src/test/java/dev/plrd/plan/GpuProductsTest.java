package dev.plrd.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import org.junit.jupiter.api.Test;

class GpuProductsTest {
    @Test
    void foundByNodeLabelWhateverTheCase() {
        GpuProduct h100 = GpuProducts.find("nvidia-h100-80gb-hbm3").orElseThrow();
        assertThat(h100.label()).isEqualTo("NVIDIA-H100-80GB-HBM3");
        assertThat(h100.memoryBytes() / (double) (1L << 30)).isEqualTo(79.6474609375);
        assertThat(h100.bf16PeakFlops()).isEqualTo(989.4e12);
        assertThat(GpuProducts.find("Tesla-T4")).isEmpty();
    }

    @Test
    void labelsAreUniqueAndValidNodeLabelValues() {
        assertThat(new HashSet<>(GpuProducts.ALL.stream().map(p -> p.label().toLowerCase()).toList()))
                .hasSameSizeAs(GpuProducts.ALL);
        assertThat(GpuProducts.ALL).allSatisfy(p -> assertThat(p.label()).matches("[A-Za-z0-9][-A-Za-z0-9_.]{0,61}[A-Za-z0-9]"));
    }

    @Test
    void memoryQuantities() {
        assertThat(ByteQuantity.parse("f", "80Gi")).isEqualTo(80L << 30);
        assertThat(ByteQuantity.parse("f", "24G")).isEqualTo(24_000_000_000L);
        assertThat(ByteQuantity.parse("f", "1.5Ki")).isEqualTo(1536);
        assertThat(ByteQuantity.parse("f", "1024")).isEqualTo(1024);
        assertThat(ByteQuantity.parse("f", "2500m")).isEqualTo(2);
        assertThatThrownBy(() -> ByteQuantity.parse("spec.scheduling.gpu.memory", "80 GB"))
                .hasMessage("spec.scheduling.gpu.memory: '80 GB' is not a memory quantity such as 80Gi or 24G");
        assertThatThrownBy(() -> ByteQuantity.parse("spec.scheduling.gpu.memory", "10E"))
                .hasMessage("spec.scheduling.gpu.memory: '10E' is too large");
    }
}
