// The HTTP API client: bearer token, JSON, RFC 9457 problems as ApiError.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || (status === 0 ? "network" : "unknown");
    /** Seconds to wait before trying again (a 503's Retry-After), else null. */
    this.retryAfter = null;
  }
}

/** The API root: the console lives at <root>/console/, the API at <root>/. */
export const API_ROOT = new URL("../", document.baseURI).pathname.replace(/\/$/, "");

export class Api {
  /** @param {() => Promise<string>} getToken  @param {() => void} onUnauthorized */
  constructor(getToken, onUnauthorized) {
    this.getToken = getToken;
    this.onUnauthorized = onUnauthorized;
  }

  async call(method, path, body) {
    const response = await this.send(method, path, body, "application/json");
    return { status: response.status, data: await jsonOf(response) };
  }

  /**
   * GET `path` as a file (the CSV export): `{ blob, filename }`, the name from
   * Content-Disposition (null when none). The token goes in the Authorization header, as
   * for every call: a plain link could not carry it.
   */
  async download(path) {
    const response = await this.send("GET", path, undefined, "text/csv, application/problem+json");
    const disposition = response.headers.get("Content-Disposition") || "";
    const named = /filename="?([^";]+)"?/i.exec(disposition);
    return { blob: await response.blob(), filename: named ? named[1] : null };
  }

  /** The response to `method path`; an ApiError for a network failure or a problem. */
  async send(method, path, body, accept) {
    const headers = { Accept: accept };
    const token = this.getToken ? await this.getToken() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(API_ROOT + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch {
      throw new ApiError(0, { code: "network" });
    }
    if (!response.ok) {
      const error = new ApiError(response.status, await jsonOf(response));
      const retryAfter = Number.parseInt(response.headers.get("Retry-After") || "", 10);
      if (retryAfter > 0) error.retryAfter = retryAfter;
      if (response.status === 401 && this.onUnauthorized) this.onUnauthorized(error);
      throw error;
    }
    return response;
  }

  async get(path) {
    return (await this.call("GET", path)).data;
  }

  async put(path, body) {
    return (await this.call("PUT", path, body)).data;
  }

  post(path, body) {
    return this.call("POST", path, body ?? {});
  }

  async delete(path) {
    return (await this.call("DELETE", path)).data;
  }
}

/** A response's JSON body, null when it has none or it is not JSON. */
async function jsonOf(response) {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** A POST without a token (the dev sign-in). */
export async function postAnonymous(path, body) {
  return new Api(null, null).post(path, body);
}
