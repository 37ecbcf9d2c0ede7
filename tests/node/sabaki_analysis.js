// Live analysis as Sabaki runs it: `lz-analyze B <interval>` sent through @sabaki/gtp's
// Controller, the streamed `info` lines collected from the command's line subscriber, then the
// next command sent while the analysis runs. Reports how soon the first info line came, how soon
// the analysis response ended after the next command was sent, and the parsed variations.
const {ourEngine} = require('./engines')

const VERTEX = /^(pass|[A-HJ-T](?:[1-9]|1[0-9]))$/

function fail(message) {
  throw new Error(message)
}

// One analysis line as a list of variations: each `info` group is key-value pairs up to `pv`,
// then the principal variation (vertices) to the end of the group.
function parseInfoLine(line) {
  const groups = line.split(/(?:^|\s)info\s+/).filter(g => g.trim() !== '')
  return groups.map(group => {
    const tokens = group.trim().split(/\s+/)
    const pvAt = tokens.indexOf('pv')
    if (pvAt < 0) fail(`no pv in ${JSON.stringify(group)}`)
    const fields = {}
    for (let i = 0; i + 1 < pvAt; i += 2) fields[tokens[i]] = tokens[i + 1]
    const pv = tokens.slice(pvAt + 1)
    if (!VERTEX.test(fields.move || '')) fail(`bad move in ${JSON.stringify(group)}`)
    if (pv.length === 0 || !pv.every(v => VERTEX.test(v))) fail(`bad pv in ${JSON.stringify(group)}`)
    for (const key of ['visits', 'winrate', 'prior', 'lcb', 'order']) {
      if (!/^\d+$/.test(fields[key] || '')) fail(`${key} missing or not an integer in ${JSON.stringify(group)}`)
    }
    const winrate = +fields.winrate
    if (winrate > 10000 || +fields.lcb > winrate) fail(`winrate/lcb out of range in ${JSON.stringify(group)}`)
    return {move: fields.move, visits: +fields.visits, winrate: winrate / 100, order: +fields.order, pv}
  })
}

function waitFor(predicate, timeoutMs) {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const timer = setInterval(() => {
      if (predicate()) {
        clearInterval(timer)
        resolve()
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer)
        reject(new Error(`timed out after ${timeoutMs} ms`))
      }
    }, 2)
  })
}

async function analyse(engine, interval, wantLines, timeoutMs) {
  const infos = []
  let endedAt = null
  const sentAt = Date.now()
  const done = engine.sendCommand({name: 'lz-analyze', args: ['B', String(interval)]}, ({line, end}) => {
    if (line.startsWith('info ')) infos.push({at: Date.now(), line})
    if (end) endedAt = Date.now()
  })
  await waitFor(() => infos.length >= wantLines, timeoutMs)
  const stopSentAt = Date.now()
  const name = await engine.sendCommand({name: 'name'})
  const nameAt = Date.now()
  const response = await done
  if (response.error) fail(`lz-analyze failed: ${response.content}`)
  if (name.error || name.content !== 'go-engine') fail(`name after analysis answered ${JSON.stringify(name)}`)
  if (endedAt == null) fail('the analysis response never ended')
  return {
    infos,
    firstInfoMs: infos[0].at - sentAt,
    stopMs: endedAt - stopSentAt,
    nameMs: nameAt - stopSentAt,
    content: response.content
  }
}

async function main() {
  const engine = ourEngine(['--player', 'mcts', '--size', '9', '--threads', '1', '--seed', '2'])
  engine.start()
  const commands = (await engine.sendCommand({name: 'list_commands'})).content.split('\n')
  if (!commands.includes('lz-analyze')) fail('lz-analyze is not in list_commands')
  for (const [name, args] of [['boardsize', ['9']], ['clear_board', []], ['komi', ['7']],
                              ['play', ['B', 'E5']], ['play', ['W', 'C3']]]) {
    const r = await engine.sendCommand({name, args})
    if (r.error) fail(`${name} failed: ${r.content}`)
  }
  // the first analysis of a process loads the search (kernels from Numba's cache)
  await analyse(engine, 10, 1, 240000)
  const run = await analyse(engine, 10, 3, 10000)
  const variations = run.infos.map(i => parseInfoLine(i.line))
  if (variations.some(v => v.length === 0)) fail('an info line without variations')
  const last = variations[variations.length - 1]
  if (!last.every((v, i) => v.order === i)) fail('orders are not 0, 1, 2, ...')
  // the content Sabaki keeps is the info lines (the `=` line carries none)
  if (!run.content.split('\n').every(l => l.startsWith('info '))) fail(`unexpected content ${run.content.slice(0, 200)}`)
  const board = (await engine.sendCommand({name: 'list_stones', args: ['black']})).content
  const toPlay = await engine.sendCommand({name: 'genmove', args: ['B']})
  if (toPlay.error) fail(`genmove after analysis failed: ${toPlay.content}`)
  await engine.stop()
  console.log(JSON.stringify({
    ok: true,
    lines: run.infos.length,
    firstInfoMs: run.firstInfoMs,
    stopMs: run.stopMs,
    nameMs: run.nameMs,
    moves: last.length,
    best: last[0],
    blackStones: board
  }))
}

main().catch(err => {
  console.error(err.stack || String(err))
  process.exit(1)
})
