// The API view's model: what `lamina.startApi` answers, as tree nodes (no vscode import, so
// node --test can load it).

export interface ApiRoute {
  routeKey: string;
  url: string;
  function: string;
  api: string;
  stage: string;
}

export interface ApiFunctionUrl {
  url: string;
  function: string;
  authType: string;
}

export interface ApiDescription {
  url: string;
  routes: ApiRoute[];
  functionUrls: ApiFunctionUrl[];
}

export interface ApiNode {
  label: string;
  description?: string;
  tooltip?: string;
  url?: string; // set on a route or Function URL: opening the node opens it
  children?: ApiNode[];
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string') {
    throw new Error(`lamina.startApi answered without ${where}`);
  }
  return value;
}

function list(value: unknown, where: string): Record<string, unknown>[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw new Error(`lamina.startApi answered ${where} that is not a list`);
  }
  return value as Record<string, unknown>[];
}

/** The server's answer, checked: a wrong shape is one clear error, not an empty view. */
export function parseApiDescription(value: unknown): ApiDescription {
  if (typeof value !== 'object' || value === null) {
    throw new Error('lamina.startApi answered nothing');
  }
  const v = value as Record<string, unknown>;
  return {
    url: text(v.url, 'url'),
    routes: list(v.routes, 'routes').map((r, i) => ({
      routeKey: text(r.routeKey, `routes[${i}].routeKey`),
      url: text(r.url, `routes[${i}].url`),
      function: text(r.function, `routes[${i}].function`),
      api: text(r.api, `routes[${i}].api`),
      stage: typeof r.stage === 'string' ? r.stage : '',
    })),
    functionUrls: list(v.functionUrls, 'functionUrls').map((u, i) => ({
      url: text(u.url, `functionUrls[${i}].url`),
      function: text(u.function, `functionUrls[${i}].function`),
      authType: typeof u.authType === 'string' ? u.authType : 'NONE',
    })),
  };
}

/** One node per API (and stage) with its routes under it, in the server's order, then the
 * Function URLs. A route shows its key, then the function it runs and its URL (visible in the
 * row, not only in the tooltip: the URL is what a user wants to see and open). */
export function apiTree(api: ApiDescription): ApiNode[] {
  const groups = new Map<string, ApiNode>();
  for (const route of api.routes) {
    const key = route.stage ? `${route.api} (${route.stage})` : route.api;
    let group = groups.get(key);
    if (!group) {
      group = { label: key, children: [] };
      groups.set(key, group);
    }
    group.children!.push({
      label: route.routeKey,
      description: `${route.function} · ${route.url}`,
      tooltip: `${route.routeKey} → ${route.function}\n${route.url}`,
      url: route.url,
    });
  }
  const nodes = [...groups.values()];
  if (api.functionUrls.length) {
    nodes.push({
      label: 'Function URLs',
      children: api.functionUrls.map((u) => ({
        label: u.function,
        description: u.authType === 'NONE' ? u.url : `${u.url} (${u.authType})`,
        tooltip: `${u.function} (AuthType ${u.authType})\n${u.url}`,
        url: u.url,
      })),
    });
  }
  return nodes;
}

/** Whether a lamina/apiStatus notification says the API runs. */
export function isRunning(status: unknown): boolean {
  return typeof status === 'object' && status !== null && (status as { running?: unknown }).running === true;
}

/** `external` (what asExternalUri made of `original`) with the path, query and fragment of
 * `original` put back where the rewrite dropped them (coder/code-server#7668: `/proxy/3000/` for
 * `http://127.0.0.1:3000/items/1?x=1`). An external URL that kept them comes back as it is. */
export function keepPath(original: string, external: string): string {
  const from = new URL(original);
  const to = new URL(external);
  if (from.pathname !== '/' && !to.pathname.endsWith(from.pathname)) {
    to.pathname = to.pathname.replace(/\/$/, '') + from.pathname;
  }
  to.search = to.search || from.search;
  to.hash = to.hash || from.hash;
  return to.href === new URL(external).href ? external : to.href;
}
