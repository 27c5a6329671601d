// The MSAL.js redirect URI page (pop-up and silent flows): hands the authorization
// response back to the console window through MSAL's redirect bridge, then closes.

import { loadVendorScript } from "./auth.js";

try {
  await loadVendorScript("redirectBridge");
  await window.msalRedirectBridge.broadcastResponseToMainFrame();
} catch (error) {
  document.querySelector("main p").textContent = `Sign-in failed: ${error?.message || error}`;
}
