#!/usr/bin/env node
// Starts the Kinesis (kinesalite) and DynamoDB (dynalite) emulators on loopback for Pulso's dev
// services and tests. Prints one line "READY kinesis=<port> dynamodb=<port>" once both listen.
// Exits when its standard input closes, so a parent JVM that dies (even by SIGKILL) never leaves
// it behind.
'use strict'
const kinesalite = require('kinesalite')
const dynalite = require('dynalite')

const HOST = '127.0.0.1'

function arg(name, fallback) {
  const i = process.argv.indexOf('--' + name)
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback
}

function listen(server, port, name) {
  return new Promise((resolve, reject) => {
    server.once('error', err => reject(new Error(name + ' could not listen on ' + HOST + ':' + port + ': ' + err.message)))
    server.listen(port, HOST, () => resolve(server.address().port))
  })
}

async function main() {
  const servers = [
    // Streams and tables become ACTIVE at once: waiting 500 ms per create only slows tests down.
    ['kinesis', kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 }), Number(arg('kinesis-port', 4567))],
    ['dynamodb', dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }), Number(arg('dynamodb-port', 4568))],
  ]
  const ports = []
  for (const [name, server, port] of servers) ports.push(name + '=' + await listen(server, port, name))
  process.stdout.write('READY ' + ports.join(' ') + '\n')

  const stop = () => {
    let open = servers.length
    for (const [, server] of servers) server.close(() => { if (--open === 0) process.exit(0) })
    setTimeout(() => process.exit(0), 2000).unref()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.stdin.on('end', stop)
  process.stdin.on('error', stop)
  process.stdin.resume()
}

main().catch(err => { process.stderr.write(String(err.message || err) + '\n'); process.exit(1) })
