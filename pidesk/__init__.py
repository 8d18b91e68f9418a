"""pidesk: the personal-information incident desk."""
