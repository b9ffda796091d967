"""plrd's PyTorch engine: the train and evaluate stages of the worker contract on PyTorch (FSDP2 on CUDA).

The DJL trainer in src/main/java/dev/plrd/train is the CPU engine and this package's reference: the same model, the
same windows in the same order, the same recipe, the same checkpoints and result JSON. Dependencies: torch and numpy.
"""
