"""Services own transactions: load, apply the rules, persist, publish."""
