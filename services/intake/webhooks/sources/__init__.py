"""One module per vendor: how its payload is read and mapped to incidents."""
