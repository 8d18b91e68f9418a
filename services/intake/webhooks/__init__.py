"""DLP and secret-scanning webhooks: signature schemes, one module per vendor, mapping to incidents."""
