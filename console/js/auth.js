// Sign-in: dev tokens from POST /api/dev/token (AUTH_MODE=dev), or MSAL.js with PKCE
// against Microsoft Entra ID (AUTH_MODE=entra), loaded from console/vendor/ on demand.

import { postAnonymous } from "./api.js";

// The directory roles that manage license requests (R5), by their `wids` template id.
const ADMIN_ROLES = {
  "62e90394-69f5-4237-9190-012177145e10": "global",
  "4d6ac14f-3453-41d0-bef9-a3e0c569773a": "license",
  "fe930be7-5e62-47db-91af-98c3a49a38b1": "user",
};
const DEV_TOKEN_KEY = "licenseRequests.devToken";

/** The console's sign-in configuration, served by the app from its settings. */
export async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return response.json();
}

/** A JWT's payload (not verified: the API verifies; the console only reads who it is). */
export function claimsOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

/**
 * Who a token names, and the admin role it carries (`adminRole`: global, license, user or
 * null; Global first). `isAdmin` is a first guess from the token: the tenant may narrow
 * the roles, and a product's approvers hold none, so the console asks the API after
 * signing in (app.js) and sets `isAdmin`, `isApprover` and `canReview` from its answer.
 */
export function userFromToken(token) {
  const claims = claimsOf(token);
  const email = claims.preferred_username || claims.upn || claims.email || "";
  const wids = Array.isArray(claims.wids) ? claims.wids : [];
  const roles = Object.entries(ADMIN_ROLES).filter(([id]) => wids.includes(id)).map(([, role]) => role);
  const adminRole = roles[0] || null;
  return {
    name: claims.name || email,
    email,
    tenant: claims.tid || "",
    adminRole,
    isAdmin: Boolean(adminRole),
    isApprover: false,
    canReview: Boolean(adminRole),
    expiresAt: typeof claims.exp === "number" ? claims.exp * 1000 : null,
  };
}

function expired(user) {
  return user.expiresAt !== null && user.expiresAt <= Date.now() + 30_000;
}

export class DevAuth {
  mode = "dev";

  async restore() {
    const token = sessionStorage.getItem(DEV_TOKEN_KEY);
    if (!token) return null;
    const user = userFromToken(token);
    if (expired(user)) {
      sessionStorage.removeItem(DEV_TOKEN_KEY);
      return null;
    }
    return user;
  }

  async signIn({ tenant, email, name, admin }) {
    const body = { tenant, email, admin: Boolean(admin) };
    if (name) body.name = name;
    const { data } = await postAnonymous("/dev/token", body);
    sessionStorage.setItem(DEV_TOKEN_KEY, data.token);
    return userFromToken(data.token);
  }

  async token() {
    return sessionStorage.getItem(DEV_TOKEN_KEY);
  }

  async signOut() {
    sessionStorage.removeItem(DEV_TOKEN_KEY);
  }
}

function hexToBase64(hex) {
  const bytes = hex.match(/../g).map((b) => String.fromCharCode(parseInt(b, 16)));
  return btoa(bytes.join(""));
}

/** Loads a vendored script (same origin, with Subresource Integrity from the manifest). */
export async function loadVendorScript(key) {
  const response = await fetch("vendor/manifest.json", { cache: "no-cache" });
  const manifest = await response.json();
  const entry = manifest.files[key];
  await new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = `vendor/${entry.file}`;
    script.integrity = `sha256-${hexToBase64(entry.sha256)}`;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${entry.file}`));
    document.head.append(script);
  });
}

export class EntraAuth {
  mode = "entra";

  constructor(config) {
    this.config = config;
    this.scopes = config.scopes;
    this.pca = null;
  }

  get configured() {
    return Boolean(this.config.clientId);
  }

  async init() {
    if (this.pca || !this.configured) return;
    await loadVendorScript("msal");
    const msal = window.msal;
    this.pca = new msal.PublicClientApplication({
      auth: {
        clientId: this.config.clientId,
        authority: this.config.authority,
        redirectUri: new URL(this.config.redirectPath, document.baseURI).href,
        postLogoutRedirectUri: new URL("./", document.baseURI).href,
      },
      cache: { cacheLocation: "sessionStorage" },
    });
    await this.pca.initialize();
  }

  account() {
    return this.pca?.getActiveAccount() || this.pca?.getAllAccounts()[0] || null;
  }

  async restore() {
    if (!this.configured) return null;
    await this.init();
    const account = this.account();
    if (!account) return null;
    this.pca.setActiveAccount(account);
    try {
      return userFromToken(await this.token());
    } catch {
      return null;
    }
  }

  async signIn() {
    await this.init();
    const result = await this.pca.loginPopup({ scopes: this.scopes, prompt: "select_account" });
    this.pca.setActiveAccount(result.account);
    const token = result.accessToken || (await this.token());
    return userFromToken(token);
  }

  /** An access token for the API: from MSAL's cache, refreshed silently, else a pop-up. */
  async token() {
    const account = this.account();
    if (!account) return null;
    try {
      const result = await this.pca.acquireTokenSilent({ scopes: this.scopes, account });
      return result.accessToken;
    } catch (error) {
      if (error instanceof window.msal.InteractionRequiredAuthError) {
        const result = await this.pca.acquireTokenPopup({ scopes: this.scopes, account });
        return result.accessToken;
      }
      throw error;
    }
  }

  async signOut() {
    const account = this.account();
    if (this.pca && account) await this.pca.clearCache({ account });
  }
}

export function createAuth(config) {
  return config.authMode === "entra" ? new EntraAuth(config) : new DevAuth();
}
