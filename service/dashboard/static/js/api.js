// The public API, called with the bearer token kept in this tab's session storage.

const TOKEN_KEY = "survey.dashboard.token";

export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
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

async function request(path, params, accept, bearer) {
  const response = await fetch(url(path, params), {
    headers: { Accept: accept, Authorization: `Bearer ${bearer ?? token.get()}` },
    cache: "no-store",
  });
  if (!response.ok) {
    let body = {};
    try {
      body = await response.json();
    } catch {
      // not problem+json (a proxy's page, say): keep the status alone
    }
    throw new ApiError(response.status, body.title, body.detail);
  }
  return response;
}

export async function getJson(path, params, bearer) {
  return (await request(path, params, "application/json", bearer)).json();
}

export async function getBlob(path, params, accept) {
  const response = await request(path, params, accept);
  return { blob: await response.blob(), type: response.headers.get("Content-Type") || "" };
}
