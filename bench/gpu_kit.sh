#!/usr/bin/env bash
# Run HERE, before a session that is lent a GPU: gathers in .gpu_kit/ (ignored by git) what bench/gpu_checks.sh needs
# on the device machine. That machine has Python 3.12 with torch, transformers, scikit-learn, numpy and tqdm, and no
# package registry; so the kit holds wheels of this project's other dependencies (the versions installed here) and
# the converted composer works the checks read (music21's conversion takes minutes for some works).
#
#     bash bench/gpu_kit.sh        # then, with the device tool, the two calls at the top of bench/gpu_checks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
kit=.gpu_kit
rm -rf "$kit"; mkdir -p "$kit/wheels" "$kit/cache"
version() { python -c "import importlib.metadata as m; print(m.version('$1'))"; }
pins=()
for name in miditok symusic music21 hydra-core omegaconf fastcore plotly platformdirs pySmartDL chardet jsonpickle more-itertools webcolors; do
  pins+=("$name==$(version "$name")")
done
pip download -q --no-deps --dest "$kit/wheels" --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 "${pins[@]}"
pip wheel -q --no-deps --wheel-dir "$kit/wheels" "antlr4-python3-runtime==$(version antlr4-python3-runtime)"  # no wheel on PyPI; pure Python
# The works the checks read: bench/embed.py's 60, the default run's 100, the large_model smoke run's 200 (seed 42).
MIDI_EMBEDDINGS_CACHE="$kit/cache" python -c "
from midi_embeddings.corpus import music21_corpus
for n in (60, 100, 200): print(n, 'works:', len(music21_corpus('composers', limit=n)))"
du -sh "$kit"/*
