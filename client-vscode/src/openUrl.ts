// Opens an http(s) URL (an API route, a Function URL) in the user's browser.
//
// In a web workbench (code-server), `openExternal` rewrites a localhost URL to the workbench's own
// port proxy, and code-server (4.100 here, up to the fix of coder/code-server#7668) drops the
// URL's path and query in that rewrite: a route's lens opened the API's root, where the
// gateway answers 404. So the URL is resolved first (`asExternalUri`, the same rewrite), what
// the rewrite dropped is put back, and the result, now on the workbench's own host, is opened
// as it is. In desktop VS Code, `asExternalUri` leaves a local URL alone (or forwards the port
// and keeps the path, over a remote), so nothing changes there.
import * as vscode from 'vscode';
import { keepPath } from './apiModel';

export async function openInBrowser(url: string): Promise<boolean> {
  const uri = vscode.Uri.parse(url);
  if (uri.scheme !== 'http' && uri.scheme !== 'https') {
    return vscode.env.openExternal(uri);
  }
  let external: vscode.Uri;
  try {
    external = await vscode.env.asExternalUri(uri);
  } catch {
    return vscode.env.openExternal(uri); // no resolver: as VS Code itself would open it
  }
  return vscode.env.openExternal(vscode.Uri.parse(keepPath(url, external.toString(true))));
}
