// Unit tests of the pure helpers (compiled to out/ by `npm run build:test`).
const test = require('node:test');
const assert = require('node:assert/strict');
const { toLaminaAttach, launchToDebugArgs, adapterAddress } = require('../out/debugConfig.js');
const { formatResult, reportLine, summary, formatPayload } = require('../out/format.js');
const { chooseInterpreter, serverArgs, expandPath } = require('../out/interpreter.js');
const { SyncModel } = require('../out/syncStatus.js');

const attach = {
  name: 'Lamina: Hello',
  type: 'debugpy',
  request: 'attach',
  connect: { host: '127.0.0.1', port: 5678 },
  justMyCode: true,
  redirectOutput: true,
  pathMappings: [{ localRoot: '/w', remoteRoot: '/w' }],
  lamina: { function: 'Hello', sessionId: 's1' },
};

test('debugpy attach config maps to the lamina type, keeping everything else', () => {
  const c = toLaminaAttach(attach);
  assert.equal(c.type, 'lamina');
  assert.equal(c.request, 'attach');
  assert.deepEqual(c.connect, { host: '127.0.0.1', port: 5678 });
  assert.deepEqual(c.pathMappings, attach.pathMappings);
  assert.deepEqual(c.lamina, attach.lamina);
  assert.equal(attach.type, 'debugpy', 'input not mutated');
});

test('attach config defaults host and name, rejects a missing port', () => {
  const c = toLaminaAttach({ type: 'debugpy', request: 'attach', connect: { port: '9000' }, lamina: { function: 'F' } });
  assert.equal(c.connect.host, '127.0.0.1');
  assert.equal(c.connect.port, 9000);
  assert.equal(c.name, 'Lamina: F');
  assert.throws(() => toLaminaAttach({ type: 'debugpy', request: 'attach', connect: {} }), /connect.port/);
  assert.throws(() => adapterAddress({}), /connect.port/);
  assert.deepEqual(adapterAddress({ connect: { port: 1234 } }), { host: '127.0.0.1', port: 1234 });
});

test('launch config becomes lamina.debug arguments', () => {
  assert.deepEqual(launchToDebugArgs({ function: ' Hello ', event: 'ping', runConfiguration: '' }), {
    function: 'Hello',
    event: 'ping',
  });
  assert.throws(() => launchToDebugArgs({ function: '' }), /function/);
});

const ok = {
  id: 'abc-1',
  function: 'Hello',
  event: 'ping',
  ok: true,
  payload: { statusCode: 200 },
  logs: 'START\nhello\n',
  durationMs: 12.345,
  billedDurationMs: 13,
  memorySizeMb: 128,
  maxMemoryUsedMb: 40,
  initDurationMs: 101.5,
  cold: true,
};

test('REPORT line matches the Lambda format, with Init Duration only when cold', () => {
  assert.equal(
    reportLine(ok),
    'REPORT RequestId: abc-1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 101.50 ms',
  );
  assert.ok(!reportLine({ ...ok, initDurationMs: null, cold: false }).includes('Init Duration'));
});

test('result text has payload, logs and REPORT; errors have type, location and stack', () => {
  const text = formatResult(ok, new Date(0));
  assert.match(text, /"statusCode": 200/);
  assert.match(text, /hello/);
  assert.match(text, /^REPORT RequestId: abc-1/m);
  const err = formatResult({
    ...ok,
    ok: false,
    payload: undefined,
    error: { errorType: 'KeyError', errorMessage: "'name'", stackTrace: ['  File "app.py", line 3\n'], location: { uri: 'file:///w/app.py', line: 3 } },
  });
  assert.match(err, /Error: KeyError: 'name'/);
  assert.match(err, /at file:\/\/\/w\/app.py:3/);
  assert.match(err, /File "app.py", line 3/);
});

test('summary and payload formatting', () => {
  assert.equal(summary(ok), '✔ Hello (ping): 12.35 ms, cold');
  assert.equal(summary({ ...ok, ok: false, error: { errorType: 'E', errorMessage: 'm' } }), '✘ Hello (ping): E: m');
  assert.equal(formatPayload('{"a":1}'), '{\n  "a": 1\n}');
  assert.equal(formatPayload('plain'), 'plain');
});

test('interpreter: setting, then Python extension, then PATH', () => {
  assert.deepEqual(chooseInterpreter({ setting: '/venv/bin/python', pythonExtension: '/x' }), { command: '/venv/bin/python', source: 'setting' });
  assert.deepEqual(chooseInterpreter({ setting: ' ', pythonExtension: '/x/python' }), { command: '/x/python', source: 'pythonExtension' });
  assert.deepEqual(chooseInterpreter({ platform: 'linux' }), { command: 'python3', source: 'path' });
  assert.deepEqual(chooseInterpreter({ platform: 'win32' }), { command: 'python', source: 'path' });
  assert.deepEqual(serverArgs(), ['-m', 'lamina', 'lsp']);
  assert.equal(expandPath('${workspaceFolder}/.venv/bin/python', '/w', '/h'), '/w/.venv/bin/python');
  assert.equal(expandPath('~/py', undefined, '/h'), '/h/py');
});

test('sync model: busy, done, failed and aws warning', () => {
  const m = new SyncModel('emulator');
  assert.match(m.view().text, /emulator · idle/);
  m.update({ function: 'Hello', target: 'emulator', state: 'uploading' });
  assert.match(m.view().text, /sync~spin.*Hello uploading/);
  m.update({ function: 'Hello', target: 'emulator', state: 'done', version: '3' });
  assert.match(m.view().text, /synced/);
  assert.match(m.view().tooltip, /Hello: done \(v3\)/);
  assert.equal(m.view().warning, false);
  m.update({ function: 'Hello', target: 'aws', state: 'failed', message: 'AccessDenied' });
  const v = m.view();
  assert.equal(v.warning, true);
  assert.equal(v.error, true);
  assert.match(v.tooltip, /AccessDenied/);
});
