// A full 9x9 game: go-engine (one colour) against GNU Go (the other), driven through Sabaki's
// @sabaki/gtp Controller. The script relays every move, checks that every response parses and
// succeeds, then fetches our printsgf and parses it with @sabaki/sgf.
const {Controller} = require('@sabaki/gtp')
const sgf = require('@sabaki/sgf')
const {ourEngine, gnugoPath, checkRawStream} = require('./engines')

const VERTEX = /^(pass|resign|[A-HJ-T](?:[1-9]|1[0-9]))$/i
const MAX_PLIES = 400

function fail(message) {
  throw new Error(message)
}

async function send(controller, who, name, args = []) {
  const response = await controller.sendCommand({name, args})
  if (response == null || typeof response.content !== 'string') fail(`${who}: no response to ${name}`)
  if (response.error) fail(`${who}: ${name} ${args.join(' ')} failed: ${response.content}`)
  return response.content
}

async function main() {
  const ourColor = (process.env.OUR_COLOR || 'B').toUpperCase()
  const ours = ourEngine(['--player', 'random', '--seed', process.env.SEED || '7'])
  const gnugo = new Controller(gnugoPath(), ['--mode', 'gtp', '--level', '0', '--chinese-rules'])
  let raw = ''
  let sent = 0
  ours.on('command-sent', () => (sent += 1))
  ours.start()
  gnugo.start()
  ours.process.stdout.on('data', chunk => (raw += chunk.toString('utf8')))
  try {
    if ((await send(ours, 'ours', 'protocol_version')) !== '2') fail('protocol_version is not 2')
    for (const [c, who] of [[ours, 'ours'], [gnugo, 'gnugo']]) {
      await send(c, who, 'boardsize', ['9'])
      await send(c, who, 'clear_board')
      await send(c, who, 'komi', ['7.5'])
    }
    const players = {B: ourColor === 'B' ? [ours, 'ours'] : [gnugo, 'gnugo'],
                     W: ourColor === 'B' ? [gnugo, 'gnugo'] : [ours, 'ours']}
    const moves = []
    let toPlay = 'B'
    let passes = 0
    let resigned = null
    while (moves.length < MAX_PLIES && passes < 2) {
      const [mover, moverName] = players[toPlay]
      const [other, otherName] = players[toPlay === 'B' ? 'W' : 'B']
      const move = (await send(mover, moverName, 'genmove', [toPlay])).trim()
      if (!VERTEX.test(move)) fail(`${moverName} answered genmove with ${JSON.stringify(move)}`)
      if (move.toLowerCase() === 'resign') {
        resigned = toPlay
        break
      }
      await send(other, otherName, 'play', [toPlay, move])
      moves.push([toPlay, move])
      passes = move.toLowerCase() === 'pass' ? passes + 1 : 0
      toPlay = toPlay === 'B' ? 'W' : 'B'
    }
    // both engines must agree on the board
    for (const color of ['black', 'white']) {
      const a = await send(ours, 'ours', 'list_stones', [color])
      const b = await send(gnugo, 'gnugo', 'list_stones', [color])
      if (a.split(/\s+/).sort().join(' ') !== b.split(/\s+/).sort().join(' ')) {
        fail(`boards differ for ${color}: ours ${a} | gnugo ${b}`)
      }
    }
    const score = await send(ours, 'ours', 'final_score')
    if (!/^(B\+\d+(\.\d+)?|W\+\d+(\.\d+)?|0)$/.test(score)) fail(`final_score ${score}`)
    const gnugoScore = await send(gnugo, 'gnugo', 'final_score')
    await send(ours, 'ours', 'final_status_list', ['dead'])
    const text = await send(ours, 'ours', 'printsgf')
    const roots = sgf.parse(text)
    if (roots.length !== 1) fail(`printsgf: ${roots.length} game trees`)
    const root = roots[0]
    if (root.data.SZ[0] !== '9') fail(`printsgf: SZ ${root.data.SZ}`)
    if (parseFloat(root.data.KM[0]) !== 7.5) fail(`printsgf: KM ${root.data.KM}`)
    const sgfMoves = []
    let node = root
    while (node.children.length > 0) {
      node = node.children[0]
      const color = node.data.B ? 'B' : 'W'
      sgfMoves.push([color, (node.data[color] || [''])[0]])
    }
    if (sgfMoves.length !== moves.length) fail(`printsgf has ${sgfMoves.length} moves, game had ${moves.length}`)
    sgfMoves.forEach(([color], k) => {
      if (color !== moves[k][0]) fail(`printsgf move ${k + 1} has colour ${color}`)
    })
    await ours.stop()
    await gnugo.stop()
    checkRawStream(raw, sent)
    console.log(JSON.stringify({ok: true, ourColor, plies: moves.length, resigned, passes,
                                ourScore: score, gnugoScore, responses: sent}))
  } catch (err) {
    await ours.kill()
    await gnugo.kill()
    throw err
  }
}

main().catch(err => {
  console.error(err.stack || String(err))
  process.exit(1)
})
