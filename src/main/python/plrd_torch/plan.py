"""How a token budget becomes optimizer steps, as dev.plrd.train.TrainingPlan computes it: micro-batches accumulated
to the global batch, whole steps only, linear warmup then a cosine to a tenth of the peak at the last step."""
import math
from dataclasses import dataclass

from .contract import InvalidInput

MIN_LEARNING_RATE_RATIO = 0.1
WEIGHT_DECAY = 0.1
BETAS = (0.9, 0.95)
EPSILON = 1e-8
CLIP_NORM = 1.0


@dataclass(frozen=True)
class Plan:
    tokens: int
    sequence_length: int
    micro_batch: int
    global_batch_tokens: int
    learning_rate: float
    warmup_steps: int
    checkpoint_every_tokens: int
    seed: int

    def __post_init__(self):
        for ok, message in [
                (self.tokens > 0, "--tokens must be positive, got %d" % self.tokens),
                (self.sequence_length > 0, "--seq-len must be positive, got %d" % self.sequence_length),
                (self.micro_batch > 0, "--micro-batch must be positive, got %d" % self.micro_batch),
                (self.global_batch_tokens > 0, "--global-batch-tokens must be positive, got %d" % self.global_batch_tokens),
                (0 < self.learning_rate <= 1, "--lr must be in (0, 1], got %s" % self.learning_rate),
                (self.warmup_steps >= 0, "--warmup must not be negative, got %d" % self.warmup_steps),
                (self.checkpoint_every_tokens > 0, "--checkpoint-every must be positive, got %d"
                 % self.checkpoint_every_tokens)]:
            if not ok:
                raise InvalidInput(message)
        if self.tokens < self.step_tokens:
            raise InvalidInput("--tokens %d is smaller than one optimizer step of %d tokens (%d micro-batches of %d x %d):"
                               " raise --tokens to at least %d, or lower --global-batch-tokens or --micro-batch"
                               % (self.tokens, self.step_tokens, self.accumulation, self.micro_batch,
                                  self.sequence_length, self.step_tokens))

    @property
    def accumulation(self):
        """Micro-batches per optimizer step: the global batch rounded to whole micro-batches (Java's Math.round)."""
        return max(1, math.floor(self.global_batch_tokens / (self.micro_batch * self.sequence_length) + 0.5))

    @property
    def step_tokens(self):
        return self.accumulation * self.micro_batch * self.sequence_length

    @property
    def steps(self):
        return self.tokens // self.step_tokens

    @property
    def checkpoint_every_steps(self):
        return max(1, -(-self.checkpoint_every_tokens // self.step_tokens))

    def learning_rate_at(self, step):
        """The learning rate of step (0-based)."""
        if step < self.warmup_steps:
            return self.learning_rate * (step + 1) / self.warmup_steps
        minimum = self.learning_rate * MIN_LEARNING_RATE_RATIO
        decay_steps = max(1, self.steps - 1 - self.warmup_steps)
        progress = min(1.0, (step - self.warmup_steps) / decay_steps)
        return minimum + 0.5 * (self.learning_rate - minimum) * (1 + math.cos(math.pi * progress))

    def identity(self):
        """What a saved state must match to be resumed: everything that shapes the run."""
        return "tokens=%d seq=%d micro=%d global=%d lr=%r warmup=%d seed=%d" % (
            self.tokens, self.sequence_length, self.micro_batch, self.global_batch_tokens, self.learning_rate,
            self.warmup_steps, self.seed)
