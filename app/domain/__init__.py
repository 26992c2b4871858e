"""Pure domain rules of Attune: no Flask, no database, no network."""
