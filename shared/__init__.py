"""The License Requests application code, free of Azure Functions types."""
