"""What a training run prints per step, on rank 0: text lines or JSON lines with TrainingLog.java's keys."""
import json
import sys


class TrainingLog:
    def __init__(self, form, main):
        self.json = form == "json"
        self.main = main

    def line(self, text):
        if self.main:
            print(text, file=sys.stderr, flush=True)

    def step(self, step, steps, tokens, loss, lr, norm, tokens_per_second):
        if not self.main:
            return
        if self.json:
            print(json.dumps({"step": step, "steps": steps, "tokens": tokens, "loss": loss, "lr": lr, "gradNorm": norm,
                              "tokensPerSecond": round(tokens_per_second, 1), "skipped": False}),
                  file=sys.stderr, flush=True)
        else:
            self.line("train %d/%d loss %.4f lr %.2e grad-norm %.3f tokens %d %.0f tok/s"
                      % (step, steps, loss, lr, norm, tokens, tokens_per_second))

    def saved(self, step, directory):
        if self.json:
            self.line(json.dumps({"checkpoint": step, "state": directory}))
        else:
            self.line("train: state saved at step %d in %s" % (step, directory))
