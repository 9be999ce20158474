"""Units, people, roles, responsible persons, logins and API tokens."""
