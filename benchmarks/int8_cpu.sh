#!/usr/bin/env bash
# An int8 model's accuracy on *this* CPU (`facemtl export --int8`; `fast` 0.2 was one, `fast`
# 0.3 is float). onnxruntime's int8 (u8s8) kernels saturate on x86 CPUs without VNNI and not on
# those with AVX512-VNNI / AVX-VNNI, so an int8 model gives different numbers on different
# machines (float models do not). Writes
# benchmarks/results/MODEL-cpu-<vnni|novnni>-{ferplus-test,utkface-test,ckplus-all,identity-orl}.json
# with the CPU's name. Usage: benchmarks/int8_cpu.sh MODEL [DATA]   (about 3 minutes)
set -euo pipefail
model=${1:?usage: benchmarks/int8_cpu.sh MODEL [DATA]  (an int8 model: a card path)}
data=${2:-${FACEMTL_DATA:-../shared/data}}
if grep -q -m1 -E "avx512_vnni|avx_vnni" /proc/cpuinfo; then kind=vnni; else kind=novnni; fi
cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | xargs)
out=benchmarks/results
run() {
  local name=$1; shift
  facemtl evaluate --model "$model" --json -q --threads 1 "$@" |
    python3 -c "import json, sys; r = json.load(sys.stdin); r['cpu'] = sys.argv[1]; r['cpu_int8_kernels'] = sys.argv[2]; print(json.dumps(r, indent=2))" "$cpu" "$kind" \
    > "$out/$model-cpu-$kind-$name.json"
}
run ferplus-test --dataset ferplus --data "$data/ferplus" --split test
run utkface-test --dataset utkface --data "$data/utkface" --split test
run ckplus-all --dataset ckplus --data "$data/ckplus48"
run identity-orl --dataset identity --data "$data/att_faces" --split all
echo "wrote $out/$model-cpu-$kind-*.json ($cpu)"
