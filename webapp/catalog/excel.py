"""Excel import and export of a unit's catalog (routes on the catalog blueprint)."""
