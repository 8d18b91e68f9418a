"""The HTTP edge shared by the services: one error shape, limits, probes, metrics, auth."""
