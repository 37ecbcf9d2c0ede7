// How the node scripts start the engines: our engine through the Python that runs the tests
// (GO_ENGINE_PYTHON, default "python3") or GO_ENGINE_CMD, GNU Go from GNUGO or the usual paths.
const fs = require('fs')
const path = require('path')
const {Controller} = require('@sabaki/gtp')

const REPO = path.resolve(__dirname, '..', '..')

function ourEngine(extraArgs = []) {
  if (process.env.GO_ENGINE_CMD) {
    return new Controller(process.env.GO_ENGINE_CMD, ['gtp', ...extraArgs], {cwd: REPO})
  }
  const python = process.env.GO_ENGINE_PYTHON || 'python3'
  return new Controller(python, ['-m', 'go_engine_cli', 'gtp', ...extraArgs], {cwd: REPO})
}

function gnugoPath() {
  if (process.env.GNUGO) return process.env.GNUGO
  for (const p of ['/usr/games/gnugo', '/usr/bin/gnugo', '/usr/local/bin/gnugo']) {
    if (fs.existsSync(p)) return p
  }
  return 'gnugo'
}

// a response's framing as @sabaki/gtp parsed it, plus our own check of the raw bytes
const RAW_RESPONSE = /^[=?]\d*(?: [^\n]*)?(?:\n[^\n]*\S[^\n]*)*\n\n/

function checkRawStream(raw, expectedCount) {
  let rest = raw
  let count = 0
  while (rest.length > 0) {
    const m = RAW_RESPONSE.exec(rest)
    if (!m) throw new Error(`badly framed output at response ${count + 1}: ${JSON.stringify(rest.slice(0, 200))}`)
    rest = rest.slice(m[0].length)
    count += 1
  }
  if (count !== expectedCount) throw new Error(`expected ${expectedCount} responses, got ${count}`)
}

module.exports = {ourEngine, gnugoPath, checkRawStream, REPO}
