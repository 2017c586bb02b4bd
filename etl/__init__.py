"""Extract from Jira and GitHub, transform (pure), load into the store."""
