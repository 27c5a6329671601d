// English and Korean strings; `t(key, params)` fills {name} placeholders.

const STRINGS = {
  en: {
    "app.title": "Licence requests",
    "lang.label": "Language",
    "nav.label": "Main",
    "nav.requests": "Requests",
    "nav.products": "Products",
    "nav.request": "Request a licence",
    "nav.my": "My requests",
    "signout": "Sign out",
    "signedInAs": "Signed in as {name}",
    "role.admin": "Global admin",
    "loading": "Loading…",
    "close": "Close",
    "cancel": "Cancel",
    "save": "Save",
    "remove": "Remove",
    "retry": "Try again",

    "signin.title": "Sign in",
    "signin.intro": "Sign in to request licences or, as a Global admin, to review requests.",
    "signin.devNote": "Development sign-in: the local app issues a test token (AUTH_MODE=dev). Never used in production.",
    "signin.tenant": "Organisation (tenant)",
    "signin.email": "Email",
    "signin.name": "Display name (optional)",
    "signin.admin": "Global admin",
    "signin.submit": "Sign in",
    "signin.microsoft": "Sign in with Microsoft",
    "signin.entraNote": "You sign in with your work account in a pop-up window.",
    "signin.notConfigured": "The console is not configured for sign-in: set CONSOLE_CLIENT_ID in the app settings.",
    "signin.popupBlocked": "The sign-in window was blocked. Allow pop-ups for this site and try again.",
    "signin.failed": "Sign-in failed: {detail}",
    "signin.expired": "Your session has ended. Sign in again.",

    "status.pending": "Pending",
    "status.approved": "Approved",
    "status.denied": "Not approved",
    "outcome.pending": "Pending",
    "outcome.assigned": "Licence assigned",
    "outcome.alreadyLicensed": "Already licensed",
    "outcome.notAssigned": "Not assigned",

    "requests.title": "Requests",
    "requests.intro": "Review requests from people in your organisation for products whose self-service purchase is blocked.",
    "requests.filter": "Show",
    "requests.filter.pending": "Pending",
    "requests.filter.completed": "Completed",
    "requests.filter.all": "All",
    "requests.caption": "Licence requests",
    "requests.col.product": "Product",
    "requests.col.requester": "Requested by",
    "requests.col.date": "Date requested",
    "requests.col.users": "Users",
    "requests.col.status": "Status",
    "requests.empty.pending": "No pending requests.",
    "requests.empty.completed": "No completed requests in the last 30 days.",
    "requests.empty.all": "No requests in the last 30 days.",
    "requests.more": "Load more",
    "requests.ownProcessLink": "Use your own request process",
    "requests.banner": "Users are sent to your organisation's request process. Requests made before you turned it on stay here until you approve or deny them.",
    "requests.bannerEdit": "Change request process",
    "requests.refresh": "Refresh",

    "detail.label": "Request details",
    "detail.requestedBy": "Requested by {name} ({email})",
    "detail.requestedOn": "Requested on {date}",
    "detail.justification": "Justification",
    "detail.users": "Users",
    "detail.usersHelp": "Select × to move a user to the list of users who don't get a licence.",
    "detail.excludeUser": "Don't assign to {name}",
    "detail.excluded": "Do not assign to these users",
    "detail.includeUser": "Add back {name}",
    "detail.addBack": "Add back",
    "detail.noneExcluded": "Everyone in the request gets a licence.",
    "detail.noUsersLeft": "Every user has been removed. Add someone back, or don't approve the request.",
    "detail.selectProduct": "Select a product",
    "detail.selectProductHelp": "These products include every app and service of {product}.",
    "detail.available": "{count} licences available",
    "detail.availableOne": "{count} licence available",
    "detail.licensesFree": "{product}: {count} licences available",
    "detail.licensesFreeOne": "{product}: {count} licence available",
    "detail.apps": "Apps and services",
    "detail.appsHelp": "Clear an app to turn it off for these users.",
    "detail.noApps": "This product has no separate apps or services.",
    "detail.message": "Message to users (optional)",
    "detail.messageHelp": "Included in the email everyone in the request receives.",
    "detail.approve": "Approve",
    "detail.deny": "Don't approve",
    "detail.working": "Saving…",
    "detail.decided": "Decision",
    "detail.decidedBy": "{action} by {name} on {date}",
    "detail.action.approve": "Approved",
    "detail.action.deny": "Not approved",
    "detail.assignedProduct": "Product assigned",
    "detail.disabledApps": "Apps and services turned off",
    "detail.adminMessage": "Message",
    "detail.notFound": "This request no longer exists. Requests are kept for 30 days.",
    "detail.approved": "Request approved. Everyone in it will get an email.",
    "detail.denied": "Request not approved. Everyone in it will get an email.",

    "confirm.title": "Don't approve this request?",
    "confirm.body": "The {count} users in this request won't get {product}. They'll get an email saying the request wasn't approved.",
    "confirm.bodyOne": "{name} won't get {product}. They'll get an email saying the request wasn't approved.",
    "confirm.deny": "Don't approve",

    "error.insufficient_licenses": "Not enough licences for {product}: {available} available, this approval needs {needed} ({missing} missing). Buy more licences or remove users.",
    "error.already_decided": "Someone already decided this request. The details below show the decision.",
    "error.no_users_left": "Every user was removed. Add someone back, or don't approve the request.",
    "error.own_request_process": "Your organisation uses its own request process.",
    "error.network": "The app could not be reached. Check your connection and try again.",
    "error.generic": "Something went wrong: {detail}",
    "error.forbidden": "Only Global admins can do this.",

    "process.title": "Use your own request process",
    "process.intro": "When you turn this on, people who try to request a licence see your message and link instead, and no request is created. Requests made before stay in the list until you approve or deny them.",
    "process.use": "Use your own request process",
    "process.message": "Message to users",
    "process.messageHelp": "Required while the setting is on. Up to 1000 characters.",
    "process.url": "Documentation link (optional)",
    "process.urlHelp": "An http or https address, for example your service desk's page.",
    "process.notify": "Email these admins about new requests (optional)",
    "process.notifyHelp": "Email addresses separated by commas.",
    "process.saved": "Request process saved.",
    "process.updated": "Last changed by {name} on {date}",

    "products.title": "Products",
    "products.intro": "Licences your organisation owns and whether people can buy them themselves.",
    "products.caption": "Products and licences",
    "products.col.product": "Product",
    "products.col.total": "Licences",
    "products.col.assigned": "Assigned",
    "products.col.available": "Available",
    "products.col.selfService": "Self-service purchase",
    "products.col.actions": "Actions",
    "products.allowed": "Allowed",
    "products.blocked": "Blocked",
    "products.edit": "Edit",
    "products.editLabel": "Edit {name}",
    "products.editTitle": "Edit {name}",
    "products.name": "Product name",
    "products.total": "Total licences",
    "products.totalHelp": "At least {assigned}, the number already assigned.",
    "products.selfService": "Self-service purchase",
    "products.apps": "Apps and services",
    "products.saved": "{name} saved.",
    "products.empty": "Your organisation has no products yet.",

    "request.title": "Request a licence",
    "request.intro": "Ask for a licence to a product your organisation doesn't let you buy yourself. An admin reviews each request.",
    "request.caption": "Products you can request",
    "request.col.product": "Product",
    "request.col.apps": "Apps and services",
    "request.col.action": "Action",
    "request.choose": "Request",
    "request.chooseLabel": "Request {name}",
    "request.selfService": "You can buy this yourself",
    "request.formTitle": "Request {name}",
    "request.youIncluded": "You're included in this request.",
    "request.others": "Other users who need this product (optional)",
    "request.otherEmail": "Email address",
    "request.addUser": "Add user",
    "request.removeUser": "Remove {email}",
    "request.justification": "Why do you need it? (optional)",
    "request.submit": "Send request",
    "request.back": "Back to products",
    "request.sent": "Request sent. You'll get an email when an admin decides.",
    "request.existing": "You already have a pending request for this product.",
    "request.invalidEmail": "Enter a valid email address.",
    "request.duplicateEmail": "{email} is already in the list.",
    "request.ownProcess": "Your organisation uses its own request process",
    "request.ownProcessLink": "Go to your organisation's request process",
    "request.empty": "There are no products to request.",

    "my.title": "My requests",
    "my.intro": "Requests you made in the last 30 days and what happened to each user.",
    "my.caption": "Your licence requests",
    "my.col.product": "Product",
    "my.col.date": "Date requested",
    "my.col.status": "Status",
    "my.col.users": "Users and outcomes",
    "my.col.message": "Message from your admin",
    "my.empty": "You haven't requested any licences in the last 30 days.",
  },
  ko: {
    "app.title": "라이선스 요청",
    "lang.label": "언어",
    "nav.label": "주 메뉴",
    "nav.requests": "요청",
    "nav.products": "제품",
    "nav.request": "라이선스 요청하기",
    "nav.my": "내 요청",
    "signout": "로그아웃",
    "signedInAs": "{name}(으)로 로그인됨",
    "role.admin": "전역 관리자",
    "loading": "불러오는 중…",
    "close": "닫기",
    "cancel": "취소",
    "save": "저장",
    "remove": "제거",
    "retry": "다시 시도",

    "signin.title": "로그인",
    "signin.intro": "라이선스를 요청하려면 로그인하세요. 전역 관리자는 요청을 검토할 수 있습니다.",
    "signin.devNote": "개발용 로그인: 로컬 앱이 테스트 토큰을 발급합니다(AUTH_MODE=dev). 운영 환경에서는 사용되지 않습니다.",
    "signin.tenant": "조직(테넌트)",
    "signin.email": "전자 메일",
    "signin.name": "표시 이름(선택 사항)",
    "signin.admin": "전역 관리자",
    "signin.submit": "로그인",
    "signin.microsoft": "Microsoft로 로그인",
    "signin.entraNote": "팝업 창에서 회사 계정으로 로그인합니다.",
    "signin.notConfigured": "콘솔의 로그인이 구성되지 않았습니다. 앱 설정에서 CONSOLE_CLIENT_ID를 설정하세요.",
    "signin.popupBlocked": "로그인 창이 차단되었습니다. 이 사이트의 팝업을 허용하고 다시 시도하세요.",
    "signin.failed": "로그인하지 못했습니다: {detail}",
    "signin.expired": "세션이 종료되었습니다. 다시 로그인하세요.",

    "status.pending": "보류 중",
    "status.approved": "승인됨",
    "status.denied": "승인되지 않음",
    "outcome.pending": "보류 중",
    "outcome.assigned": "라이선스 할당됨",
    "outcome.alreadyLicensed": "이미 라이선스 있음",
    "outcome.notAssigned": "할당되지 않음",

    "requests.title": "요청",
    "requests.intro": "셀프 서비스 구매가 차단된 제품에 대해 조직 사용자가 보낸 요청을 검토합니다.",
    "requests.filter": "표시",
    "requests.filter.pending": "보류 중",
    "requests.filter.completed": "완료됨",
    "requests.filter.all": "모두",
    "requests.caption": "라이선스 요청",
    "requests.col.product": "제품",
    "requests.col.requester": "요청한 사람",
    "requests.col.date": "요청 날짜",
    "requests.col.users": "사용자",
    "requests.col.status": "상태",
    "requests.empty.pending": "보류 중인 요청이 없습니다.",
    "requests.empty.completed": "지난 30일 동안 완료된 요청이 없습니다.",
    "requests.empty.all": "지난 30일 동안 요청이 없습니다.",
    "requests.more": "더 보기",
    "requests.ownProcessLink": "자체 요청 프로세스 사용",
    "requests.banner": "사용자가 조직의 자체 요청 프로세스로 안내됩니다. 이 설정을 켜기 전에 만든 요청은 승인하거나 거부할 때까지 여기에 남아 있습니다.",
    "requests.bannerEdit": "요청 프로세스 변경",
    "requests.refresh": "새로 고침",

    "detail.label": "요청 세부 정보",
    "detail.requestedBy": "요청한 사람: {name}({email})",
    "detail.requestedOn": "요청 날짜: {date}",
    "detail.justification": "요청 사유",
    "detail.users": "사용자",
    "detail.usersHelp": "×를 선택하면 라이선스를 받지 않을 사용자 목록으로 이동합니다.",
    "detail.excludeUser": "{name}에게 할당하지 않음",
    "detail.excluded": "다음 사용자에게 할당 안 함",
    "detail.includeUser": "{name} 다시 추가",
    "detail.addBack": "다시 추가",
    "detail.noneExcluded": "요청에 포함된 모든 사용자가 라이선스를 받습니다.",
    "detail.noUsersLeft": "모든 사용자가 제거되었습니다. 사용자를 다시 추가하거나 요청을 승인하지 마세요.",
    "detail.selectProduct": "제품 선택",
    "detail.selectProductHelp": "다음 제품에는 {product}의 모든 앱과 서비스가 포함되어 있습니다.",
    "detail.available": "사용 가능한 라이선스 {count}개",
    "detail.availableOne": "사용 가능한 라이선스 {count}개",
    "detail.licensesFree": "{product}: 사용 가능한 라이선스 {count}개",
    "detail.licensesFreeOne": "{product}: 사용 가능한 라이선스 {count}개",
    "detail.apps": "앱 및 서비스",
    "detail.appsHelp": "선택을 취소한 앱은 이 사용자들에게 꺼집니다.",
    "detail.noApps": "이 제품에는 별도의 앱이나 서비스가 없습니다.",
    "detail.message": "사용자에게 보낼 메시지(선택 사항)",
    "detail.messageHelp": "요청에 포함된 모든 사용자가 받는 전자 메일에 포함됩니다.",
    "detail.approve": "승인",
    "detail.deny": "승인 안 함",
    "detail.working": "저장하는 중…",
    "detail.decided": "결정",
    "detail.decidedBy": "{date}에 {name}님이 {action}",
    "detail.action.approve": "승인함",
    "detail.action.deny": "승인하지 않음",
    "detail.assignedProduct": "할당된 제품",
    "detail.disabledApps": "꺼진 앱 및 서비스",
    "detail.adminMessage": "메시지",
    "detail.notFound": "이 요청은 더 이상 없습니다. 요청은 30일 동안 보관됩니다.",
    "detail.approved": "요청을 승인했습니다. 요청에 포함된 모든 사용자에게 전자 메일이 전송됩니다.",
    "detail.denied": "요청을 승인하지 않았습니다. 요청에 포함된 모든 사용자에게 전자 메일이 전송됩니다.",

    "confirm.title": "이 요청을 승인하지 않으시겠습니까?",
    "confirm.body": "이 요청의 사용자 {count}명은 {product}을(를) 받지 못합니다. 요청이 승인되지 않았다는 전자 메일을 받게 됩니다.",
    "confirm.bodyOne": "{name}님은 {product}을(를) 받지 못합니다. 요청이 승인되지 않았다는 전자 메일을 받게 됩니다.",
    "confirm.deny": "승인 안 함",

    "error.insufficient_licenses": "{product} 라이선스가 부족합니다: 사용 가능 {available}개, 이 승인에 필요 {needed}개. {missing}개가 더 필요합니다. 라이선스를 더 구매하거나 사용자를 제거하세요.",
    "error.already_decided": "다른 사람이 이미 이 요청을 결정했습니다. 아래 세부 정보에 결정 내용이 표시됩니다.",
    "error.no_users_left": "모든 사용자가 제거되었습니다. 사용자를 다시 추가하거나 요청을 승인하지 마세요.",
    "error.own_request_process": "조직에서 자체 요청 프로세스를 사용합니다.",
    "error.network": "앱에 연결할 수 없습니다. 연결을 확인하고 다시 시도하세요.",
    "error.generic": "문제가 발생했습니다: {detail}",
    "error.forbidden": "전역 관리자만 이 작업을 할 수 있습니다.",

    "process.title": "자체 요청 프로세스 사용",
    "process.intro": "이 설정을 켜면 라이선스를 요청하려는 사용자에게 요청 대신 메시지와 링크가 표시되며 요청이 만들어지지 않습니다. 이전에 만든 요청은 승인하거나 거부할 때까지 목록에 남아 있습니다.",
    "process.use": "자체 요청 프로세스 사용",
    "process.message": "사용자에게 표시할 메시지",
    "process.messageHelp": "설정이 켜져 있는 동안 필수입니다. 최대 1000자.",
    "process.url": "설명서 링크(선택 사항)",
    "process.urlHelp": "http 또는 https 주소(예: 서비스 데스크 페이지).",
    "process.notify": "새 요청을 전자 메일로 알릴 관리자(선택 사항)",
    "process.notifyHelp": "쉼표로 구분한 전자 메일 주소.",
    "process.saved": "요청 프로세스를 저장했습니다.",
    "process.updated": "{date}에 {name}님이 마지막으로 변경함",

    "products.title": "제품",
    "products.intro": "조직이 보유한 라이선스와 사용자가 직접 구매할 수 있는지 여부입니다.",
    "products.caption": "제품 및 라이선스",
    "products.col.product": "제품",
    "products.col.total": "라이선스",
    "products.col.assigned": "할당됨",
    "products.col.available": "사용 가능",
    "products.col.selfService": "셀프 서비스 구매",
    "products.col.actions": "작업",
    "products.allowed": "허용됨",
    "products.blocked": "차단됨",
    "products.edit": "편집",
    "products.editLabel": "{name} 편집",
    "products.editTitle": "{name} 편집",
    "products.name": "제품 이름",
    "products.total": "총 라이선스",
    "products.totalHelp": "이미 할당된 수({assigned}) 이상이어야 합니다.",
    "products.selfService": "셀프 서비스 구매",
    "products.apps": "앱 및 서비스",
    "products.saved": "{name}을(를) 저장했습니다.",
    "products.empty": "조직에 아직 제품이 없습니다.",

    "request.title": "라이선스 요청하기",
    "request.intro": "조직에서 직접 구매를 허용하지 않는 제품의 라이선스를 요청합니다. 관리자가 각 요청을 검토합니다.",
    "request.caption": "요청할 수 있는 제품",
    "request.col.product": "제품",
    "request.col.apps": "앱 및 서비스",
    "request.col.action": "작업",
    "request.choose": "요청",
    "request.chooseLabel": "{name} 요청",
    "request.selfService": "직접 구매할 수 있습니다",
    "request.formTitle": "{name} 요청",
    "request.youIncluded": "이 요청에는 본인이 포함됩니다.",
    "request.others": "이 제품이 필요한 다른 사용자(선택 사항)",
    "request.otherEmail": "전자 메일 주소",
    "request.addUser": "사용자 추가",
    "request.removeUser": "{email} 제거",
    "request.justification": "필요한 이유(선택 사항)",
    "request.submit": "요청 보내기",
    "request.back": "제품 목록으로 돌아가기",
    "request.sent": "요청을 보냈습니다. 관리자가 결정하면 전자 메일을 받게 됩니다.",
    "request.existing": "이 제품에 대해 보류 중인 요청이 이미 있습니다.",
    "request.invalidEmail": "올바른 전자 메일 주소를 입력하세요.",
    "request.duplicateEmail": "{email}은(는) 이미 목록에 있습니다.",
    "request.ownProcess": "조직에서 자체 요청 프로세스를 사용합니다",
    "request.ownProcessLink": "조직의 요청 프로세스로 이동",
    "request.empty": "요청할 수 있는 제품이 없습니다.",

    "my.title": "내 요청",
    "my.intro": "지난 30일 동안 보낸 요청과 각 사용자의 결과입니다.",
    "my.caption": "내 라이선스 요청",
    "my.col.product": "제품",
    "my.col.date": "요청 날짜",
    "my.col.status": "상태",
    "my.col.users": "사용자 및 결과",
    "my.col.message": "관리자 메시지",
    "my.empty": "지난 30일 동안 요청한 라이선스가 없습니다.",
  },
};

export const LANGUAGES = ["en", "ko"];
const STORAGE_KEY = "licenseRequests.lang";
let current = "en";

/** The language to start with: the saved choice, else the browser's. */
export function initialLanguage() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    saved = null;
  }
  if (LANGUAGES.includes(saved)) return saved;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = String(tag || "").toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

export function setLanguage(lang, remember = false) {
  current = LANGUAGES.includes(lang) ? lang : "en";
  document.documentElement.lang = current;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, current);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
  }
}

export function language() {
  return current;
}

export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

export function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(current === "ko" ? "ko-KR" : "en-US", {
    dateStyle: "medium",
    timeStyle: "short",
  }).format(date);
}

export function formatNumber(value) {
  return new Intl.NumberFormat(current === "ko" ? "ko-KR" : "en-US").format(value);
}

/** Fills every [data-i18n] element's text (and [data-i18n-label] aria-labels). */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
  document.title = t("app.title");
}
