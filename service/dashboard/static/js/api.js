// The public API, called with the bearer token kept in this tab's session storage.

const TOKEN_KEY = "survey.dashboard.token";

export class ApiError extends Error {
  constructor(status, title, detail, problem = {}) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    this.problem = problem; // the problem+json body, with its extension members
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
  if (!response.ok) {
    let body = {};
    try {
      body = await response.json();
    } catch {
      // not problem+json (a proxy's page, say): keep the status alone
    }
    throw new ApiError(response.status, body.title, body.detail, body);
  }
  return response;
}

export const getJson = async (path, params) => (await get(path, params, "application/json")).json();

/** A file the API exports (CSV, XLSX), as a Blob. */
export const getBlob = async (path, params) => (await get(path, params, "*/*")).blob();
