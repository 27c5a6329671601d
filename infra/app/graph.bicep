// The multi-tenant app registration License Requests uses for Microsoft Graph (licences,
// directory checks), with the Function App's managed identity as its one credential.
//
// Customer tenants connect it by admin consent; the app then gets app-only tokens per
// tenant. No secret or certificate exists: the app exchanges a managed-identity token
// (audience api://AzureADTokenExchange) for a Graph token, which Entra ID accepts because
// of the federated identity credential below. The identity and the registration live in
// the same (home) tenant, as Entra ID requires; the consented service principals in
// customer tenants redeem the same assertion.
//
// Microsoft Graph Bicep extension (GA, types v1.0:1.0.0, Bicep >= 0.36.1): the alias is
// bound in infra/bicepconfig.json. Deployed with the deployer's own Entra permissions:
// creating an app registration is allowed to members by default, or needs the
// Application Developer role where the tenant restricts it. Nothing here needs an admin
// role: no service principal is created in the home tenant and no permission is granted;
// each customer tenant's admin grants them by consent.
extension microsoftGraphV1

@description('Client-provided alternate key of the registration (Graph uniqueName): re-provisions update the same registration.')
param uniqueName string

@description('Display name admins see on the consent prompt and under Enterprise applications.')
param displayName string

@description('The admin-consent redirect URI: {PUBLIC_BASE_URL}/api/setup/microsoft365/callback.')
param consentRedirectUri string

@description('Principal (object) id of the Function App\'s user-assigned managed identity: the subject the federated credential trusts.')
param identityPrincipalId string

@description('Also request GroupMember.ReadWrite.All, needed only for group-based licensing (adding approved users to a licensed group).')
param groupLicensing bool = false

// Microsoft Graph's application id and the ids of its app roles (application
// permissions): the same in every tenant.
var microsoftGraphAppId = '00000003-0000-0000-c000-000000000000'
// Read subscribedSkus (the catalogue, seat counts) and assignLicense.
var licenseAssignmentReadWriteAll = '5facf0c1-8979-4e95-abcf-ff3d079771c0'
// Resolve requesters and added users (by oid, userPrincipalName or mail; accountEnabled).
var userReadAll = 'df021288-bdef-4463-88db-98f22de89214'
// Add approved users to a product's licensed group (group-based licensing only).
var groupMemberReadWriteAll = 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695'

var graphAppRoles = concat([
  licenseAssignmentReadWriteAll
  userReadAll
], groupLicensing ? [
  groupMemberReadWriteAll
] : [])

// The managed identity's tokens are issued by the home tenant's v2.0 authority and carry
// the identity's principal id as `sub`; the app asks for them with this audience.
var federatedIssuer = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
var federatedAudience = 'api://AzureADTokenExchange'

resource graphApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  // Multi-tenant: any organisation's admin can consent; no personal accounts.
  signInAudience: 'AzureADMultipleOrgs'
  web: {
    // The admin-consent endpoint redirects only to a registered URI.
    redirectUris: [
      consentRedirectUri
    ]
  }
  // What admin consent (scope=https://graph.microsoft.com/.default) grants: these
  // application permissions and nothing else.
  requiredResourceAccess: [
    {
      resourceAppId: microsoftGraphAppId
      resourceAccess: [for appRole in graphAppRoles: {
        id: appRole
        type: 'Role'
      }]
    }
  ]

  resource managedIdentityCredential 'federatedIdentityCredentials@v1.0' = {
    name: '${graphApp.uniqueName}/function-app-identity'
    description: 'The License Requests Function App\'s user-assigned managed identity: no secret or certificate exists.'
    issuer: federatedIssuer
    subject: identityPrincipalId
    audiences: [
      federatedAudience
    ]
  }
}

output clientId string = graphApp.appId
output issuer string = federatedIssuer
