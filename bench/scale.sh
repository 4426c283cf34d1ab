#!/usr/bin/env bash
# Scale benchmark (issue: a query's cost follows the vectors it scores): the demo table at
# 100,000 and 1,000,000 rows x 128 dims (and 10,000,000 with --long), indexed in place, queried
# through JDBC with the page cache on. Prints markdown tables: latency at a fixed nprobe,
# unfiltered and filtered, recall@10, vectors scored, the literal-vector query, and 8 concurrent
# connections. Datasets go to bench/work/scale (git-ignored; about 0.6 GB for 1M rows, 6 GB with
# --long). Default run: about 12 minutes on 2 cores; --long: add about half an hour.
# Other arguments go to ScaleBench (e.g. --nprobe 8 --queries 200 --seconds 20
# --properties ';recall=0.95').
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=100000,1000000
HEAP=${BENCH_HEAP:-8g}
if [[ ${1:-} == --long ]]; then
  ROWS=100000,1000000,10000000
  shift
fi
# PQVECTOR_JAR=<another build's pqvector.jar> measures that build on the same files (before/after).
JAR=${PQVECTOR_JAR:-jdbc-driver/target/pqvector.jar}
[[ -f $JAR ]] || mvn -q -B -ntp -pl jdbc-driver -am package -DskipTests
exec java -Xmx$HEAP -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider \
  -cp "$JAR" bench/ScaleBench.java --rows "$ROWS" "$@"
