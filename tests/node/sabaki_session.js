// A scripted Sabaki-style session: 200 commands as a GUI sends them (setup, moves, analysis,
// undo, clock), 10% of them malformed. Every response must parse through @sabaki/gtp, the raw
// output must be well framed, malformed commands must fail, well-formed ones must succeed,
// ids must be echoed, and the engine must still answer at the end.
const {ourEngine, checkRawStream} = require('./engines')

const TOTAL = 200
const MALFORMED_EVERY = 10 // one command in ten is malformed

function rng(seed) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

const MALFORMED = [
  {name: 'frobnicate'},
  {name: 'play', args: ['B', 'Z99']},
  {name: 'play', args: ['purple', 'D4']},
  {name: 'play', args: ['B']},
  {name: 'genmove', args: []},
  {name: 'boardsize', args: ['nine']},
  {name: 'boardsize', args: ['1000']},
  {name: 'komi', args: ['NaN']},
  {name: 'komi', args: ['1e300']},
  {name: 'time_settings', args: ['-5', '10', '1']},
  {name: 'final_status_list', args: ['undead']},
  {name: 'list_stones', args: ['green']},
  {name: 'is_legal', args: ['B', 'I5']},
  {name: 'fixed_handicap', args: ['42']},
  {name: 'loadsgf', args: ['/nonexistent/file.sgf']},
  {name: 'pl\u0001ay\u00e9', args: ['B', 'D4']},
  {name: '\u4e2d\u6587', args: []},
  {name: 'play', args: ['B', 'D4'.repeat(40000)]} // a 160 KB line
]

async function main() {
  const random = rng(parseInt(process.env.SEED || '2024', 10))
  const pick = list => list[Math.floor(random() * list.length)]
  const engine = ourEngine(['--player', 'random', '--seed', '5', '--ownership-playouts', '32'])
  let raw = ''
  let sent = 0
  engine.on('command-sent', () => (sent += 1))
  engine.start()
  engine.process.stdout.on('data', chunk => (raw += chunk.toString('utf8')))

  let toPlay = 'B'
  let moves = 0
  let malformed = 0
  let nextId = 1
  const other = c => (c === 'B' ? 'W' : 'B')

  let count = 0
  async function expect(command, shouldFail) {
    count += 1
    if (random() < 0.3) command = {...command, id: nextId++}
    const response = await engine.sendCommand(command)
    if (response == null || typeof response.content !== 'string') throw new Error(`no response to ${command.name}`)
    if (command.id != null && response.id !== command.id) {
      throw new Error(`${command.name}: id ${command.id} answered with ${response.id}`)
    }
    if (shouldFail && !response.error) throw new Error(`malformed ${JSON.stringify(command).slice(0, 120)} succeeded`)
    if (!shouldFail && response.error) throw new Error(`${command.name} ${(command.args || []).join(' ')} failed: ${response.content}`)
    return response.content
  }

  // what Sabaki sends when it attaches an engine
  const setup = [
    {name: 'name'}, {name: 'version'}, {name: 'protocol_version'}, {name: 'list_commands'},
    {name: 'boardsize', args: ['9']}, {name: 'clear_board'}, {name: 'komi', args: ['6.5']},
    {name: 'time_settings', args: ['300', '30', '5']}
  ]
  for (const command of setup) await expect(command, false)

  while (count < TOTAL - 1) {
    if (malformed < Math.ceil((count + 1) / MALFORMED_EVERY)) {
      await expect(pick(MALFORMED), true)
      malformed += 1
    } else {
      const r = random()
      if (r < 0.35) {
        const move = await expect({name: 'genmove', args: [toPlay]}, false)
        if (move !== 'resign') {
          moves += 1
          toPlay = other(toPlay)
        }
      } else if (r < 0.5 && count < TOTAL - 2) {
        const move = await expect({name: 'reg_genmove', args: [toPlay]}, false)
        if (move !== 'resign') {
          await expect({name: 'play', args: [toPlay, move]}, false)
          moves += 1
          toPlay = other(toPlay)
        }
      } else if (r < 0.58 && moves > 0) {
        await expect({name: 'undo'}, false)
        moves -= 1
        toPlay = other(toPlay)
      } else if (r < 0.65) {
        await expect({name: 'time_left', args: [toPlay, String(Math.floor(random() * 300)), '0']}, false)
      } else if (r < 0.72) {
        await expect({name: 'showboard'}, false)
      } else if (r < 0.78) {
        await expect({name: 'list_stones', args: [pick(['black', 'white'])]}, false)
      } else if (r < 0.84) {
        await expect({name: 'is_legal', args: [toPlay, pick(['A1', 'E5', 'J9', 'pass'])]}, false)
      } else if (r < 0.88) {
        await expect({name: 'final_score'}, false)
      } else if (r < 0.91) {
        await expect({name: 'final_status_list', args: [pick(['alive', 'dead', 'seki'])]}, false)
      } else if (r < 0.94) {
        await expect({name: 'gogui-analyze_commands'}, false)
      } else if (r < 0.97) {
        await expect({name: 'printsgf'}, false)
      } else {
        await expect({name: 'known_command', args: [pick(['play', 'lz-analyze', 'genmove'])]}, false)
      }
    }
  }
  // the engine is alive and its game intact
  const alive = await expect({name: 'protocol_version'}, false)
  if (alive !== '2') throw new Error('engine did not answer at the end')
  await engine.stop()
  checkRawStream(raw, sent)
  if (count !== TOTAL || sent !== TOTAL + 1 || malformed !== TOTAL / MALFORMED_EVERY) throw new Error(`sent ${sent} commands, counted ${count}`)
  console.log(JSON.stringify({ok: true, commands: count, malformed, movesOnBoard: moves, responses: sent}))
}

main().catch(err => {
  console.error(err.stack || String(err))
  process.exit(1)
})
