// The public API, called with the bearer token kept in this tab's session storage.

const TOKEN_KEY = "survey.dashboard.token";

export class ApiError extends Error {
  constructor(status, title, detail, problem = {}) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    this.problem = problem; // the problem+json body, with its extension members
    this.errors = problem.errors || null; // a problem's field paths → messages
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

function url(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") query.set(name, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** GET with the token; an error status becomes an ApiError with its problem detail. */
async function get(path, params, accept) {
  const response = await fetch(url(path, params), {
    headers: { Accept: accept, Authorization: `Bearer ${token.get()}` },
    cache: "no-store",
  });
  await failed(response);
  return response;
}

/** Throw an ApiError for an error status, with the problem's title, detail and errors. */
async function failed(response) {
  if (!response.ok) {
    let body = {};
    try {
      body = await response.json();
    } catch {
      // not problem+json (a proxy's page, say): keep the status alone
    }
    throw new ApiError(response.status, body.title, body.detail, body);
  }
}

export const getJson = async (path, params) => (await get(path, params, "application/json")).json();

/** GET JSON with the response's ETag (a submission's version, for If-Match). */
export async function getWithEtag(path) {
  const response = await get(path, {}, "application/json");
  return { body: await response.json(), etag: response.headers.get("ETag") };
}

/** A file the API exports (CSV, XLSX), as a Blob. */
export const getBlob = async (path, params) => (await get(path, params, "*/*")).blob();

/**
 * A write: `body` is an object (sent as JSON) or a File/Blob sent as it is with `contentType`;
 * `ifMatch` guards a correction against a stale version. Answers {body, etag} (body null for 204).
 */
export async function send(method, path, { body, contentType, ifMatch } = {}) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${token.get()}` };
  const isFile = body instanceof Blob;
  if (body !== undefined) headers["Content-Type"] = isFile ? contentType : "application/json";
  if (ifMatch) headers["If-Match"] = ifMatch;
  const response = await fetch(path, {
    method, headers, cache: "no-store", body: body === undefined || isFile ? body : JSON.stringify(body),
  });
  await failed(response);
  const text = response.status === 204 ? "" : await response.text();
  return { body: text ? JSON.parse(text) : null, etag: response.headers.get("ETag") };
}
