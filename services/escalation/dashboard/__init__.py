"""The on-call desk dashboard at /desk: server-rendered pages on the desk API, live over Server-Sent Events."""
