package dev.plrd.plan;

/**
 * One GPU product as the planner sees it.
 *
 * @param label           the value of the {@code nvidia.com/gpu.product} node label (GPU feature discovery
 *                        writes the name nvidia-smi shows, spaces replaced by dashes)
 * @param memoryBytes     the memory a process can see: what nvidia-smi reports as the card's total
 * @param bf16PeakFlops   dense bfloat16 tensor-core peak, floating-point operations per second (the datasheet's
 *                        figure without 2:4 sparsity, which halves the "with sparsity" figure)
 */
public record GpuProduct(String label, long memoryBytes, double bf16PeakFlops) {
    public GpuProduct {
        if (memoryBytes <= 0 || !(bf16PeakFlops > 0)) {
            throw new IllegalArgumentException(label + ": memory and peak must be positive");
        }
    }
}
