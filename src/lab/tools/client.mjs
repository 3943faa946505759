// Lab tool client: forwards one tool call to the lab process over the Unix socket in $LAB_SOCKET.
// Plain JavaScript with one import, so a tool call costs little more than Node's start-up.
// Protocol (newline-delimited JSON, bytes in base64):
//   → { type: 'call', tool, host, argv, cwd }
//   ← { type: 'stdin' }                      (only when the tool reads stdin)
//   → { type: 'stdin', data }
//   ← { type: 'result', stdout, stderr, exitCode }
import { connect } from 'node:net';

const [tool = '', ...argv] = process.argv.slice(2);
const socketPath = process.env.LAB_SOCKET;
let answered = false;

function fail(message) {
  process.stderr.write(`${tool}: ${message}\n`);
  process.exitCode = 255;
}

// Reads stdin to EOF; a terminal gives nothing rather than waiting for a person to type.
function readStdin() {
  if (process.stdin.isTTY) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

if (!socketPath) {
  fail('LAB_SOCKET is not set: lab tools run only inside the lab');
} else {
  const socket = connect(socketPath);
  const send = (message) => socket.write(`${JSON.stringify(message)}\n`);
  let buffered = '';

  const onMessage = (message) => {
    if (message.type === 'stdin') {
      readStdin().then(
        (data) => send({ type: 'stdin', data: data.toString('base64') }),
        () => send({ type: 'stdin', data: '' }),
      );
    } else if (message.type === 'result') {
      answered = true;
      process.stdout.write(Buffer.from(message.stdout, 'base64'));
      process.stderr.write(Buffer.from(message.stderr, 'base64'));
      process.exitCode = message.exitCode;
      socket.end();
    }
  };

  socket.setEncoding('utf8');
  socket.on('connect', () => {
    send({ type: 'call', tool, host: process.env.LAB_HOST ?? '', argv, cwd: process.cwd() });
  });
  socket.on('data', (chunk) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      onMessage(JSON.parse(line));
    }
  });
  socket.on('error', (error) => fail(`cannot reach the lab at ${socketPath}: ${error.message}`));
  socket.on('close', () => {
    if (!answered && process.exitCode === undefined) fail('the lab closed the connection without an answer');
  });
}
