"""What a therapist may see of a couple, and when homework is due: pure rules, no Flask."""
