// Admin: before approving, the licenses an approval needs against those available (X1),
// who already has the product (no license needed), and which other product that fulfils
// the request (X2) has room when the chosen one has not. Updated as users are removed or
// added back and as the product changes.

import { clear, h, messageBar } from "../../dom.js";
import { formatNumber, t } from "../../i18n.js";
import { displayName, freeLicenses } from "../../widgets.js";

/**
 * What approving `request` with `product` would take, leaving out the `excluded` emails:
 * `holders` (users still included who already have the requested product: Microsoft 365
 * says so at submit; they need no license, for the requested product only), `needed`,
 * `available` (total - assigned - reserved) and `missing`.
 */
export function seatNeed(request, excluded, product) {
  const included = request.users.filter((u) => !excluded.has(u.email));
  const holders = product.id === request.productId ? included.filter((u) => u.outcome === "alreadyLicensed") : [];
  const needed = included.length - holders.length;
  const available = freeLicenses(product);
  return { holders, needed, available, missing: Math.max(needed - available, 0) };
}

/** Whether `product` carries its license counts (GET /api/products gives them to admins,
 * and to a product's approvers for their products). */
export function hasSeatCounts(product) {
  return typeof product.totalLicenses === "number";
}

function plural(key, count, params = {}) {
  return t(count === 1 ? `${key}One` : key, { count: formatNumber(count), ...params });
}

/**
 * The seat check of a decision form: `detail` (beside the product choice) and `summary`
 * (a line in the sticky footer, by the Approve button). `update(chosen, excluded)` redraws
 * both (`waits`: the rest go on the waitlist when short); `onChoose(product)` selects
 * another product offered in `fulfilling`.
 */
export function seatCheck(request, fulfilling, onChoose) {
  const detail = h("div", { class: "seats", id: "seat-check" });
  const summary = h("p", { class: "seats-summary", id: "seat-summary", role: "status" });

  function update(chosen, excluded, waits = false) {
    clear(detail);
    clear(summary);
    // Without license counts (an older API) there is no check to make.
    if (!chosen || !hasSeatCounts(chosen)) return;
    const need = seatNeed(request, excluded, chosen);
    if (need.holders.length) {
      detail.append(
        h(
          "div",
          { class: "seats__holders", id: "already-licensed" },
          h("p", { class: "seats__label" }, plural("seats.holders", need.holders.length, { product: chosen.name })),
          h("ul", { class: "plain-list" }, need.holders.map((u) => h("li", { dataset: { email: u.email } }, displayName(u)))),
        ),
      );
    }
    summary.classList.toggle("seats-summary--short", need.missing > 0 && !waits);
    if (need.needed === 0) {
      summary.append(t("seats.noneNeeded"));
      return;
    }
    if (!need.missing) {
      summary.append(plural("seats.enough", need.needed, { available: formatNumber(need.available) }));
      return;
    }
    if (waits) {
      // Who fits is assigned now, the rest queue: not a shortfall that blocks the approval.
      summary.append(plural("seats.waitlist", need.missing, { available: formatNumber(need.available) }));
      return;
    }
    summary.append(plural("seats.short", need.missing, { needed: formatNumber(need.needed), available: formatNumber(need.available) }));
    // Another product that fulfils the request and has room for everyone still included.
    const roomy = fulfilling.filter((p) => p.id !== chosen.id && seatNeed(request, excluded, p).missing === 0);
    const parts = [
      h("p", {}, plural("seats.shortDetail", need.missing, { product: chosen.name, needed: formatNumber(need.needed), available: formatNumber(need.available) })),
    ];
    if (roomy.length) {
      for (const product of roomy) {
        const use = h("button", { type: "button", class: "btn btn--secondary btn--small", dataset: { product: product.id } }, t("seats.use", { product: product.name }));
        use.addEventListener("click", () => onChoose(product));
        parts.push(h("p", { class: "seats__alternative" }, plural("seats.alternative", freeLicenses(product), { product: product.name }), " ", use));
      }
    } else {
      parts.push(h("p", {}, plural("seats.remove", need.missing)));
    }
    const bar = messageBar("warning", ...parts);
    bar.id = "seat-warning";
    // Updated as the admin edits the form: a polite status, not an alert each time.
    bar.setAttribute("role", "status");
    detail.append(bar);
  }

  return { detail, summary, update };
}
