#!/usr/bin/env bash
# Builds llama-cpp-python once per CPU feature level and keeps the wheel outside
# the project, so fresh clones reuse it. pip's own wheel cache is not used: it is
# keyed by the source only, and a wheel built with -march=native on one machine
# dies with SIGILL on another (AMX tile instructions, seen on a VM whose CPU lists
# AMX but whose kernel does not grant it). Prints the wheel's path.
set -euo pipefail
python=$1 version=$2
arch=$(uname -m)
flags=(-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF)
level=generic
if [ "$arch" = x86_64 ]; then
  cpu=$(grep -m1 '^flags' /proc/cpuinfo || true)
  has() { for f in "$@"; do [[ " $cpu " == *" $f "* ]] || return 1; done; }
  if has avx2 fma f16c; then
    level=avx2; flags+=(-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON)
    if has avx512f avx512bw avx512vl avx512dq avx512cd; then
      level=avx512; flags+=(-DGGML_AVX512=ON)
      if has avx512_vnni; then level+=-vnni; flags+=(-DGGML_AVX512_VNNI=ON); fi
    fi
  fi
elif [ "$arch" = aarch64 ] || [ "$arch" = arm64 ]; then
  flags=(-DGGML_NATIVE=ON); level=native  # no AMX there; native is what runs here
fi
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
