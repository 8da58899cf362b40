"""Domain rules, database and services. No Qt, no sounddevice."""
