"""Microsoft Graph: the directory port over plain HTTP (the app's transport) with
azure-identity app-only tokens per customer tenant. No msgraph-sdk: four endpoints do
not justify ~380 MB and a second of cold start."""
