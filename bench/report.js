// Turns the `bench --json` results of run.sh into bench/results/results.md and
// bench/results/recall-latency.svg (hand-written SVG: recall@k against median latency on a log
// axis, one panel per dataset, one curve per layout).
// Usage: node report.js JSON_DIR OUT_DIR HAVE_REWRITE(0|1)
'use strict';
const fs = require('fs');
const path = require('path');

const [jsonDir, outDir, haveRewrite] = process.argv.slice(2);
const LAYOUTS = ['inplace', 'cached', 'rewritten'];
const LAYOUT_NAMES = { inplace: 'in place', cached: 'cached', rewritten: 'rewritten' };
const COLOURS = { inplace: '#d62728', cached: '#1f77b4', rewritten: '#2ca02c' };
const ORDER = ['clustered-4886x4096', 'clustered-340kx100', 'clustered-1Mx128', 'mnist'];

const runs = {};
for (const f of fs.readdirSync(jsonDir).filter((f) => f.endsWith('.json')).sort()) {
  const m = f.match(/^(.*)-(inplace|cached|rewritten)\.json$/);
  if (!m) continue;
  const text = fs.readFileSync(path.join(jsonDir, f), 'utf8').trim();
  if (!text) continue;
  (runs[m[1]] = runs[m[1]] || {})[m[2]] = JSON.parse(text);
}
const datasets = Object.keys(runs).sort((a, b) =>
  (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));

const f1 = (x) => (x == null ? '' : x.toFixed(1));
const f2 = (x) => (x == null ? '' : x.toFixed(2));
const f3 = (x) => (x == null ? '' : x.toFixed(3));
const mb = (b) => (b / 1e6).toFixed(1) + ' MB';

function rewriteInfo(ds) {
  const rw = runs[ds].rewritten;
  if (!rw) return '';
  let step = rw.rewrite;
  const side = path.join(jsonDir, ds + '-rewrite-step.json');
  if (!step && fs.existsSync(side)) step = JSON.parse(fs.readFileSync(side, 'utf8'));
  return (step ? f1(step.seconds) + ' s' : '') + ' (' + mb(rw.index.fileBytes) + ')';
}

let md = '# pqvector benchmark results\n\n';
md += 'Written by `bench/run.sh` (' + new Date().toISOString().slice(0, 10) + '). Each row is one '
  + '`pqvector.jar bench --json` configuration: recall@10 against the exact top-10 (computed by a '
  + '`useIndex=false` connection), median and p95 latency of a PreparedStatement with the query '
  + 'vector bound to `?` (warm-up first; timed over all queries), speedup over the exact plan '
  + 'measured in the same run. Query vectors are rows of the file itself, so each query\'s '
  + 'nearest hit is itself. DuckDB ms is DuckDB\'s exact `ORDER BY array_distance(...) LIMIT 10` '
  + 'over `read_parquet` on the same file (measured once per dataset, in the in-place run).\n\n'
  + 'Layouts: **in place** = the DuckDB-written file with the index appended, page cache off '
  + '(`cacheSize=0`); **cached** = the same file with `cacheSize=512m` (1g for 1M rows), timed '
  + 'after a warm-up pass over the same queries, so the decoded pages are in the cache; '
  + '**rewritten** = the copy written by `rewrite` (one vector per page, rows ordered by list), '
  + 'cache off.\n\n';
if (haveRewrite !== '1') {
  md += '> The `rewritten` layout was skipped: this build has no `rewrite` command yet (branch '
    + '`rewrite`). Re-run `bench/run.sh` once it lands; nothing else needs to change.\n\n';
}

const sideJars = [...new Set(datasets.map((ds) => path.join(jsonDir, ds + '-rewrite-step.json'))
  .filter((f) => fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')).jar))];
if (sideJars.length) {
  md += '> The rewrite step ran with `BENCH_REWRITE_JAR` (' + sideJars.map((j) => '`' + j + '`').join(', ')
    + '), a driver jar built from the `rewrite` branch before that command landed; `bench` itself '
    + 'is this branch\'s.\n\n';
}
md += '## Datasets and indexes\n\n';
md += '| dataset | rows | dim | file | lists | index bytes (% of file) | build s (k-means s) '
  + '| peak heap in build | bytes added | default nprobe | nprobe for recall ≥ 0.95 (in place) '
  + '| exact ms (in place) | DuckDB ms | rewrite s (rewritten file) |\n'
  + '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n';
for (const ds of datasets) {
  const r = runs[ds].inplace || runs[ds][Object.keys(runs[ds])[0]];
  const b = r.build || {};
  md += `| ${ds} | ${r.rows.toLocaleString('en')} | ${r.dimension} | ${mb(r.index.fileBytes)} `
    + `| ${r.index.lists} | ${r.index.bytes.toLocaleString('en')} (${f2(r.index.percentOfFile)}%) `
    + `| ${b.seconds != null ? f1(b.seconds) + ' (' + f1(b.trainSeconds) + ')' : ''} `
    + `| ${b.peakHeapBytes ? mb(b.peakHeapBytes) : ''} `
    + `| ${b.bytesAdded != null ? b.bytesAdded.toLocaleString('en') : ''} `
    + `| ${r.index.defaultNprobe} | ${r.recommendedNprobe == null ? 'none tested' : r.recommendedNprobe} `
    + `| ${f1(r.exact.medianMs)} | ${r.duckdb && r.duckdb.medianMs != null ? f1(r.duckdb.medianMs) : ''} `
    + `| ${rewriteInfo(ds)} |\n`;
}
md += '\nPeak heap: largest `Runtime` used heap sampled every 5 ms during the build (includes '
  + 'garbage not yet collected), with `-Xmx4g`.\n\n';

md += '## Recall and latency\n\n';
md += '| dataset | layout | nprobe | recall@10 | median ms | p95 ms | speedup vs exact '
  + '| rows scored/query | DuckDB ms |\n|---|---|---|---|---|---|---|---|---|\n';
for (const ds of datasets) {
  for (const layout of LAYOUTS) {
    const r = runs[ds][layout];
    if (!r) continue;
    const duck = (runs[ds].inplace && runs[ds].inplace.duckdb && runs[ds].inplace.duckdb.medianMs);
    md += `| ${ds} | ${LAYOUT_NAMES[layout]} | exact | 1.000 | ${f1(r.exact.medianMs)} `
      + `| ${f1(r.exact.p95Ms)} | 1.0x | ${Math.round(r.exact.rowsScoredPerQuery).toLocaleString('en')} `
      + `| ${duck != null ? f1(duck) : ''} |\n`;
    for (const x of r.results) {
      md += `| ${ds} | ${LAYOUT_NAMES[layout]} | ${x.nprobe == null ? x.plan.replace('(', ' (') : x.nprobe} `
        + `| ${f3(x.recall)} | ${f2(x.medianMs)} | ${f2(x.p95Ms)} | ${f1(x.speedup)}x `
        + `| ${Math.round(x.rowsScoredPerQuery).toLocaleString('en')} | ${duck != null ? f1(duck) : ''} |\n`;
    }
  }
}

md += '\n## Planning share of a literal-vector query\n\n'
  + '`Statement`-style SQL with the vector as an `ARRAY[...]` literal, split into prepare and '
  + 'execute. First time = a query text the connection has not planned; repeated = the same '
  + 'text with another vector (the driver\'s plan cache lifts the literal into a parameter).\n\n'
  + '| dataset | layout | first: prepare ms | first: execute ms | first: planning % '
  + '| repeated: prepare ms | repeated: execute ms | repeated: planning % |\n'
  + '|---|---|---|---|---|---|---|---|\n';
for (const ds of datasets) {
  for (const layout of LAYOUTS) {
    const p = runs[ds][layout] && runs[ds][layout].planning;
    if (!p) continue;
    md += `| ${ds} | ${LAYOUT_NAMES[layout]} | ${f1(p.firstPrepareMs)} | ${f1(p.firstExecuteMs)} `
      + `| ${Math.round(p.firstPlanningPercent)}% | ${f1(p.repeatPrepareMs)} | ${f1(p.repeatExecuteMs)} `
      + `| ${Math.round(p.repeatPlanningPercent)}% |\n`;
  }
}
md += '\n![recall against latency](recall-latency.svg)\n';
fs.writeFileSync(path.join(outDir, 'results.md'), md);

// ---------------------------------------------------------------- SVG: small multiples
const PW = 460, PH = 330, ML = 60, MR = 20, MT = 44, MB = 52, COLS = 2;
const rows = Math.ceil(datasets.length / COLS);
const W = COLS * PW, H = rows * PH + 70;
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" `
  + `viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">\n`
  + `<rect width="100%" height="100%" fill="white"/>\n`
  + `<text x="${W / 2}" y="24" text-anchor="middle" font-size="17" font-weight="bold">`
  + `pqvector: recall@10 against median query latency (log scale), per layout</text>\n`;
// legend
let lx = 20;
const legend = LAYOUTS.filter((l) => datasets.some((d) => runs[d][l]))
  .map((l) => [LAYOUT_NAMES[l], COLOURS[l], 'line'])
  .concat([['exact plan (per layout)', '#555', 'square'], ['DuckDB exact', '#000', 'diamond']]);
for (const [name, colour, kind] of legend) {
  if (kind === 'line') {
    svg += `<line x1="${lx}" y1="44" x2="${lx + 24}" y2="44" stroke="${colour}" stroke-width="2.5"/>`
      + `<circle cx="${lx + 12}" cy="44" r="3.5" fill="${colour}"/>`;
  } else if (kind === 'square') {
    svg += `<rect x="${lx + 7}" y="39" width="10" height="10" fill="none" stroke="${colour}" stroke-width="2"/>`;
  } else {
    svg += `<path d="M${lx + 12} 38 l6 6 l-6 6 l-6 -6 z" fill="${colour}"/>`;
  }
  svg += `<text x="${lx + 30}" y="48">${esc(name)}</text>\n`;
  lx += 40 + name.length * 7;
}
svg += `<text x="${W - 20}" y="48" text-anchor="end" fill="#555">labels: nprobe (d = driver default)</text>\n`;

datasets.forEach((ds, i) => {
  const ox = (i % COLS) * PW, oy = 60 + Math.floor(i / COLS) * PH;
  const x0 = ox + ML, x1 = ox + PW - MR, y0 = oy + PH - MB, y1 = oy + MT;
  const layouts = LAYOUTS.filter((l) => runs[ds][l]);
  const pts = [];
  for (const l of layouts) {
    const r = runs[ds][l];
    pts.push(r.exact.medianMs);
    for (const x of r.results) pts.push(x.medianMs);
    if (r.duckdb && r.duckdb.medianMs) pts.push(r.duckdb.medianMs);
  }
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...pts)) * 2) / 2);
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...pts)) * 2) / 2);
  const first = runs[ds][layouts[0]];
  const recalls = layouts.flatMap((l) => runs[ds][l].results.map((x) => x.recall));
  const rmin = Math.max(0, Math.floor(Math.min(...recalls, 0.9) * 10) / 10);
  const X = (ms) => x0 + (Math.log10(ms) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * (x1 - x0);
  const Y = (r) => y0 - (r - rmin) / (1 - rmin) * (y0 - y1);
  svg += `<g>\n<text x="${(x0 + x1) / 2}" y="${oy + 22}" text-anchor="middle" font-size="14" font-weight="bold">`
    + `${esc(ds)}: ${first.rows.toLocaleString('en')} × ${first.dimension}, ${first.index.lists} lists</text>\n`;
  svg += `<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#999"/>\n`;
  // x grid: decades and 2x/5x
  for (let d = Math.floor(Math.log10(lo)); d <= Math.ceil(Math.log10(hi)); d++) {
    for (const m of [1, 2, 5]) {
      const v = m * Math.pow(10, d);
      if (v < lo * 0.999 || v > hi * 1.001) continue;
      const x = X(v);
      svg += `<line x1="${x}" y1="${y1}" x2="${x}" y2="${y0}" stroke="${m === 1 ? '#ccc' : '#eee'}"/>`
        + `<text x="${x}" y="${y0 + 16}" text-anchor="middle" fill="#333">${v >= 1 ? v : v.toPrecision(1)}</text>\n`;
    }
  }
  const step = 1 - rmin <= 0.3 ? 0.05 : 0.1;
  for (let r = 1; r >= rmin - 1e-9; r -= step) {
    const y = Y(r);
    svg += `<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#eee"/>`
      + `<text x="${x0 - 6}" y="${y + 4}" text-anchor="end" fill="#333">${r.toFixed(2)}</text>\n`;
  }
  // target recall line
  const target = first.targetRecall;
  if (target >= rmin) {
    svg += `<line x1="${x0}" y1="${Y(target)}" x2="${x1}" y2="${Y(target)}" stroke="#888" stroke-dasharray="5,4"/>`
      + `<text x="${x0 + 4}" y="${Y(target) + 13}" fill="#777" font-size="11">target ${target}</text>\n`;
  }
  svg += `<text x="${(x0 + x1) / 2}" y="${y0 + 36}" text-anchor="middle">median latency per query, ms (log)</text>\n`
    + `<text transform="translate(${ox + 16},${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">recall@10</text>\n`;
  const placed = [];
  for (const l of layouts) {
    const r = runs[ds][l];
    const c = COLOURS[l];
    const curve = r.results.filter((x) => x.nprobe != null).sort((a, b) => a.nprobe - b.nprobe);
    svg += `<polyline fill="none" stroke="${c}" stroke-width="2.2" points="`
      + curve.map((x) => `${X(x.medianMs).toFixed(1)},${Y(x.recall).toFixed(1)}`).join(' ') + `"/>\n`;
    curve.forEach((x) => {
      svg += `<circle cx="${X(x.medianMs).toFixed(1)}" cy="${Y(x.recall).toFixed(1)}" r="3.5" fill="${c}"/>`;
      const tx = X(x.medianMs) + 5, ty = Y(x.recall) + (l === 'cached' ? -6 : 14);
      // skip a label that would overlap one already placed in this panel
      if (!placed.some(([px, py]) => Math.abs(px - tx) < 16 && Math.abs(py - ty) < 11)) {
        placed.push([tx, ty]);
        svg += `<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" font-size="10" fill="${c}">${x.nprobe}</text>`;
      }
    });
    const d = r.results.find((x) => x.nprobe == null);
    if (d) {
      svg += `<circle cx="${X(d.medianMs).toFixed(1)}" cy="${Y(d.recall).toFixed(1)}" r="5" fill="none" stroke="${c}" stroke-width="1.5"/>`
        + `<text x="${(X(d.medianMs) - 6).toFixed(1)}" y="${(Y(d.recall) - 7).toFixed(1)}" font-size="10" text-anchor="end" fill="${c}">d</text>`;
    }
    const ex = X(r.exact.medianMs), ey = Y(1);
    svg += `<rect x="${(ex - 5).toFixed(1)}" y="${(ey - 5).toFixed(1)}" width="10" height="10" fill="white" stroke="${c}" stroke-width="2"/>\n`;
  }
  const duck = runs[ds].inplace && runs[ds].inplace.duckdb;
  if (duck && duck.medianMs) {
    const dx = X(duck.medianMs), dy = Y(duck.recall);
    svg += `<path d="M${dx} ${dy - 7} l7 7 l-7 7 l-7 -7 z" fill="#000"/>`
      + `<text x="${dx}" y="${dy + 20}" text-anchor="middle" font-size="10">DuckDB</text>\n`;
  }
  svg += '</g>\n';
});
svg += '</svg>\n';
fs.writeFileSync(path.join(outDir, 'recall-latency.svg'), svg);
console.log('wrote ' + path.join(outDir, 'results.md') + ' and recall-latency.svg ('
  + datasets.length + ' datasets)');
