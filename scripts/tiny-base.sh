#!/bin/sh
# Prepares the workspace of examples/tiny-family.yaml: the licence-text corpus (scripts/license-corpus.sh) in
# WORKSPACE/corpus, and the base in WORKSPACE/tiny-base: the tiny preset (random weights, seed 1) after a short
# pretraining on that corpus, so that the family starts from a model that has learnt some English.
# Each step is skipped once its output is there; an interrupted pretraining resumes from its saved state.
#   scripts/tiny-base.sh WORKSPACE TOKENS PLRD...     e.g. scripts/tiny-base.sh target/run 300K java -jar plrd.jar
set -eu
ws=${1:?usage: scripts/tiny-base.sh WORKSPACE TOKENS PLRD...}
tokens=${2:?usage: scripts/tiny-base.sh WORKSPACE TOKENS PLRD...}
shift 2
[ "$#" -gt 0 ] || { echo "usage: scripts/tiny-base.sh WORKSPACE TOKENS PLRD..." >&2; exit 2; }
here=$(dirname "$0")
mkdir -p "$ws"
if [ ! -d "$ws/corpus" ]; then
  rm -rf "$ws/corpus.tmp"
  "$here/license-corpus.sh" "$ws/corpus.tmp"
  mv "$ws/corpus.tmp" "$ws/corpus"
fi
[ -f "$ws/tiny-init/config.json" ] || "$@" init-model --preset tiny --to "$ws/tiny-init" --seed 1
if [ ! -f "$ws/tiny-base/config.json" ]; then
  PLRD_WORKSPACE="$ws" "$@" train --from "$ws/tiny-init" --to "$ws/tiny-base" --data "$ws/corpus" --tokens "$tokens" \
    --seq-len 128 --micro-batch 8 --global-batch-tokens 1K --lr 3e-3 --warmup 20 --checkpoint-every 50K \
    --state "$ws/tiny-base.train-state" --resume
fi
