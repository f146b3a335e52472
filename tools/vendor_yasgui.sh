#!/usr/bin/env bash
# Refresh the vendored YASGUI (the SPARQL editor of the web pages) from the npm registry:
#   tools/vendor_yasgui.sh [VERSION]      (default: the version recorded in api/static/vendor/yasgui/VERSION)
# Installs @zazuko/yasgui in a temporary folder, copies its built files into api/static/vendor/yasgui/
# with its licence and the licences of what its bundle contains. Needs node and npm; nothing is fetched at
# run time by the pages (see api/static/sparql.js for the offline configuration).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=api/static/vendor/yasgui
version=${1:-$(cat "$dest/VERSION" 2>/dev/null || echo latest)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --no-audit --no-fund --ignore-scripts "@zazuko/yasgui@$version" >/dev/null)
pkg="$tmp/node_modules/@zazuko/yasgui"
mkdir -p "$dest"
cp "$pkg/build/yasgui.min.js" "$pkg/build/yasgui.min.css" "$dest/"
node -e 'process.stdout.write(require(process.argv[1]).version + "\n")' "$pkg/package.json" > "$dest/VERSION"
# The package states its licence (MIT) in package.json only; write it out with the bundled packages' licences.
node - "$tmp/node_modules" > "$dest/LICENSE" <<'JS'
const fs = require("fs"), path = require("path");
const root = process.argv[2];
const y = require(path.join(root, "@zazuko/yasgui/package.json"));
const mit = `MIT License

Copyright (c) Triply B.V. and Zazuko GmbH (the authors of ${y.name}, ${y.homepage})

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and
to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions
of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO
THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.
`;
const lines = [];
const walk = dir => {
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (name.startsWith("@")) { walk(p); continue; }
    const pj = path.join(p, "package.json");
    if (!fs.existsSync(pj)) continue;
    const m = JSON.parse(fs.readFileSync(pj, "utf8"));
    lines.push(`${m.name} ${m.version}: ${typeof m.license === "string" ? m.license : JSON.stringify(m.license || m.licenses)}`);
  }
};
walk(root);
process.stdout.write(`${y.name} ${y.version}: ${y.license}\n\n${mit}\nPackages installed with it (their code may be in the bundle), with their licences:\n${lines.join("\n")}\n`);
JS
echo "vendored @zazuko/yasgui $(cat "$dest/VERSION") into $dest" >&2
