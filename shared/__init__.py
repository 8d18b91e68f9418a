"""The project's common library: events, settings, database, outbox, consumers, HTTP edge."""
