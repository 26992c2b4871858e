"""Pure account rules: no Flask, no database."""
