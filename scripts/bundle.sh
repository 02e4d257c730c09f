#!/usr/bin/env bash
# Builds a portable Kiln for machines with no JDK and no network (a GPU box, say): a jlinked Java
# runtime with just the modules Kiln needs, Kiln's jars, and a POSIX sh launcher.
#   target/kiln-bundle/{bin/kiln, runtime/, lib/, README.txt}
#   target/kiln-bundle-<version>-linux-<arch>.tar.gz   (unpacks to kiln-<version>/)
# Run through `./kiln bundle`, which finds the JDK 25+ and exports JAVA_HOME.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JDK="${JAVA_HOME:?JAVA_HOME must point at a JDK 25+ (./kiln bundle sets it)}"
OUT="$ROOT/target/kiln-bundle"
CLI="$ROOT/cli/target"

say() { echo "kiln bundle: $*" >&2; }

# 1. The CLI and its dependencies, as ./kiln runs them (cli/target/kiln-cli.jar + cli/target/lib).
say "building the CLI..."
MVN=(mvn -B -q -Dstyle.color=never)
[[ -n "${KILN_MVN_OFFLINE:-}" ]] && MVN+=(-o)
(cd "$ROOT" && "${MVN[@]}" -Dmaven.test.skip=true package -pl cli -am) >&2

VERSION="$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' "$ROOT/pom.xml" | head -n1)"
case "$(uname -m)" in x86_64 | amd64) ARCH=x64 ;; *) ARCH="$(uname -m)" ;; esac
NAME="kiln-bundle-$VERSION-linux-$ARCH"

rm -rf "$OUT" "$ROOT/target/$NAME.tar.gz"
mkdir -p "$OUT/lib" "$OUT/bin"
cp "$CLI/kiln-cli.jar" "$CLI"/lib/*.jar "$OUT/lib/"

# 2. The Java modules: what jdeps sees the jars use, plus what they reach only by name at run time:
#    jdk.incubator.vector  the CPU kernels (incubator modules are never resolved unless asked for)
#    jdk.compiler          javac, which ModelCompiler finds through ToolProvider to build .model files
#    jdk.zipfs             javac reads the jars on its class and processor paths through zipfs
#    (jdeps today finds java.base, java.desktop for the PNG plots, java.compiler, jdk.compiler and
#    jdk.incubator.vector.)
DEPS="$("$JDK/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 "$OUT"/lib/*.jar)"
MODULES="$(echo "$DEPS,jdk.incubator.vector,jdk.compiler,jdk.zipfs" | tr , '\n' | sort -u | paste -sd, -)"
say "jlink: $MODULES"
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
  --compress zip-6 --output "$OUT/runtime" >&2

# 3. The launcher: plain sh, finds itself (through symlinks) and runs the bundled java.
cat >"$OUT/bin/kiln" <<'LAUNCHER'
#!/bin/sh
# Kiln with its own Java runtime: needs no JDK on this machine. KILN_JAVA_OPTS adds JVM flags.
self="$0"
while [ -h "$self" ]; do
  link="$(readlink "$self")"
  case "$link" in
    /*) self="$link" ;;
    *) self="$(dirname "$self")/$link" ;;
  esac
done
KILN_HOME="$(cd "$(dirname "$self")/.." && pwd -P)"
# Signal chaining, for OpenCL drivers built on LLVM that install their own SIGSEGV handler.
if [ -f "$KILN_HOME/runtime/lib/libjsig.so" ]; then
  LD_PRELOAD="$KILN_HOME/runtime/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
  export LD_PRELOAD
fi
# shellcheck disable=SC2086 # KILN_JAVA_OPTS is a list of flags
exec "$KILN_HOME/runtime/bin/java" --add-modules jdk.incubator.vector \
  --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmn32m ${KILN_JAVA_OPTS:-} \
  -Dkiln.home="$KILN_HOME" -cp "$KILN_HOME/lib/*" dev.kiln.cli.Main "$@"
LAUNCHER
chmod +x "$OUT/bin/kiln"

cat >"$OUT/README.txt" <<README
Kiln $VERSION for Linux $ARCH, with its own Java runtime (JDK $("$OUT/runtime/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.runtime\.version = //p'), jlinked).

  bin/kiln --help          the commands

Nothing needs installing: unpack anywhere and run bin/kiln (or link it onto your PATH).
For --device cuda the machine needs the NVIDIA driver (libcuda.so.1) and the CUDA toolkit's NVRTC
(libnvrtc.so); -Dkiln.cuda.library=... and -Dkiln.cuda.nvrtc=... name them explicitly, passed as
  KILN_JAVA_OPTS="-Dkiln.cuda.nvrtc=/path/to/libnvrtc.so.13" bin/kiln ...
Compiled models and kernels are cached under ~/.cache/kiln (KILN_CACHE moves it).

  runtime/   the Java runtime (modules: $MODULES)
  lib/       Kiln and the libraries it uses
README

# 4. A quick check that it runs with nothing from this machine's Java, then the archive.
if ! check="$(env -i PATH=/usr/bin:/bin HOME="${HOME:-/tmp}" "$OUT/bin/kiln" --version 2>&1)"; then
  say "the bundle does not start: $OUT/bin/kiln --version said:"
  echo "$check" >&2
  exit 1
fi
tar -C "$ROOT/target" --transform "s,^kiln-bundle,kiln-$VERSION," -czf "$ROOT/target/$NAME.tar.gz" kiln-bundle
say "$ROOT/target/$NAME.tar.gz ($(du -h "$ROOT/target/$NAME.tar.gz" | cut -f1); unpacked $(du -sh "$OUT" | cut -f1))"
