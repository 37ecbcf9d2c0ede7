// Reads a reviewed SGF with Sabaki's own SGF parser (@sabaki/sgf) and prints what a GUI would
// see on the main line: the moves, which carry a comment, which carry BM/DO/TE, and how many
// variations hang beside it. Exits 1 if the file does not parse.
const sgf = require('@sabaki/sgf')

const path = process.argv[2]
let roots
try {
  roots = sgf.parseFile(path)
} catch (e) {
  console.error(`parse error: ${e.message}`)
  process.exit(1)
}
if (roots.length !== 1) {
  console.error(`expected one game, got ${roots.length}`)
  process.exit(1)
}
const moves = []
let variations = 0
let node = roots[0]
while (node.children.length > 0) {
  variations += node.children.length - 1
  node = node.children[0]
  const data = node.data
  const color = data.B !== undefined ? 'B' : (data.W !== undefined ? 'W' : null)
  if (color === null) continue
  moves.push({
    color,
    vertex: data[color][0],
    comment: (data.C || [''])[0],
    bm: data.BM ? data.BM[0] : null,
    do: data.DO !== undefined,
    te: data.TE ? data.TE[0] : null,
  })
}
console.log(JSON.stringify({moves, variations, rootComment: (roots[0].data.C || [''])[0]}))
