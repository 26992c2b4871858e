"""HTTP blueprints: thin adapters over the services, one package per feature."""
