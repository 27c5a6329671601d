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
    const headers = { Accept: "application/json" };
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
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const error = new ApiError(response.status, data);
      const retryAfter = Number.parseInt(response.headers.get("Retry-After") || "", 10);
      if (retryAfter > 0) error.retryAfter = retryAfter;
      if (response.status === 401 && this.onUnauthorized) this.onUnauthorized(error);
      throw error;
    }
    return { status: response.status, data };
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

/** A POST without a token (the dev sign-in). */
export async function postAnonymous(path, body) {
  return new Api(null, null).post(path, body);
}
