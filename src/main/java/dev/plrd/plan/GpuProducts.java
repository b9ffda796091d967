package dev.plrd.plan;

import java.util.List;
import java.util.Optional;

/**
 * Memory and dense bfloat16 peak of the GPUs people train on, keyed by their node label. Products without
 * bfloat16 tensor cores (T4, V100) are left out: the PyTorch engine computes in bfloat16.
 *
 * <p>Memory is the total nvidia-smi reports, in MiB (less than the marketing size on HBM cards: an
 * "80GB" H100 shows 81559 MiB, 79.6 GiB). Peaks are NVIDIA's datasheet figures without sparsity: H100 SXM
 * 989.4 TFLOPS (1,979 with sparsity), H100 PCIe 756 (1,513), H100 NVL 835 (1,671), H200 989.4 (the
 * H100 SXM's die), A100 312 (624), L40S 362.05 (733), L4 121 (242), A10 125 (250). AWS does not publish
 * the A10G's; 70 TFLOPS is the figure in Baseten's A10 vs A10G comparison.
 */
public final class GpuProducts {
    private static final long MIB = 1L << 20;
    private static final double TERA = 1e12;

    public static final List<GpuProduct> ALL = List.of(
            new GpuProduct("NVIDIA-H100-80GB-HBM3", 81_559 * MIB, 989.4 * TERA),
            new GpuProduct("NVIDIA-H100-PCIe", 81_559 * MIB, 756 * TERA),
            new GpuProduct("NVIDIA-H100-NVL", 95_830 * MIB, 835 * TERA),
            new GpuProduct("NVIDIA-H200", 143_771 * MIB, 989.4 * TERA),
            new GpuProduct("NVIDIA-A100-SXM4-80GB", 81_920 * MIB, 312 * TERA),
            new GpuProduct("NVIDIA-A100-80GB-PCIe", 81_920 * MIB, 312 * TERA),
            new GpuProduct("NVIDIA-A100-SXM4-40GB", 40_960 * MIB, 312 * TERA),
            new GpuProduct("NVIDIA-A100-PCIE-40GB", 40_960 * MIB, 312 * TERA),
            new GpuProduct("NVIDIA-L40S", 46_068 * MIB, 362.05 * TERA),
            new GpuProduct("NVIDIA-L4", 23_034 * MIB, 121 * TERA),
            new GpuProduct("NVIDIA-A10", 23_028 * MIB, 125 * TERA),
            new GpuProduct("NVIDIA-A10G", 23_028 * MIB, 70 * TERA));

    private GpuProducts() {
    }

    /** The product with this node label, compared without case, as people write H100 or h100. */
    public static Optional<GpuProduct> find(String label) {
        return ALL.stream().filter(p -> p.label().equalsIgnoreCase(label)).findFirst();
    }
}
