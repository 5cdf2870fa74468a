// Unit tests of the pure helpers (compiled to out/ by `npm run build:test`).
const test = require('node:test');
const assert = require('node:assert/strict');
const { toLaminaAttach, launchToDebugArgs, adapterAddress } = require('../out/debugConfig.js');
const { summary, formatPayload } = require('../out/format.js');
const { chooseInterpreter, serverArgs, serverArgsFrom, expandPath, installArgs } = require('../out/interpreter.js');
const { resultTree, parseStackTrace, preview, ResultHistory } = require('../out/resultsModel.js');
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

const crash = {
  ...ok,
  ok: false,
  payload: undefined,
  error: {
    errorType: 'KeyError',
    errorMessage: "'name'",
    stackTrace: [
      '  File "/w/src/app.py", line 3, in handler\n    return event["name"]\n',
      '  File "/w/src/util.py", line 9, in lookup\n    x[k]\n',
    ],
    location: { uri: 'file:///w/src/app.py', line: 3 },
  },
};

test('a successful run: title, payload preview and document, logs, REPORT figures', () => {
  const node = resultTree(ok, 7, new Date(2026, 0, 1, 10, 41, 2));
  assert.equal(node.id, 'run/7');
  assert.equal(node.label, '✓ Hello');
  assert.equal(node.description, '12.35 ms · ping · cold · 10:41:02');
  assert.deepEqual(node.children.map((c) => c.label), ['Payload', 'Logs', 'Report']);
  const [payload, logs, report] = node.children;
  assert.equal(payload.description, '{"statusCode":200}');
  assert.equal(payload.target.kind, 'document');
  assert.equal(payload.target.text, '{\n  "statusCode": 200\n}\n');
  assert.equal(logs.description, '2 lines');
  assert.equal(report.expanded, true);
  assert.equal(payload.expanded, undefined);
  assert.equal(logs.target.text, 'START\nhello\n');
  assert.deepEqual(
    report.children.map((c) => [c.label, c.description]),
    [
      ['Duration', '12.35 ms'],
      ['Billed Duration', '13 ms'],
      ['Max Memory Used', '40 MB of 128 MB'],
      ['Init Duration', '101.50 ms'],
    ],
  );
  const warm = resultTree({ ...ok, initDurationMs: null, cold: false, event: null }, 8, new Date(0));
  assert.ok(!warm.children[2].children.some((c) => c.label === 'Init Duration'));
  assert.match(warm.description, /^12\.35 ms · warm · /);
});

test('a failed run: error node links to the error line, frames link to their files', () => {
  const node = resultTree(crash, 1, new Date(0));
  assert.equal(node.label, '✗ Hello');
  assert.deepEqual(node.children.map((c) => c.label), ['KeyError', 'Logs', 'Report']);
  const error = node.children[0];
  assert.equal(error.description, "'name'");
  assert.equal(error.expanded, true);
  assert.deepEqual(error.target, { kind: 'location', uri: 'file:///w/src/app.py', line: 3 });
  assert.deepEqual(
    error.children.map((f) => [f.label, f.description, f.target.uri, f.target.line]),
    [
      ['handler', 'app.py:3', 'file:///w/src/app.py', 3],
      ['lookup', 'util.py:9', 'file:///w/src/util.py', 9],
    ],
  );
  assert.match(error.children[0].tooltip, /return event\["name"\]/);
});

test('stack traces, previews and the history', () => {
  assert.deepEqual(parseStackTrace(['not a frame', '  File "a b.py", line 12, in <module>\n']), [
    { file: 'a b.py', line: 12, name: '<module>', code: undefined },
  ]);
  assert.equal(preview('{"a": [1, 2]}'), '{"a":[1,2]}');
  assert.equal(preview(undefined), '(no payload)');
  assert.equal(preview('x'.repeat(200)).length, 80);
  const h = new ResultHistory(2);
  h.add({ ...ok, id: 'r1' });
  h.add({ ...ok, id: 'r2' });
  const newest = h.add({ ...ok, id: 'r3' });
  assert.deepEqual(h.runs.map((r) => r.result.id), ['r3', 'r2']);
  assert.ok(h.has('r2') && !h.has('r1'));
  assert.equal(h.document(newest.children[0].target.name), '{\n  "statusCode": 200\n}\n');
  assert.equal(h.document('Hello-1-payload.json'), undefined, 'dropped runs lose their documents');
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

test('server arguments can be replaced for a benchmark', () => {
  assert.deepEqual(serverArgsFrom({}), ['-m', 'lamina', 'lsp']);
  assert.deepEqual(serverArgsFrom({ LAMINA_SERVER_ARGS: '["bench/bare.py"]' }), ['bench/bare.py']);
  assert.throws(() => serverArgsFrom({ LAMINA_SERVER_ARGS: '{"a": 1}' }), /JSON array/);
});

test('install source: the setting, else the newest bundled wheel, else PyPI', () => {
  const pip = ['-m', 'pip', 'install', '--disable-pip-version-check'];
  assert.deepEqual(installArgs('lamina==0.2', ['/e/wheels/lamina-0.1.0-py3-none-any.whl']), [...pip, 'lamina==0.2']);
  assert.deepEqual(
    installArgs('', ['/e/wheels/lamina-0.1.0-py3-none-any.whl', '/e/wheels/lamina-0.2.0-py3-none-any.whl', '/e/wheels/README']),
    [...pip, '/e/wheels/lamina-0.2.0-py3-none-any.whl'],
  );
  assert.deepEqual(installArgs(undefined, []), [...pip, 'lamina']);
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

const { parseApiDescription, apiTree, isRunning, keepPath } = require('../out/apiModel.js');

const started = {
  url: 'http://127.0.0.1:3000',
  routes: [
    { routeKey: 'GET /items/{id}', url: 'http://127.0.0.1:3000/Prod/items/{id}', function: 'GetItem', api: 'ServerlessRestApi', stage: 'Prod' },
    { routeKey: 'GET /v2/items', url: 'http://127.0.0.1:3000/v2/items', function: 'ListItems', api: 'HttpApi', stage: '$default' },
    { routeKey: 'POST /items', url: 'http://127.0.0.1:3000/Prod/items', function: 'PutItem', api: 'ServerlessRestApi', stage: 'Prod' },
  ],
  functionUrls: [
    { url: 'http://127.0.0.1:3000/lambda-url/abc/', function: 'Public', authType: 'NONE' },
    { url: 'http://127.0.0.1:3000/lambda-url/def/', function: 'Private', authType: 'AWS_IAM' },
  ],
};

test('API view: routes grouped by API and stage in the server order, each with its URL', () => {
  const nodes = apiTree(parseApiDescription(started));
  assert.deepEqual(nodes.map((n) => n.label), ['ServerlessRestApi (Prod)', 'HttpApi ($default)', 'Function URLs']);
  const rest = nodes[0].children;
  assert.deepEqual(rest.map((r) => [r.label, r.description, r.url]), [
    ['GET /items/{id}', 'GetItem · http://127.0.0.1:3000/Prod/items/{id}', 'http://127.0.0.1:3000/Prod/items/{id}'],
    ['POST /items', 'PutItem · http://127.0.0.1:3000/Prod/items', 'http://127.0.0.1:3000/Prod/items'],
  ]);
  assert.equal(nodes[0].url, undefined, 'a group opens nothing');
  const urls = nodes[2].children;
  assert.deepEqual(urls.map((u) => [u.label, u.description]), [
    ['Public', 'http://127.0.0.1:3000/lambda-url/abc/'],
    ['Private', 'http://127.0.0.1:3000/lambda-url/def/ (AWS_IAM)'],
  ]);
});

test('API view: an API with no Function URLs has no such group; a bad answer is one clear error', () => {
  const nodes = apiTree(parseApiDescription({ url: 'http://127.0.0.1:3000', routes: started.routes.slice(1, 2) }));
  assert.deepEqual(nodes.map((n) => n.label), ['HttpApi ($default)']);
  assert.throws(() => parseApiDescription(null), /answered nothing/);
  assert.throws(() => parseApiDescription({ url: 'x', routes: 'no' }), /routes that is not a list/);
  assert.throws(() => parseApiDescription({ url: 'x', routes: [{ routeKey: 'GET /' }] }), /routes\[0\]\.url/);
});

test('API view: lamina/apiStatus says running only with running: true', () => {
  assert.equal(isRunning({ running: true, ...started }), true);
  assert.equal(isRunning({ running: false }), false);
  assert.equal(isRunning(null), false);
  assert.equal(isRunning({ running: 'yes' }), false);
});

test('keepPath: what a localhost rewrite dropped (code-server: /proxy/<port>/) is put back', () => {
  const route = 'http://127.0.0.1:3000/items/1?limit=2';
  assert.equal(keepPath(route, 'http://127.0.0.1:8080/proxy/3000/'), 'http://127.0.0.1:8080/proxy/3000/items/1?limit=2');
  assert.equal(keepPath('http://127.0.0.1:3000/{proxy+}', 'https://host/proxy/3000/'), 'https://host/proxy/3000/%7Bproxy+%7D');
  // A rewrite that kept them, or no rewrite at all, is left alone.
  assert.equal(keepPath(route, 'https://host/proxy/3000/items/1?limit=2'), 'https://host/proxy/3000/items/1?limit=2');
  assert.equal(keepPath(route, route), route);
  assert.equal(keepPath('http://127.0.0.1:3000/', 'https://host/proxy/3000/'), 'https://host/proxy/3000/');
});
