// The HTTP reference for bench/intake.sh: a trivial node server that answers every request with 201 and a small
// JSON body, doing no work. Usage: node bench/node_http.js PORT
'use strict';
const http = require('http');
const port = Number(process.argv[2] || 18099);
http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(201, { 'Content-Type': 'application/json' });
    res.end('{"id":"job_0","status":"queued"}');
  });
}).listen(port, '127.0.0.1', () => console.log('listening on ' + port));
