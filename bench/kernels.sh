#!/usr/bin/env bash
# Distance-kernel benchmark (JMH): scalar kernels against the JDK vector API, one query against
# 1,024 back-to-back vectors per call. Runs twice: once in a JVM started as hosts usually start
# theirs (no --add-modules: the facade runs scalar), once with jdk.incubator.vector (SIMD).
# Takes about 4 minutes. Extra arguments go to JMH (e.g. -p dim=384 -f 1 -wi 2 -i 3).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -pl calcite-adapter test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
CP=calcite-adapter/target/test-classes:calcite-adapter/target/classes:$(cat calcite-adapter/target/bench.classpath)
echo "== without the vector API module (what a plain java -jar host runs)"
java -cp "$CP" org.openjdk.jmh.Main 'io.pqvector.vector.KernelBenchmark' -jvmArgs "-Xmx1g" "$@"
echo "== with --add-modules jdk.incubator.vector"
java -cp "$CP" org.openjdk.jmh.Main 'io.pqvector.vector.KernelBenchmark' \
  -jvmArgs "-Xmx1g --add-modules jdk.incubator.vector" "$@"
