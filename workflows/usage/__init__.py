"""Usage of shared data as the city data platform (or a unit's upload) reports it: ingest, rollups, the grant feed."""
