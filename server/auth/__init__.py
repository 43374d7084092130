"""Who may use the product: users, roles, grants, API keys, browser sessions and the audit log."""
