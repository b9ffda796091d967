"""python3 -m plrd_torch train|evaluate ...: the flags, exit codes and result JSON of `plrd train` and
`plrd evaluate` (dev.plrd.plan.WorkerContract), on PyTorch. Start several ranks with torchrun, or with RANK,
LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT set, on one node or several. Paths are local:
`plrd train --engine torch` fetches remote inputs first and then starts this."""
import argparse
import json
import os
import signal
import sys
import traceback

from . import checkpoint, contract, counts, distributed
from .contract import InvalidInput, GateFailed, NonFiniteLoss, Stopped
from .data import SPLITS, TokenDataset
from .log import TrainingLog

MAX_DEFAULT_SEQUENCE_LENGTH = 2048
# kept free at the end of the grace period for the process to exit before the SIGKILL (Preemption.MARGIN_SECONDS)
MARGIN_SECONDS = 5


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise InvalidInput(message)


def parser():
    root = Parser(prog="python3 -m plrd_torch", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True, parser_class=Parser)
    train = commands.add_parser("train", help="heal a member by continual pretraining")
    evaluate = commands.add_parser("evaluate", help="held-out perplexity and the evaluation gate")
    for command in (train, evaluate):
        command.add_argument("--data", required=True, help="a plrd tokenize directory, or .bin files")
        command.add_argument("--seed", type=int, default=0)
        command.add_argument("--seq-len", type=int)
        command.add_argument("--micro-batch", type=int, default=4)
        command.add_argument("--result", help="where the result JSON goes (/dev/termination-log in a pod)")
        command.add_argument("--report", help="a copy of the result JSON, kept in the workspace")
    train.add_argument("--from", dest="source", required=True)
    train.add_argument("--to", required=True)
    train.add_argument("--tokens", required=True)
    train.add_argument("--global-batch-tokens", default="1M")
    train.add_argument("--lr", type=float, default=1e-4)
    train.add_argument("--warmup", type=int, default=50)
    train.add_argument("--checkpoint-every", default="50M")
    train.add_argument("--precision", default="mixed", choices=["mixed", "float32"],
                       help="on CUDA: mixed (bf16 compute, float32 master weights) or float32; a CPU trains in float32")
    train.add_argument("--state")
    train.add_argument("--resume", action="store_true")
    train.add_argument("--log-format", default="text", choices=["text", "json"])
    train.add_argument("--grace", type=int, default=int(os.environ.get(contract.TERMINATION_GRACE_ENV, "30")))
    train.add_argument("--activation-checkpointing", action="store_true",
                       help="recompute each decoder block in the backward pass instead of keeping its activations")
    train.add_argument("--compile", action="store_true", help="torch.compile each decoder block (PyTorch >= 2)")
    evaluate.add_argument("--model", required=True)
    evaluate.add_argument("--split", default="held-out", choices=SPLITS)
    evaluate.add_argument("--tokens", default="10M")
    evaluate.add_argument("--parent")
    evaluate.add_argument("--parent-report")
    evaluate.add_argument("--max-perplexity-ratio", type=float)
    return root


def count(flag, value):
    try:
        return counts.parse(value)
    except ValueError as e:
        raise InvalidInput("%s %s" % (flag, e)) from e


def sequence_length(args, config, source):
    if args.seq_len is None:
        return min(config.max_position_embeddings, MAX_DEFAULT_SEQUENCE_LENGTH)
    if not 0 < args.seq_len <= config.max_position_embeddings:
        raise InvalidInput("--seq-len %d: expected 1 to the model's context, max_position_embeddings %d in %s"
                           % (args.seq_len, config.max_position_embeddings, os.path.join(source, checkpoint.CONFIG)))
    return args.seq_len


def main(argv=None):
    args = None
    try:
        args = parser().parse_args(argv)
        outputs = (train if args.command == "train" else evaluate)(args)
        write(outputs, args)
        return contract.EXIT_OK
    except InvalidInput as e:
        return fail(args, contract.EXIT_INVALID_INPUT, "InvalidInput", str(e))
    except GateFailed as e:
        return fail(args, contract.EXIT_GATE_FAILED, "EvaluationGateFailed", str(e))
    except NonFiniteLoss as e:
        return fail(args, contract.EXIT_NON_FINITE, "NonFiniteLoss", str(e))
    except Stopped as e:
        return fail(args, contract.EXIT_TERMINATED, "Failed", str(e))
    except Exception as e:  # noqa: BLE001 - the contract: anything else is a failure that a retry may fix
        traceback.print_exc()
        return fail(args, contract.EXIT_FAILED, "Failed", "%s: %s" % (type(e).__name__, e))


def fail(args, code, reason, message):
    print("plrd_torch: %s" % message, file=sys.stderr)
    if args is not None:
        write(contract.failure(reason, message), args)
    return code


def write(payload, args):
    """--result is this node's account (its pod's termination message, or the file its launcher reads), written by
    the node's first rank; --report, in the workspace that the nodes share, is the stage's, written by global rank 0
    alone. The other ranks compute the same outcome and write nothing."""
    node_first = int(os.environ.get("LOCAL_RANK", "0")) == 0
    first = int(os.environ.get("RANK", "0")) == 0
    contract.write_result(payload, args.result if node_first else None, args.report if first else None)


def train(args):
    from . import model as llama, state, train as trainer
    from .plan import Plan
    source = args.source.removeprefix("file://")
    opened = checkpoint.Checkpoint(source)
    if os.path.realpath(args.to) == os.path.realpath(source) or \
            os.path.realpath(args.to).startswith(os.path.realpath(source) + os.sep):
        raise InvalidInput("--to %s would overwrite the parent checkpoint --from %s" % (args.to, source))
    plan = Plan(count("--tokens", args.tokens), sequence_length(args, opened.config, source), args.micro_batch,
                count("--global-batch-tokens", args.global_batch_tokens), args.lr, args.warmup,
                count("--checkpoint-every", args.checkpoint_every), args.seed)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if plan.accumulation % world:
        raise InvalidInput("the global batch of %d micro-batches does not divide among %d ranks: set"
                           " --global-batch-tokens to a multiple of %d (micro-batch x seq-len x ranks)"
                           % (plan.accumulation, world, plan.micro_batch * plan.sequence_length * world))
    dataset = TokenDataset(args.data, opened.config.vocab_size)
    split = dataset.split("train", plan.sequence_length)
    state_dir = args.state or args.to.rstrip("/") + ".train-state"
    requested = []
    signal.signal(signal.SIGTERM, lambda *_: requested.append(True))
    ranks = distributed.start()
    try:
        if ranks.nodes > 1:
            state.check_shared(state_dir, ranks)
        model = llama.load(opened, ranks.device, args.activation_checkpointing)
        engine = trainer.Engine(model, ranks, args.precision == "mixed", args.compile)
        parameters = sum(p.numel() for p in model.parameters())
        log = TrainingLog(args.log_format, ranks.main)
        log.line("train: %s (%d parameters, %s on %s, %d rank%s, %s) on %s" % (
            source, parameters, "bf16 mixed" if args.precision == "mixed" and ranks.device.type == "cuda" else "float32",
            ranks.device.type, ranks.world, "" if ranks.world == 1 else "s", engine.kind, dataset.describe()))
        log.line("train: %d steps of %d tokens (%d x %d x %d), state %s" % (
            plan.steps, plan.step_tokens, plan.accumulation, plan.micro_batch, plan.sequence_length, state_dir))
        outcome = trainer.run(engine, plan, split, state_dir, args.resume, lambda: bool(requested), log)
        if outcome["stopped"]:
            raise Stopped("stopped at step %d of %d by SIGTERM; the state is saved and --resume continues from it"
                          % (outcome["steps"], plan.steps))
        gathered = full_tensors(engine)
        if ranks.main:
            tensors = [(name, tensor.detach().float().cpu()) for name, tensor in gathered]
            checkpoint.write(args.to, source, tensors, {name: opened.dtype(name) for name, _ in tensors})
        ranks.barrier()
        log.line("train: %d tokens, loss %.4f, %.0f tokens/s, %.1f s -> %s" % (
            outcome["tokens"], outcome["loss"], outcome["tokensPerSecond"], outcome["seconds"], args.to))
        return {"uri": os.path.abspath(args.to), "parameters": parameters, "loss": round(outcome["loss"], 4),
                "tokens": outcome["tokens"], "tokensPerSecond": round(outcome["tokensPerSecond"], 1),
                "seconds": round(outcome["seconds"], 1)}
    finally:
        distributed.stop(ranks)


def full_tensors(engine):
    """The whole weights in canonical order on global rank 0, nothing on the other ranks. Under FSDP2 every rank
    must call this: the shards are gathered by a collective, and with cpu_offload only rank 0 keeps the result."""
    if engine.sharded:
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict
        full = get_model_state_dict(engine.model, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
        return [(name, full[name]) for name, _ in engine.model.config.layout()] if engine.ranks.main else []
    return engine.model.tensors() if engine.ranks.main else []


def evaluate(args):
    from . import evaluate as perplexity, model as llama
    tokens = count("--tokens", args.tokens)
    if args.micro_batch < 1:
        raise InvalidInput("--micro-batch must be positive, got %d" % args.micro_batch)
    if args.max_perplexity_ratio is not None and args.parent is None:
        raise InvalidInput("--max-perplexity-ratio needs --parent: the ratio is to the parent's perplexity")
    if args.max_perplexity_ratio is not None and not 0 < args.max_perplexity_ratio < float("inf"):
        raise InvalidInput("--max-perplexity-ratio %s: must be a finite number above zero" % args.max_perplexity_ratio)
    model_dir = args.model.removeprefix("file://")
    opened = checkpoint.Checkpoint(model_dir)
    length = sequence_length(args, opened.config, model_dir)
    identity = "%s split=%s tokens=%d seed=%d seq=%d" % (args.data, args.split, tokens, args.seed, length)
    dataset = TokenDataset(args.data, opened.config.vocab_size)
    split = dataset.split(args.split, length)
    parent_opened = None
    reused = reusable_report(args.parent_report, identity) if args.parent else None
    if args.parent and reused is None:
        parent_opened = checkpoint.Checkpoint(args.parent.removeprefix("file://"))
    ranks = distributed.start()
    try:
        def measure(opened_checkpoint):
            model = llama.load(opened_checkpoint, ranks.device)
            return perplexity.measure(model, split, tokens, args.seed, args.micro_batch, ranks)

        loss, ppl, counted, seconds = measure(opened)
        print("evaluate: %s perplexity %.4f (loss %.4f) on %d tokens, %.1f s" % (model_dir, ppl, loss, counted, seconds),
              file=sys.stderr)
        own = outputs(model_dir, loss, ppl, counted, seconds, identity, tokens)
        parent = None
        if reused is not None:
            parent = (args.parent, reused["loss"], reused["perplexity"])
        elif parent_opened is not None:
            p_loss, p_ppl, p_counted, p_seconds = measure(parent_opened)
            parent = (parent_opened.directory, p_loss, p_ppl)
            if args.parent_report and not os.path.exists(args.parent_report) and ranks.main and \
                    all(map(lambda x: x < float("inf") and x == x, (p_loss, p_ppl))):
                contract.write_result(outputs(parent_opened.directory, p_loss, p_ppl, p_counted, p_seconds, identity,
                                              tokens), None, args.parent_report)
        verdict = perplexity.judge((model_dir, loss, ppl), parent, args.max_perplexity_ratio)
        if verdict is not None:
            raise (NonFiniteLoss if verdict[0] == "non-finite" else GateFailed)(verdict[1])
        if parent is not None:
            own["parentPerplexity"] = round(parent[2], 4)
        return own
    finally:
        distributed.stop(ranks)


def outputs(model_dir, loss, ppl, counted, seconds, identity, asked):
    return {"uri": os.path.abspath(model_dir), "loss": round(loss, 4), "perplexity": round(ppl, 4), "tokens": counted,
            "evaluation": identity if counted >= asked else "%s measured=%d" % (identity, counted),
            "seconds": round(seconds, 1)}


def reusable_report(path, identity):
    """The parent's report when it measured the same thing, else None (EvaluateCommand.sameMeasurement)."""
    if not path or not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            previous = json.load(f)
    except (OSError, json.JSONDecodeError):
        return None
    evaluation = previous.get("evaluation") or ""
    same = evaluation == identity or evaluation.startswith(identity + " measured=")
    return previous if same and previous.get("loss") is not None and previous.get("perplexity") is not None else None


if __name__ == "__main__":
    sys.exit(main())
