package dev.plrd.api;

/** What the train and evaluate stages compute on. */
public enum TrainingEngine {
    /** PyTorch (the plrd_torch worker) when the stage gets GPUs, DJL in the worker's JVM on CPUs. */
    Auto,
    /** DJL in the worker's JVM: one device, so at most one GPU per stage. */
    DJL,
    /** PyTorch (the plrd_torch worker), one process per GPU, on GPUs and CPUs alike. */
    Torch
}
