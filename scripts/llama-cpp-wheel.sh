#!/usr/bin/env bash
# Builds llama-cpp-python once per CPU feature level and keeps the wheel outside
# the project, so fresh clones reuse it. pip's own wheel cache is not used: it is
# keyed by the source only, and a wheel built with -march=native on one machine
# dies with SIGILL on another (AMX tile instructions, seen on a VM whose CPU lists
# AMX but whose kernel does not grant it). Prints the wheel's path.
#
# The level is this CPU's unless DBGPT_CPU_LEVEL names one (generic, avx2, avx512,
# avx512-vnni): an image built here to run on other machines takes the lowest
# level they all have.
set -euo pipefail
python=$1 version=$2
arch=$(uname -m)
level=generic
if [ "$arch" = x86_64 ]; then
  cpu=$(grep -m1 '^flags' /proc/cpuinfo || true)
  has() { for f in "$@"; do [[ " $cpu " == *" $f "* ]] || return 1; done; }
  if has avx2 fma f16c; then
    level=avx2
    if has avx512f avx512bw avx512vl avx512dq avx512cd; then
      level=avx512
      if has avx512_vnni; then level+=-vnni; fi
    fi
  fi
  level=${DBGPT_CPU_LEVEL:-$level}
elif [ "$arch" = aarch64 ] || [ "$arch" = arm64 ]; then
  level=native  # no AMX there; native is what runs here
fi
flags=(-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF)
case $level in
  generic) ;;
  avx2) flags+=(-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON) ;;
  avx512) flags+=(-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON) ;;
  avx512-vnni) flags+=(-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON
                       -DGGML_AVX512_VNNI=ON) ;;
  native) flags=(-DGGML_NATIVE=ON) ;;
  *) echo "DBGPT_CPU_LEVEL=$level: expected generic, avx2, avx512 or avx512-vnni" >&2; exit 2 ;;
esac
dir=${DBGPT_WHEEL_CACHE:-$HOME/.cache/dbgpt/wheels}/llama-cpp-python-$version-$arch-$level
wheel=$(ls "$dir"/llama_cpp_python-*.whl 2>/dev/null | head -1 || true)
if [ -z "$wheel" ]; then
  echo "building llama-cpp-python $version for $arch ($level); about 11 minutes on 2 cores" >&2
  mkdir -p "$dir"
  CMAKE_ARGS="${flags[*]}" "$python" -m pip wheel --quiet --no-cache-dir --no-deps \
    --no-binary llama-cpp-python "llama-cpp-python==$version" -w "$dir" >&2
  wheel=$(ls "$dir"/llama_cpp_python-*.whl | head -1)
fi
echo "$wheel"
